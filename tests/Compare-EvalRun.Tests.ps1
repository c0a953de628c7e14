#Requires -Version 5.1
# Compare-EvalRun against the loopback fake: two runs whose output items differ (regressions, fixes, added and
# removed items, a criterion only one run has, statuses other than pass and fail), runs given as objects, piped or
# by id, unlike runs refused, the partial-run warning, -Summary and its McNemar p-value against exact values,
# -ErrorOnRegression with -ErrorAction Stop and $?, CSV export and the views.
# The fake's AddGradedOutputItems makes one item per character: p passes, f fails, . no item for that row; each item
# has two criteria (a string check scoring 1 or 0, a similarity scoring 0.9 or 0.25) that pass or fail with it.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $check = [EvalsPS.FakeApi.FakeEvalsApi]::StringCheckCriterion
    $similar = [EvalsPS.FakeApi.FakeEvalsApi]::SimilarityCriterion

    # Two runs of a new eval, graded as the outcome strings say; returns them as Get-EvalRun writes them.
    $script:evalNumber = 0
    function New-RunPair([string] $Reference, [string] $Difference, [string] $ReferenceStatus = 'completed', [string] $DifferenceStatus = 'completed') {
        $script:evalNumber++
        $eval = "eval_cmp$script:evalNumber"
        $base = $fake.AddRun($eval, 'evalrun_base', $ReferenceStatus, 'baseline')
        $new = $fake.AddRun($eval, 'evalrun_new', $DifferenceStatus, 'nightly')
        $null = $fake.AddGradedOutputItems($eval, $base, $Reference, 1)
        $null = $fake.AddGradedOutputItems($eval, $new, $Difference, 1)
        $pair = [pscustomobject]@{
            EvalId = $eval
            Base   = Get-EvalRun -EvalId $eval -RunId $base
            Done   = Get-EvalRun -EvalId $eval -RunId $new
        }
        $fake.ClearRequests()
        $pair
    }

    # An output item in the API's shape, with results given as @(name, passed, score) triples.
    function Add-Item($EvalId, $RunId, [long] $Row, [string] $Status, [object[]] $Results) {
        # @(foreach ...) is an empty array for no results; @($null) would send "results": [null].
        $results = @(foreach ($r in $Results) { [ordered]@{ name = $r[0]; type = 'string-check-grader'; passed = $r[1]; score = $r[2]; sample = $null } })
        $item = [ordered]@{
            object = 'eval.run.output_item'; id = "outputitem_${RunId}_$Row"; created_at = 1748797200; status = $Status
            datasource_item_id = $Row; datasource_item = @{ input = "row $Row" }; results = $results; sample = $null
        }
        $null = $fake.AddOutputItemJson($EvalId, $RunId, ($item | ConvertTo-Json -Depth 5 -Compress))
    }

    # The exact two-sided McNemar p-value, from whole numbers: 2 * sum_{i<=min(b,c)} C(b+c, i) / 2^(b+c), at most 1.
    function Get-ExactPValue([int] $B, [int] $C) {
        $n = $B + $C
        if ($n -eq 0) { return 1.0 }
        $sum = [System.Numerics.BigInteger]::Zero
        $term = [System.Numerics.BigInteger]::One
        for ($i = 0; $i -le [math]::Min($B, $C); $i++) {
            $sum += $term
            $term = $term * ($n - $i) / ($i + 1)
        }
        $twice = $sum * 2
        $all = [System.Numerics.BigInteger]::Pow(2, $n)
        if ($twice -ge $all) { return 1.0 }
        # 2^n is a double exactly (n < 1024 here), and the sum to 16 significant digits.
        [double]$twice / [double]$all
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Compare-EvalRun' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'the items that changed' {
        It 'writes regressed and fixed items as their pair is complete, then removed and added items' {
            #                 rows 1 2 3 4 5 6
            $runs = New-RunPair 'ppffp.' 'pfpf.p'

            $changes = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done)

            Get-ChangeLine $changes | Should -Be '2:Regressed,3:Fixed,5:Removed,6:Added'
            foreach ($change in $changes) { $change | Should -BeOfType ([EvalsPS.EvalRunItemComparison]) }
            $regressed = $changes[0]
            $regressed.ReferenceStatus | Should -BeExactly 'pass'
            $regressed.DifferenceStatus | Should -BeExactly 'fail'
            $regressed.ReferenceOutputItemId | Should -BeExactly 'outputitem_evalrun_base_00002'
            $regressed.DifferenceOutputItemId | Should -BeExactly 'outputitem_evalrun_new_00002'
            $regressed.ReferenceRunId | Should -BeExactly 'evalrun_base'
            $regressed.DifferenceRunId | Should -BeExactly 'evalrun_new'
            $changes[2].DifferenceStatus | Should -BeNullOrEmpty
            $changes[2].DifferenceOutputItemId | Should -BeNullOrEmpty
            $changes[3].ReferenceStatus | Should -BeNullOrEmpty
            $changes[3].DifferenceOutputItemId | Should -BeExactly 'outputitem_evalrun_new_00005'
        }

        It 'compares each criterion by result name: pass and score on each side, and the score delta' {
            $runs = New-RunPair 'pf' 'fp'

            $changes = @(Compare-EvalRun $runs.Base $runs.Done)

            $criteria = @($changes[0].Criteria)
            $criteria.Name | Should -Be @($check, $similar)
            $criteria[0].ReferencePassed | Should -BeTrue
            $criteria[0].DifferencePassed | Should -BeFalse
            $criteria[0].ReferenceScore | Should -Be 1
            $criteria[0].DifferenceScore | Should -Be 0
            $criteria[0].ScoreDelta | Should -Be -1
            [math]::Abs($criteria[1].ScoreDelta + 0.65) | Should -BeLessThan 1e-12
            $changes[0].Criteria.ToString() | Should -BeExactly 'Match output to human label: pass -> fail, score 1 -> 0 (-1); Close to the label: pass -> fail, score 0.9 -> 0.25 (-0.65)'
            $changes[1].Criteria.ToString() | Should -BeExactly 'Match output to human label: fail -> pass, score 0 -> 1 (+1); Close to the label: fail -> pass, score 0.25 -> 0.9 (+0.65)'
        }

        It 'shows a criterion only one run has with the other side empty' {
            $eval = 'eval_onecriterion'
            $base = $fake.AddRun($eval, 'evalrun_base', 'completed', 'baseline')
            $new = $fake.AddRun($eval, 'evalrun_new', 'completed', 'nightly')
            Add-Item $eval $base 1 'pass' @(, @('Exact-1', $true, 1.0))
            Add-Item $eval $new 1 'fail' @(@('Exact-1', $false, 0.0), @('Tone-2', $true, 0.7))

            $change = Compare-EvalRun $base $new -EvalId $eval
            $summary = Compare-EvalRun $base $new -EvalId $eval -Summary

            $change.Change | Should -Be 'Regressed'
            $tone = $change.Criteria | Where-Object Name -EQ 'Tone-2'
            $tone.InReference | Should -BeFalse
            $tone.ReferencePassed | Should -BeNullOrEmpty
            $tone.ReferenceScore | Should -BeNullOrEmpty
            $tone.DifferencePassed | Should -BeTrue
            $tone.DifferenceScore | Should -Be 0.7
            $tone.ScoreDelta | Should -BeNullOrEmpty
            $tone.ToString() | Should -BeExactly 'Tone-2: - -> pass, score - -> 0.7'
            $toneSummary = $summary.Criteria | Where-Object Name -EQ 'Tone-2'
            $toneSummary.Matched | Should -Be 0
            $toneSummary.ReferencePassRate | Should -BeNullOrEmpty
            $toneSummary.DifferencePassRate | Should -Be 1
            $toneSummary.MeanScoreDelta | Should -BeNullOrEmpty
            ($summary.Criteria | Where-Object Name -EQ 'Exact-1').MeanScoreDelta | Should -Be -1
        }

        It 'decides by the status: only pass passes, so pass to error regresses and fail to error is unchanged' {
            $eval = 'eval_statuses'
            $base = $fake.AddRun($eval, 'evalrun_base', 'completed', 'baseline')
            $new = $fake.AddRun($eval, 'evalrun_new', 'completed', 'nightly')
            Add-Item $eval $base 1 'pass' @()
            Add-Item $eval $new 1 'error' @()
            Add-Item $eval $base 2 'fail' @()
            Add-Item $eval $new 2 'error' @()
            Add-Item $eval $base 3 'error' @()
            Add-Item $eval $new 3 'pass' @()

            $changes = @(Compare-EvalRun -EvalId $eval -ReferenceRun $base -DifferenceRun $new -IncludeEqual)

            Get-ChangeLine $changes | Should -Be '1:Regressed,2:Unchanged,3:Fixed'
            $changes[1].ReferenceStatus | Should -BeExactly 'fail'
            $changes[1].DifferenceStatus | Should -BeExactly 'error'
        }

        It '-IncludeEqual also writes the unchanged items' {
            $runs = New-RunPair 'ppffp.' 'pfpf.p'

            $changes = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -IncludeEqual)

            Get-ChangeLine $changes | Should -Be '1:Unchanged,2:Regressed,3:Fixed,4:Unchanged,5:Removed,6:Added'
        }
    }

    Context 'the runs it takes' {
        It 'takes run ids with -EvalId, reading each run once' {
            $runs = New-RunPair 'pp' 'pf'

            $changes = @(Compare-EvalRun -EvalId $runs.EvalId -ReferenceRun evalrun_base -DifferenceRun evalrun_new)

            Get-ChangeLine $changes | Should -Be '2:Regressed'
            $lines = @(Get-RequestLine $fake)
            $lines | Where-Object { $_ -like 'GET */runs/evalrun_base' } | Should -HaveCount 1
            $lines | Where-Object { $_ -like 'GET */runs/evalrun_new' } | Should -HaveCount 1
        }

        It 'takes the difference run from the pipeline, as the run Wait-EvalRun writes' {
            $runs = New-RunPair 'pp' 'fp'

            $changes = @($runs.Done | Wait-EvalRun -Timeout 30 | Compare-EvalRun -ReferenceRun $runs.Base)

            Get-ChangeLine $changes | Should -Be '1:Regressed'
        }

        It 'compares each of several difference runs given at once, and takes a reference in a list of one' {
            $runs = New-RunPair 'pp' 'fp'
            $third = $fake.AddRun($runs.EvalId, 'evalrun_third', 'completed', 'third')
            $null = $fake.AddGradedOutputItems($runs.EvalId, $third, 'pf', 1)
            $both = Get-EvalRun -EvalId $runs.EvalId -RunId evalrun_new, evalrun_third

            $changes = @(Compare-EvalRun -ReferenceRun @($runs.Base) -DifferenceRun $both)

            ($changes | ForEach-Object { "$($_.DifferenceRunId):$($_.DatasourceItemId):$($_.Change)" }) -join ',' |
                Should -Be 'evalrun_new:1:Regressed,evalrun_third:2:Regressed'
        }

        It 'stops with InvalidEvalRunArgument when given two reference runs' {
            $runs = New-RunPair 'pp' 'fp'

            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun @($runs.Base, $runs.Done) -DifferenceRun $runs.Done }

            $result.AllErrors | Should -HaveCount 1
            $result.AllErrors[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEvalRunArgument,*'
            $result.AllErrors[0].Exception.Message | Should -BeLike '*takes one run, not 2*'
        }

        It 'reads a reference run id once, and reports it once, however many runs are piped' {
            $runs = New-RunPair 'pp' 'fp'

            $result = Invoke-Captured { $runs.Done, $runs.Done | Compare-EvalRun -EvalId $runs.EvalId -ReferenceRun evalrun_gone }

            $null = Assert-SingleError $result 'EvalRunNotFound' ObjectNotFound 'evalrun_gone'
            @($fake.Requests) | Should -HaveCount 1
        }

        It 'stops with EvalIdRequired when a run is given by id without -EvalId' {
            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun evalrun_base -DifferenceRun evalrun_new }

            $null = Assert-SingleError $result 'EvalIdRequired' InvalidArgument 'evalrun_base'
            $fake.Requests | Should -HaveCount 0
        }

        It 'stops with InvalidEvalRunArgument for an object that is neither a run nor an id' {
            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun @{ id = 'evalrun_base' } -DifferenceRun evalrun_new -EvalId eval_x }

            $result.AllErrors | Should -HaveCount 1
            $err = $result.AllErrors[0]
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidEvalRunArgument,*'
            $err.TargetObject['id'] | Should -BeExactly 'evalrun_base'
            $err.Exception.Message | Should -BeLike '*takes a run*or a run id with -EvalId*Hashtable*'
        }

        It 'reports a run id that does not exist as EvalRunNotFound and lists nothing' {
            $runs = New-RunPair 'p' 'p'

            $result = Invoke-Captured { Compare-EvalRun -EvalId $runs.EvalId -ReferenceRun evalrun_base -DifferenceRun evalrun_gone }

            $null = Assert-SingleError $result 'EvalRunNotFound' ObjectNotFound 'evalrun_gone'
            $result.Output | Should -HaveCount 0
            @(Get-RequestLine $fake) | Where-Object { $_ -like '*output_items*' } | Should -HaveCount 0
        }

        It 'refuses runs of different evals with EvalRunsOfDifferentEvals, and compares them with -Force' {
            $one = New-RunPair 'pp' 'pp'
            $other = New-RunPair 'pf' 'pf'

            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun $one.Base -DifferenceRun $other.Done }
            $forced = @(Compare-EvalRun -ReferenceRun $one.Base -DifferenceRun $other.Done -Force)

            $err = Assert-SingleError $result 'EvalRunsOfDifferentEvals' InvalidArgument 'evalrun_new'
            $err.Exception.Message | Should -BeLike "*different evals*$($one.EvalId)*$($other.EvalId)*-Force*"
            $result.Output | Should -HaveCount 0
            Get-ChangeLine $forced | Should -Be '2:Regressed'
        }

        It 'reports runs with no item in common as NoCommonEvalRunItems, and lists them all with -Force' {
            $runs = New-RunPair 'pp' '..pf'

            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done }
            $forced = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Force)
            $summary = Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Force -Summary

            $err = Assert-SingleError $result 'NoCommonEvalRunItems' InvalidData 'evalrun_new'
            $err.Exception.Message | Should -BeLike '*no item in common*datasource_item_id*-Force*'
            $result.Output | Should -HaveCount 0
            Get-ChangeLine $forced | Should -Be '1:Removed,2:Removed,3:Added,4:Added'
            $summary.Matched | Should -Be 0
            $summary.ReferencePassRate | Should -BeNullOrEmpty
            $summary.PValue | Should -Be 1
        }

        It 'warns that a run not completed has partial results, showing control characters instead of obeying them' {
            $runs = New-RunPair 'pp' 'pf' -DifferenceStatus "in_progress$([char]27)[31m"

            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done }

            $result.Warning | Should -HaveCount 1
            $result.Warning[0] | Should -BeExactly 'Run evalrun_new is in_progress\u001b[31m, not completed: its results are partial.'
            Get-ChangeLine $result.Output | Should -Be '2:Regressed'
        }

        It 'reports a listing that fails, and does not call the other run''s items Added' {
            $runs = New-RunPair 'pp' 'pf'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(404, '{"error":{"message":"Run not found.","type":"invalid_request_error","param":null,"code":null}}'), 1, 'evalrun_new/output_items')

            $result = Invoke-Captured { Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done }

            $null = Assert-SingleError $result 'EvalRunNotFound' ObjectNotFound 'evalrun_new'
            $result.Output | Should -HaveCount 0
        }
    }

    Context 'listing' {
        It 'lists both runs at once: the difference run''s first page is asked for while the reference run''s next page is in flight' {
            $runs = New-RunPair ('p' * 150) ('f' * 150)
            $fake.Latency = [TimeSpan]::FromMilliseconds(600)

            $changes = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done)

            $changes | Should -HaveCount 150
            $requests = @($fake.Requests)
            $requests | Should -HaveCount 4
            $secondReferencePage = @($requests | Where-Object { $_.RawPath -like '*evalrun_base/output_items' -and $_.Query['after'] })[0]
            $firstDifferencePage = @($requests | Where-Object { $_.RawPath -like '*evalrun_new/output_items' -and -not $_.Query['after'] })[0]
            # Taken one after the other, the difference run would be asked for only once that page had been answered.
            ($firstDifferencePage.ReceivedAtUtc - $secondReferencePage.ReceivedAtUtc).Duration().TotalMilliseconds | Should -BeLessThan 600
        }

        It 'streams: a pipeline that wants one change stops the listings after a few pages' {
            $runs = New-RunPair ('f' + 'p' * 999) ('p' * 1000)

            $first = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done | Select-Object -First 1)

            Get-ChangeLine $first | Should -Be '1:Fixed'
            @($fake.Requests).Count | Should -BeLessOrEqual 6 -Because 'each listing has at most its next two pages asked for, of 10'
        }

        It 'shows progress page by page over large runs, and completes it' {
            $runs = New-RunPair ('p' * 250) ('f' * 250)
            $runspace = New-ModuleRunspace $fake
            try {
                $run = Invoke-InRunspace $runspace '$null = Compare-EvalRun -EvalId $evalId -ReferenceRun evalrun_base -DifferenceRun evalrun_new' @{ evalId = $runs.EvalId }
                $run.Shell.HadErrors | Should -BeFalse
                $progress = @($run.Shell.Streams.Progress)
                $progress.Count | Should -BeGreaterOrEqual 3
                $progress[0].Activity | Should -BeExactly 'Comparing run evalrun_new with run evalrun_base'
                @($progress | Where-Object { $_.StatusDescription -match '^\d+ items matched \(\d+ pages read\)$' }).Count | Should -BeGreaterOrEqual 2
                $progress[-1].RecordType | Should -Be 'Completed'
                $progress[-1].StatusDescription | Should -BeExactly '250 items matched'
                $run.Shell.Dispose()
            }
            finally { $runspace.Dispose() }
        }
    }

    Context '-Summary' {
        It 'writes the counts, the pass rates over matched items, and the same per criterion' {
            $reference = ('p' * 10) + ('f' * 25) + ('p' * 5) + 'p.'
            $difference = ('f' * 10) + ('p' * 25) + ('p' * 5) + '.p'
            $runs = New-RunPair $reference $difference

            $summary = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary)

            $summary | Should -HaveCount 1
            $s = $summary[0]
            $s | Should -BeOfType ([EvalsPS.EvalRunComparison])
            $s.ReferenceRunId | Should -BeExactly 'evalrun_base'
            $s.DifferenceRunId | Should -BeExactly 'evalrun_new'
            $s.ReferenceEvalId | Should -BeExactly $runs.EvalId
            $s.Matched | Should -Be 40
            $s.Regressed | Should -Be 10
            $s.Fixed | Should -Be 25
            $s.Unchanged | Should -Be 5
            $s.Removed | Should -Be 1
            $s.Added | Should -Be 1
            $s.ReferencePassRate | Should -Be (15 / 40)
            $s.DifferencePassRate | Should -Be (30 / 40)
            $s.PassRateDelta | Should -Be (15 / 40)
            [math]::Abs($s.PValue - (Get-ExactPValue 10 25)) | Should -BeLessThan 1e-15
            $s.Criteria.Name | Should -Be @($check, $similar)
            $s.Criteria[0].Matched | Should -Be 40
            $s.Criteria[0].Regressed | Should -Be 10
            $s.Criteria[0].Fixed | Should -Be 25
            $s.Criteria[0].MeanScoreDelta | Should -Be (15 / 40)
            [math]::Abs($s.Criteria[1].MeanScoreDelta - (15 * 0.65 / 40)) | Should -BeLessThan 1e-12
            $s.Criteria[1].ReferencePassRate | Should -Be (15 / 40)
            $s.Criteria[1].PValue | Should -Be $s.PValue
        }

        It 'gives the exact McNemar p-value for <B> regressed against <C> fixed' -TestCases @(
            @{ B = 0; C = 5; Expected = 0.0625 }
            @{ B = 1; C = 9; Expected = 0.021484375 }
            @{ B = 5; C = 5; Expected = 1.0 }
            @{ B = 0; C = 0; Expected = 1.0 }
            @{ B = 10; C = 25; Expected = $null }
            @{ B = 400; C = 500; Expected = $null }
        ) {
            $runs = New-RunPair (('p' * $B) + ('f' * $C) + 'p') (('f' * $B) + ('p' * $C) + 'p')

            $summary = Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary

            $summary.Regressed | Should -Be $B
            $summary.Fixed | Should -Be $C
            $exact = Get-ExactPValue $B $C
            if ($null -ne $Expected) { $exact | Should -Be $Expected -Because 'the reference computation itself must give the known value' }
            [double]::IsNaN($summary.PValue) | Should -BeFalse
            $summary.PValue | Should -BeGreaterThan 0
            [math]::Abs($summary.PValue - $exact) / $exact | Should -BeLessThan 1e-12
        }
    }

    Context '-ErrorOnRegression' {
        It 'writes an EvalRegression error per regressed item after it, targeting its DatasourceItemId, and $? is false' {
            $runs = New-RunPair 'ppfp' 'fpff'

            $records = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -ErrorOnRegression 2>&1)
            Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -ErrorOnRegression -ErrorAction SilentlyContinue -ErrorVariable failures | Out-Null
            $succeeded = $?

            $records | Should -HaveCount 4
            $records[0].DatasourceItemId | Should -Be 1
            $records[1].FullyQualifiedErrorId | Should -BeLike 'EvalRegression,*'
            $records[1].TargetObject | Should -Be 1
            $records[1].CategoryInfo.Category | Should -Be 'InvalidResult'
            $records[1].Exception.Message | Should -BeLike 'Item 1 regressed: pass in run evalrun_base, fail in run evalrun_new.*Match output to human label: pass -> fail*'
            $records[2].DatasourceItemId | Should -Be 4
            $records[3].TargetObject | Should -Be 4
            $failures | Should -HaveCount 2
            $succeeded | Should -BeFalse
        }

        It 'with -ErrorAction Stop, fails the script at the first regression' {
            $runs = New-RunPair 'ppfp' 'fpff'
            $base = $runs.Base
            $done = $runs.Done
            $reached = $false

            try {
                Compare-EvalRun -ReferenceRun $base -DifferenceRun $done -ErrorOnRegression -ErrorAction Stop | Out-Null
                $reached = $true
            }
            catch {
                $caught = $_
            }

            $reached | Should -BeFalse
            $caught.FullyQualifiedErrorId | Should -BeLike 'EvalRegression,*'
            $caught.TargetObject | Should -Be 1
        }

        It 'writes nothing but the items when nothing regressed, and $? stays true' {
            $runs = New-RunPair 'fpf' 'ppf'

            $changes = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -ErrorOnRegression -ErrorAction Stop)
            $succeeded = $?

            Get-ChangeLine $changes | Should -Be '1:Fixed'
            $succeeded | Should -BeTrue
        }

        It 'with -Summary, writes the summary first, then the errors' {
            $runs = New-RunPair 'ppfp' 'fpff'

            $records = @(Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary -ErrorOnRegression 2>&1)

            $records | Should -HaveCount 3
            $records[0] | Should -BeOfType ([EvalsPS.EvalRunComparison])
            $records[0].Regressed | Should -Be 2
            @($records[1].TargetObject, $records[2].TargetObject) | Should -Be @(1, 4)
            $records[1].FullyQualifiedErrorId | Should -BeLike 'EvalRegression,*'
        }
    }

    Context 'CSV and views' {
        It 'exports the items to CSV as values, the criteria as one line of text' {
            $runs = New-RunPair 'ppf.' 'pfpp'
            $path = Join-Path $TestDrive 'changes.csv'

            Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done | Export-Csv -Path $path -NoTypeInformation
            $rows = @(Import-Csv -Path $path)

            $rows | Should -HaveCount 3
            $rows[0].DatasourceItemId | Should -Be '2'
            $rows[0].Change | Should -BeExactly 'Regressed'
            $rows[0].ReferenceStatus | Should -BeExactly 'pass'
            $rows[0].DifferenceStatus | Should -BeExactly 'fail'
            $rows[0].Criteria | Should -BeExactly 'Match output to human label: pass -> fail, score 1 -> 0 (-1); Close to the label: pass -> fail, score 0.9 -> 0.25 (-0.65)'
            $rows[2].Change | Should -BeExactly 'Added'
            $rows[2].ReferenceStatus | Should -BeExactly ''
            $rows[2].Criteria | Should -BeExactly 'Match output to human label: - -> pass, score - -> 1; Close to the label: - -> pass, score - -> 0.9'
        }

        It 'exports the summary to CSV as values' {
            $runs = New-RunPair 'ppfp' 'fpfp'
            $path = Join-Path $TestDrive 'summary.csv'

            Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary | Export-Csv -Path $path -NoTypeInformation
            $row = @(Import-Csv -Path $path)

            $row | Should -HaveCount 1
            $row[0].Regressed | Should -Be '1'
            $row[0].Matched | Should -Be '4'
            [double]::Parse($row[0].ReferencePassRate, [cultureinfo]::InvariantCulture) | Should -Be 0.75
            [double]::Parse($row[0].PValue, [cultureinfo]::InvariantCulture) | Should -Be 1
            $row[0].Criteria | Should -BeExactly 'Match output to human label: pass rate 75% -> 50%, mean score delta -0.25; Close to the label: pass rate 75% -> 50%, mean score delta -0.1625'
        }

        It 'shows control and bidi characters of server text in the views instead of obeying them' {
            $eval = 'eval_escape'
            $base = $fake.AddRun($eval, 'evalrun_base', 'completed', 'baseline')
            $new = $fake.AddRun($eval, 'evalrun_new', 'completed', 'nightly')
            $name = "Tone$([char]27)[31m"
            Add-Item $eval $base 1 'pass' @(, @($name, $true, 1.0))
            Add-Item $eval $new 1 "fail$([char]0x202E)" @(, @($name, $false, 0.0))

            $change = Compare-EvalRun -EvalId $eval $base $new
            $table = $change | Out-String -Width 200
            $summary = Compare-EvalRun -EvalId $eval $base $new -Summary | Out-String -Width 200

            $change.Criteria[0].Name | Should -BeExactly $name -Because 'the property keeps the exact value'
            foreach ($text in $table, $summary) {
                $text | Should -Not -Match "[$([char]27)$([char]0x202E)]"
            }
            $table | Should -Match ([regex]::Escape('fail\u202e'))
            $table | Should -Match ([regex]::Escape('Tone\u001b[31m: pass -> fail'))
            $summary | Should -Match ([regex]::Escape('Tone\u001b[31m: pass rate 100% -> 0%'))
        }

        It 'shows what changed at a glance in the default views' {
            $runs = New-RunPair 'ppf.' 'pfpp'

            $table = Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done | Out-String -Width 200
            $summary = Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary | Out-String -Width 200

            $table | Should -Match 'Item\s+Change\s+Reference\s+Difference\s+Criteria'
            $table | Should -Match '\s2\s+Regressed\s+pass\s+fail\s+Match output to human label: pass -> fail'
            $table | Should -Not -Match '4a7c1e'
            $summary | Should -Match 'Regressed\s+:\s+1'
            $summary | Should -Match 'Fixed\s+:\s+1'
            $summary | Should -Match 'PassRate\s+:\s+66.7% -> 66.7% \(0%\)'
            $summary | Should -Match 'PValue\s+:\s+1'
        }

        It 'shows the pass rate change with its sign, so a drop never reads as a gain' {
            $runs = New-RunPair 'ppp' 'pff'

            $summary = Compare-EvalRun -ReferenceRun $runs.Base -DifferenceRun $runs.Done -Summary | Out-String -Width 200

            $summary | Should -Match 'PassRate\s+:\s+100% -> 33.3% \(-66.7%\)'
            $reverse = Compare-EvalRun -ReferenceRun $runs.Done -DifferenceRun $runs.Base -Summary | Out-String -Width 200
            $reverse | Should -Match 'PassRate\s+:\s+33.3% -> 100% \(\+66.7%\)'
        }
    }
}
