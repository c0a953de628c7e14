#Requires -Version 5.1
# The runbook that gates a release on evals, end to end against the loopback fake and word for word as a user writes
# it: start a run of an eval over a JSONL file, wait for it, find the baseline run, and
# compare the two so that a regression fails the runbook. The fake grades a created run by a rule that depends on the
# model, so the gpt-4o-mini run regresses on some items of the gpt-4o baseline and is fixed on others.
# Each runbook runs in a runspace of its own with a bound: one that hangs is stopped and fails its test, naming it.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $baselineId = $fake.AddTicketsEval('eval_1')
    $fake.PollAfterMs = 10
    [System.IO.File]::WriteAllText((Join-Path $TestDrive 'tickets.jsonl'), [EvalsPS.FakeApi.FakeEvalsApi]::TicketsJsonl)

    # The runbook, word for word.
    $runbook = @'
$eval = Get-Eval -EvalId eval_1
$run  = $eval | New-EvalRun -Path ./tickets.jsonl -Model gpt-4o-mini -Template @(
          @{ role = 'developer'; content = 'Classify the ticket.' }
          @{ role = 'user';      content = '{{item.input}}' }) -Name "nightly $(Get-Date -Format yyyy-MM-dd)"
$done = $run | Wait-EvalRun -Timeout 3600
$base = Get-EvalRun -EvalId eval_1 -Status completed | Where-Object Name -like 'baseline*' | Select-Object -First 1
Compare-EvalRun -ReferenceRun $base -DifferenceRun $done -ErrorOnRegression -ErrorAction Stop
'@

    function Invoke-Runbook {
        <#
            Runs $Script in a new runspace with EvalsPS imported, in the folder of tickets.jsonl; fails the test if it
            has not ended within $BoundSec (then stops it). Returns its Output and Errors, the error that ended it
            (Terminating), Elapsed, and the variables it left: run, done, base and succeeded.
        #>
        param([Parameter(Mandatory)] [string] $Script, [double] $BoundSec = 20)
        $fake.ClearRequests()
        $runspace = New-ModuleRunspace $fake
        $shell = [powershell]::Create()
        $async = $null
        try {
            $runspace.SessionStateProxy.Path.SetLocation([WildcardPattern]::Escape($TestDrive)) | Out-Null
            $shell.Runspace = $runspace
            $null = $shell.AddScript($Script)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $async = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Wait-Bounded -Shell $shell -Async $async -BoundSec $BoundSec -Message "The runbook did not end within $BoundSec s."
            $terminating = $null
            try { $null = $shell.EndInvoke($async) } catch { $terminating = $_.Exception.InnerException.ErrorRecord }
            $clock.Stop()
            $state = $runspace.SessionStateProxy
            [pscustomobject]@{
                Output      = @($output)
                Errors      = @($shell.Streams.Error)
                Terminating = $terminating
                Elapsed     = $clock.Elapsed
                Run         = $state.GetVariable('run')
                Done        = $state.GetVariable('done')
                Base        = $state.GetVariable('base')
                Succeeded   = $state.GetVariable('succeeded')
            }
        }
        finally {
            if (-not $async -or $async.IsCompleted) {
                $shell.Dispose()
                $runspace.Dispose()
            }
        }
    }

    function Get-CreateLine { @(Get-RequestLine $fake) | Where-Object { $_ -eq 'POST /v1/evals/eval_1/runs' } }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'the release runbook' {
    It 'runs as written: starts one run, waits for it, finds the baseline and stops at the first regression' {
        $result = Invoke-Runbook $runbook

        $result.Terminating | Should -Not -BeNullOrEmpty -Because 'a regression fails the runbook at the comparison'
        $result.Terminating.FullyQualifiedErrorId | Should -BeExactly 'EvalRegression,EvalsPS.Commands.CompareEvalRunCommand'
        $result.Terminating.TargetObject | Should -Be 0
        $result.Terminating.Exception.Message | Should -BeLike "Item 0 regressed: pass in run $baselineId, fail in run $($result.Done.Id).*"
        # The regressed item is written before the error about it.
        Get-ChangeLine $result.Output | Should -Be '0:Regressed'
        Get-CreateLine | Should -HaveCount 1 -Because 'the runbook starts exactly one run'
        $result.Elapsed.TotalSeconds | Should -BeLessThan 8 -Because 'the fake completes a run within a poll or two'

        $result.Run.Status | Should -Be 'queued'
        $result.Run.Name | Should -BeExactly "nightly $(Get-Date -Format yyyy-MM-dd)"
        $result.Done.Id | Should -Be $result.Run.Id
        $result.Done.Status | Should -Be 'completed'
        $result.Done.ResultCounts.Total | Should -Be 12
        $result.Base.Id | Should -Be $baselineId
        $result.Base.ResultCounts.Total | Should -Be 10
    }

    It 'without -ErrorAction Stop, writes every regressed, fixed and added item, an error per regression, and $? is false' {
        $script = $runbook.Replace(' -ErrorAction Stop', '') + "`n`$succeeded = `$?"
        $script | Should -Not -BeLike '*-ErrorAction*'

        $result = Invoke-Runbook $script

        $result.Terminating | Should -BeNullOrEmpty
        Get-ChangeLine $result.Output | Should -Be '0:Regressed,2:Fixed,3:Fixed,4:Fixed,5:Regressed,6:Fixed,10:Added,11:Added'
        @($result.Errors.FullyQualifiedErrorId) | Should -Be (@('EvalRegression,EvalsPS.Commands.CompareEvalRunCommand') * 2)
        @($result.Errors.TargetObject) | Should -Be @(0, 5)
        $result.Succeeded | Should -BeFalse
        Get-CreateLine | Should -HaveCount 1

        # The changes are what the two runs' graded items say, matched by datasource_item_id.
        $new = @(Get-EvalRunOutputItem -EvalId eval_1 -RunId $result.Done.Id)
        $old = @(Get-EvalRunOutputItem -EvalId eval_1 -RunId $result.Base.Id)
        $new | Should -HaveCount 12
        $old | Should -HaveCount 10
        $regressed = @(0..9 | Where-Object { $old[$_].Status -eq 'pass' -and $new[$_].Status -eq 'fail' })
        $fixed = @(0..9 | Where-Object { $old[$_].Status -eq 'fail' -and $new[$_].Status -eq 'pass' })
        @($result.Output | Where-Object Change -EQ Regressed | ForEach-Object DatasourceItemId) | Should -Be $regressed
        @($result.Output | Where-Object Change -EQ Fixed | ForEach-Object DatasourceItemId) | Should -Be $fixed
        $result.Done.Passed | Should -Be @($new | Where-Object Status -EQ 'pass').Count
        $result.Output[0].ReferenceOutputItemId | Should -BeExactly $old[0].Id
        $result.Output[0].DifferenceOutputItemId | Should -BeExactly $new[0].Id
        $result.Output[0].Criteria.ToString() | Should -BeExactly 'Matches the label: pass -> fail, score 1 -> 0 (-1)'
        $new[0].Sample.Input[1].Content | Should -Be 'I was charged twice for my subscription this month.'
    }

    It 'runs to the end and $? is true when the new run regresses nothing (the same model as the baseline)' {
        $script = $runbook.Replace('-Model gpt-4o-mini', '-Model gpt-4o') + "`n`$succeeded = `$?"
        $script | Should -Not -BeLike '*gpt-4o-mini*'

        $result = Invoke-Runbook $script

        $result.Terminating | Should -BeNullOrEmpty
        $result.Errors | Should -HaveCount 0
        $result.Succeeded | Should -BeTrue
        Get-ChangeLine $result.Output | Should -Be '10:Added,11:Added' -Because 'the two lines past the baseline are new, the rest unchanged'
        Get-CreateLine | Should -HaveCount 1
    }

    It 'grades the same items on the same model the same way in every run' {
        Push-Location -LiteralPath $TestDrive
        try {
            $first = New-EvalRun -EvalId eval_1 -Path ./tickets.jsonl -Model gpt-4o | Wait-EvalRun -Timeout 60
            $again = New-EvalRun -EvalId eval_1 -Path ./tickets.jsonl -Model gpt-4o | Wait-EvalRun -Timeout 60
        }
        finally { Pop-Location }

        (@(Get-EvalRunOutputItem eval_1 $first.Id | ForEach-Object Status) -join ',') |
            Should -Be (@(Get-EvalRunOutputItem eval_1 $again.Id | ForEach-Object Status) -join ',')
    }
}
