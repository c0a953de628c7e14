#Requires -Version 5.1
# Get-EvalRun against the loopback fake: by id, listing and paging, typed objects, formatting, settings.

BeforeDiscovery {
    # Every run fixture of the fake, by name, for the tests that must hold for each kind of run.
    $everyFixture = @(Get-ChildItem "$PSScriptRoot/../tools/EvalsPS.FakeApi/Fixtures" -Filter *.json | ForEach-Object { @{ Fixture = $_.BaseName } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Get-EvalRun' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'by id' {
        It 'gets one run per id as typed EvalRun objects, in order, one GET per id' {
            $ids = @($fake.AddRuns('eval_byid', 3, 'completed'))

            $runs = @(Get-EvalRun -EvalId eval_byid -RunId $ids)

            $runs | Should -HaveCount 3
            ($runs.Id -join ',') | Should -Be ($ids -join ',')
            foreach ($run in $runs) { $run | Should -BeOfType ([EvalsPS.EvalRun]) }
            # The next ids' GETs are sent while one answer is read, so they may reach the server in any order.
            (Get-RequestLine $fake | Sort-Object) -join "`n" | Should -Be (($ids | ForEach-Object { "GET /v1/evals/eval_byid/runs/$_" } | Sort-Object) -join "`n")
        }

        It 'sends the next two ids'' GETs while an answer is awaited, no third, and still writes the runs in the order of the ids' {
            $ids = @($fake.AddRuns('eval_ahead_ids', 4, 'completed'))
            # The first answer takes 800 ms; without the read-ahead the second and third GETs would wait for it, and
            # the fourth does: three requests at a time at most.
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromMilliseconds(800)), 1, $ids[0])

            $runs = @(Get-EvalRun eval_ahead_ids $ids)

            ($runs.Id -join ',') | Should -Be ($ids -join ',')
            $arrived = @{}
            foreach ($request in $fake.Requests) { $arrived[$request.RawTarget.Split('/')[-1]] = $request.ReceivedAtUtc }
            [Math]::Abs(($arrived[$ids[1]] - $arrived[$ids[0]]).TotalMilliseconds) | Should -BeLessThan 600
            [Math]::Abs(($arrived[$ids[2]] - $arrived[$ids[0]]).TotalMilliseconds) | Should -BeLessThan 600
            ($arrived[$ids[3]] - $arrived[$ids[0]]).TotalMilliseconds | Should -BeGreaterThan 700
            $fake.Requests | Should -HaveCount 4
        }

        It 'sends at most two GETs ahead of what the pipeline took, and none after it stops' {
            $ids = @($fake.AddRuns('eval_first_id', 6, 'completed'))

            $first = @(Get-EvalRun eval_first_id $ids | Select-Object -First 1)
            Start-Sleep -Milliseconds 200

            $first.Id | Should -Be $ids[0]
            $fake.Requests.Count | Should -BeLessOrEqual 3
        }

        It 'binds positional ids like named ones' {
            $id = $fake.AddRun('eval_positional', [NullString]::Value, 'completed', [NullString]::Value)

            $runs = @(Get-EvalRun eval_positional $id)

            $runs | Should -HaveCount 1
            $runs[0].RunId | Should -Be $id
            $runs[0].EvalId | Should -Be 'eval_positional'
        }

        It 'refreshes a piped run by property name' {
            $id = $fake.AddRun('eval_refresh', [NullString]::Value, 'queued', [NullString]::Value)
            $run = Get-EvalRun eval_refresh $id
            Stop-EvalRun eval_refresh $id -Confirm:$false

            $run.Status | Should -Be 'queued'
            ($run | Get-EvalRun).Status | Should -Be 'canceled'
        }

        It 'binds rows with eval_id and run_id columns, as Import-Csv writes them' {
            $a = $fake.AddRun('eval_csv_1', [NullString]::Value, 'completed', [NullString]::Value)
            $b = $fake.AddRun('eval_csv_2', [NullString]::Value, 'completed', [NullString]::Value)
            $rows = @(
                [pscustomobject]@{ eval_id = 'eval_csv_1'; run_id = $a }
                [pscustomobject]@{ eval_id = 'eval_csv_2'; run_id = $b }
            )

            $runs = @($rows | Get-EvalRun)

            ($runs.Id -join ',') | Should -Be "$a,$b"
            ($runs.EvalId -join ',') | Should -Be 'eval_csv_1,eval_csv_2'
        }

        It 'writes a missing run as a non-terminating ObjectNotFound error and still gets the next id' {
            $id = $fake.AddRun('eval_missing', [NullString]::Value, 'completed', [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_missing evalrun_missing, $id }

            $result.Terminating | Should -BeNullOrEmpty
            $result.Output | Should -HaveCount 1
            $result.Output[0].Id | Should -Be $id
            $err = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target 'evalrun_missing'
            $err.FullyQualifiedErrorId | Should -Be 'EvalRunNotFound,EvalsPS.Commands.GetEvalRunCommand'
            $err.ToString() | Should -BeLike "*Run with id 'evalrun_missing' not found.*"
            $err.ToString() | Should -BeLike '*HTTP 404*'
            $err.ToString() | Should -Match 'request id req_[0-9]+'
        }

        It 'stops at the error with -ErrorAction Stop, asking for no id beyond the two sent ahead' {
            $ids = @($fake.AddRuns('eval_missing_stop', 4, 'completed'))
            $fake.ClearRequests()

            { Get-EvalRun eval_missing_stop (@('evalrun_missing_too') + $ids) -ErrorAction Stop } |
                Should -Throw -ErrorId 'EvalRunNotFound,EvalsPS.Commands.GetEvalRunCommand'
            Start-Sleep -Milliseconds 200
            $fake.Requests.Count | Should -BeLessOrEqual 3
        }

        It 'percent-encodes <RunId> as one path segment: <Encoded>' -ForEach @(
            @{ RunId = 'a/b'; Encoded = 'a%2Fb' }
            @{ RunId = 'a?b=1'; Encoded = 'a%3Fb%3D1' }
            @{ RunId = 'a#b'; Encoded = 'a%23b' }
            @{ RunId = 'a b'; Encoded = 'a%20b' }
            @{ RunId = '../../files'; Encoded = '..%2F..%2Ffiles' }
        ) {
            $result = Invoke-Captured { Get-EvalRun -EvalId eval_encoding -RunId $RunId }

            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $requests[0].RawTarget | Should -BeExactly "/v1/evals/eval_encoding/runs/$Encoded"
            ($requests[0].Segments -join '|') | Should -BeExactly "v1|evals|eval_encoding|runs|$RunId"
            $requests[0].Segments | Should -HaveCount 5
            $null = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target $RunId
        }

        It 'sends the key, the organization, the project and a User-Agent' {
            $id = $fake.AddRun('eval_headers', [NullString]::Value, 'completed', [NullString]::Value)

            $null = Get-EvalRun eval_headers $id -Organization org_1 -Project proj_1

            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $headers = $requests[0].Headers
            $headers['Authorization'] | Should -BeExactly "Bearer $TestKey"
            $headers['OpenAI-Organization'] | Should -BeExactly 'org_1'
            $headers['OpenAI-Project'] | Should -BeExactly 'proj_1'
            $headers['User-Agent'] | Should -BeLike 'EvalsPS/0.1.0*'
        }

        It 'accepts a SecureString key as well as a plain one' {
            $id = $fake.AddRun('eval_secure', [NullString]::Value, 'completed', [NullString]::Value)
            $secure = [System.Net.NetworkCredential]::new('', $TestKey).SecurePassword

            $run = Get-EvalRun eval_secure $id -ApiKey $secure

            $run.Id | Should -Be $id
            @($fake.Requests)[0].Headers['Authorization'] | Should -BeExactly "Bearer $TestKey"
        }

        It 'shows method, URL, status and request id with -Verbose, masks the key with -Debug' {
            $id = $fake.AddRun('eval_verbose', [NullString]::Value, 'completed', [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_verbose $id @Diag }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 1
            $expected = "GET $($fake.BaseUri)/evals/eval_verbose/runs/$id -> 200 OK (request id req_"
            @($result.Verbose | Where-Object { $_.StartsWith($expected) }) | Should -HaveCount 1
            @($result.Debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -Not -HaveCount 0
            Assert-NoKey $result
        }

        It 'cancels the request in flight when the pipeline is stopped (Ctrl+C)' {
            $id = $fake.AddRun('eval_stop', [NullString]::Value, 'completed', [NullString]::Value)
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromSeconds(30)), 1, [NullString]::Value)
            $stopping = Invoke-CtrlCWhen $fake "Get-EvalRun eval_stop $id" { $fake.Requests.Count -eq 1 }

            $stopping.TotalSeconds | Should -BeLessThan 5
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'listing' {
        It 'follows the pages of 250 runs, newest first, 100 at a time' {
            $null = $fake.AddRuns('eval_list', 250, 'completed')

            $runs = @(Get-EvalRun -EvalId eval_list)

            $runs | Should -HaveCount 250
            $created = @($runs.CreatedAt)
            ($created -join ',') | Should -Be ((@($created | Sort-Object -Descending)) -join ',')
            @($runs.Id | Select-Object -Unique) | Should -HaveCount 250

            $requests = @($fake.Requests)
            $requests | Should -HaveCount 3
            foreach ($request in $requests) {
                $request.Query['limit'] | Should -Be '100'
                $request.Query['order'] | Should -Be 'desc'
            }
            $requests[0].Query.ContainsKey('after') | Should -BeFalse
            $requests[1].Query['after'] | Should -Be $runs[99].Id
            $requests[2].Query['after'] | Should -Be $runs[199].Id
        }

        It 'makes exactly one request for -First 5' {
            $null = $fake.AddRuns('eval_first', 250, 'completed')

            $runs = @(Get-EvalRun -EvalId eval_first -First 5)

            $runs | Should -HaveCount 5
            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $requests[0].Query['limit'] | Should -Be '5'
        }

        It 'pages only as far as -Skip and -First need' {
            $ids = @($fake.AddRuns('eval_skip', 250, 'completed'))

            $runs = @(Get-EvalRun -EvalId eval_skip -Order asc -Skip 150 -First 20)

            ($runs.Id -join ',') | Should -Be ($ids[150..169] -join ',')
            (@($fake.Requests | ForEach-Object { $_.Query['limit'] }) -join ',') | Should -Be '100,70'
        }

        It 'asks for full pages for -Skip alone' {
            $ids = @($fake.AddRuns('eval_skip_only', 250, 'completed'))

            $runs = @(Get-EvalRun -EvalId eval_skip_only -Order asc -Skip 5)

            ($runs.Id -join ',') | Should -Be ($ids[5..249] -join ',')
            (@($fake.Requests | ForEach-Object { $_.Query['limit'] }) -join ',') | Should -Be '100,100,100'
        }

        It 'asks for the next pages while the first is still in the pipeline, two pages ahead at most' {
            $null = $fake.AddRuns('eval_ahead', 600, 'completed')

            # The first run is held in the pipeline: page 2 is asked for when page 1's head is read, page 3 when page 2's
            # is (before the pipeline takes page 2), and no more.
            $seen = Get-EvalRun -EvalId eval_ahead | Select-Object -First 1 | ForEach-Object {
                $until = [DateTime]::UtcNow.AddSeconds(10)
                while ($fake.Requests.Count -lt 3 -and [DateTime]::UtcNow -lt $until) { Start-Sleep -Milliseconds 10 }
                Start-Sleep -Milliseconds 300
                $fake.Requests.Count
            }

            $seen | Should -Be 3
        }

        It 'does not wait for the page fetched ahead when the pipeline stops' {
            $page = '{"object":"list","data":[{"object":"eval.run","id":"evalrun_a","eval_id":"eval_stopped","status":"completed"}],' +
                '"first_id":"evalrun_a","last_id":"evalrun_a","has_more":true}'
            # The first page says there is more; the next one would take 30 s.
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $page), 1, [NullString]::Value)
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromSeconds(30)), 1, [NullString]::Value)
            $clock = [System.Diagnostics.Stopwatch]::StartNew()

            { Get-EvalRun -EvalId eval_stopped | ForEach-Object { $null = Wait-Until { $fake.Requests.Count -ge 2 } -TimeoutSec 5; throw 'enough' } } |
                Should -Throw '*enough*'

            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $fake.Requests | Should -HaveCount 2
            $fake.Requests[1].RawTarget | Should -BeLike '*after=evalrun_a*'
        }

        It 'writes every page request of the read-ahead under -Verbose, and never the key' {
            $null = $fake.AddRuns('eval_verbose_list', 250, 'completed')

            $result = Invoke-Captured { $n = 0; Get-EvalRun eval_verbose_list @Diag | ForEach-Object { $n++ }; "runs: $n" }

            $result.Output | Should -Be 'runs: 250'
            $pages = "GET $($fake.BaseUri)/evals/eval_verbose_list/runs?limit=100&order=desc"
            @($result.Verbose | Where-Object { $_.StartsWith($pages) -and $_.Contains(' -> 200 OK') }) | Should -HaveCount 3
            @($result.Debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -HaveCount 3
            Assert-NoKey $result
        }

        It 'sends -Status and -Order as query parameters' {
            $null = $fake.AddRuns('eval_status', 3, 'queued')
            $null = $fake.AddRuns('eval_status', 2, 'completed')

            $runs = @(Get-EvalRun -EvalId eval_status -Status Queued -Order asc)

            $runs | Should -HaveCount 3
            foreach ($run in $runs) { $run.Status | Should -Be 'queued' }
            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $requests[0].Query['status'] | Should -BeExactly 'queued'
            $requests[0].Query['order'] | Should -BeExactly 'asc'
        }

        It 'refuses an unknown status before any request' {
            { Get-EvalRun -EvalId eval_status -Status running } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError*'
            $fake.Requests | Should -HaveCount 0
        }

        It 'reports how many runs there are with -IncludeTotalCount' {
            $null = $fake.AddRuns('eval_total', 7, 'completed')

            $all = @(Get-EvalRun -EvalId eval_total -IncludeTotalCount)

            $all | Should -HaveCount 8
            $all[-1] | Should -BeOfType ([UInt64])
            [UInt64]$all[-1] | Should -Be 7
            @($all | Where-Object { $_ -is [EvalsPS.EvalRun] }) | Should -HaveCount 7
        }

        It 'writes EvalNotFound targeting the eval for an unknown eval' {
            $result = Invoke-Captured { Get-EvalRun -EvalId eval_nope }

            $err = Assert-SingleError $result -ErrorId 'EvalNotFound' -Category ObjectNotFound -Target 'eval_nope'
            $err.FullyQualifiedErrorId | Should -Be 'EvalNotFound,EvalsPS.Commands.GetEvalRunCommand'
            $result.Output | Should -HaveCount 0
        }

        It 'lists an eval with no runs as nothing, without an error' {
            $fake.AddEval('eval_empty')

            $result = Invoke-Captured { Get-EvalRun -EvalId eval_empty }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'typed objects' {
        BeforeAll {
            # Adds a fixture run to an eval of its own and gets it back.
            function Get-FixtureRun([string] $Name) {
                $evalId = 'eval_fx_' + ($Name -replace '[^a-z0-9]', '_')
                $id = $fake.AddRunJson($evalId, [EvalsPS.FakeApi.Fixtures]::Get($Name))
                Get-EvalRun $evalId $id
            }
        }

        It 'reads the reference example run into typed properties' {
            $r = Get-FixtureRun 'seed-completions-run'

            $r.GetType().FullName | Should -Be 'EvalsPS.EvalRun'
            $r.ResultCounts.Total | Should -Be 0
            $r.DataSource.GetType().Name | Should -Be 'CompletionsDataSource'
            $r.DataSource.Source.GetType().Name | Should -Be 'FileContentSource'
            $r.DataSource.Source.Content.Count | Should -Be 15
            $r.DataSource.Source.Content[0].Item.ground_truth | Should -Be 'Technology'
            $r.DataSource.InputMessages.Template[0].Role | Should -Be 'developer'
            $r.DataSource.InputMessages.Template[1].Text | Should -Be '{{item.input}}'
            $r.DataSource.SamplingParams.Seed | Should -Be 42
            $r.DataSource.SamplingParams.MaxCompletionTokens | Should -Be 2048
            $r.DataSource.SamplingParams.Temperature | Should -Be 1
            $r.DataSource.Model | Should -Be 'gpt-4o-mini'
            $r.CreatedAt | Should -BeOfType ([datetime])
            $r.CreatedAt.Kind | Should -Be 'Utc'
            $r.CreatedAt | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1743092069).UtcDateTime)
            $r.PerModelUsage | Should -BeNullOrEmpty
            $r.Error | Should -BeNullOrEmpty
            $r.Metadata.Count | Should -Be 0
            $r.Status | Should -Be 'canceled'
            $r.ReportUrl | Should -BeLike 'https://platform.openai.com/evaluations/*'
        }

        It 'reads a jsonl run with items, samples, usage and criteria' {
            $r = Get-FixtureRun 'jsonl-file-content-run'

            $r.DataSource.GetType().Name | Should -Be 'JsonlDataSource'
            $r.DataSource.Source.Content.Count | Should -BeGreaterThan 0
            $r.DataSource.Source.Content[0].Sample | Should -Not -BeNullOrEmpty
            $r.PerModelUsage.Count | Should -Be 2
            $r.PerModelUsage[0].TotalTokens | Should -BeGreaterThan 0
            $r.PerTestingCriteriaResults.Count | Should -Be 2
            $r.PerTestingCriteriaResults[0].TestingCriteria | Should -Not -BeNullOrEmpty
            $r.Metadata.Count | Should -Be 2
            $r.Total | Should -Be $r.ResultCounts.Total
            ($r.Passed + $r.Failed + $r.Errored) | Should -BeLessOrEqual $r.Total
        }

        It 'reads each result count from its own field, as an integer' {
            $id = $fake.AddRunJson('eval_counts', [EvalsPS.FakeApi.Fixtures]::Get('completions-stored-run'))
            $r = Get-EvalRun eval_counts $id

            # Four different numbers: a count read from the wrong field cannot pass.
            $r.ResultCounts.Passed | Should -BeExactly 42
            $r.ResultCounts.Failed | Should -BeExactly 6
            $r.ResultCounts.Errored | Should -BeExactly 2
            $r.ResultCounts.Total | Should -BeExactly 50
            foreach ($name in 'Passed', 'Failed', 'Errored', 'Total') {
                $r.$name | Should -BeOfType ([int])
                $r.$name | Should -Be $r.ResultCounts.$name
            }
        }

        It 'reads inline items and samples of any JSON shape as objects' {
            $json = @'
{ "object": "eval.run", "id": "evalrun_raw", "eval_id": "eval_raw", "status": "completed",
  "data_source": { "source": { "content": [
      { "item" : { "input": "caf\u00e9 \"quoted\"\nline", "tags": [1, 2.5, true, null] },
        "sample": {"output": [{"role": "assistant", "content": "Ma\u00f1ana"}]} },
      {"\u0069tem":{"input":"no sample"}},
      {"item": "a bare string", "sample": null},
      {"item": 42, "note": {"kept": true}}
    ], "type": "file_content" },
    "input_messages": {"template": [{"role": "user", "content": {"type": "input_text", "text": "{{item.input}}"}}], "type": "template"},
    "type": "completions" } }
'@
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $json), 1, [NullString]::Value)

            $r = Get-EvalRun eval_raw evalrun_raw
            $c = $r.DataSource.Source.Content

            $r.DataSource.GetType().Name | Should -Be 'CompletionsDataSource'
            $r.DataSource.Source.GetType().Name | Should -Be 'FileContentSource'
            $c.Count | Should -Be 4
            $c[0].Item.input | Should -BeExactly "caf$([char]0xe9) `"quoted`"`nline"
            @($c[0].Item.tags).Count | Should -Be 4
            $c[0].Item.tags[1] | Should -Be 2.5
            $c[0].Sample.output[0].content | Should -BeExactly "Ma$([char]0xf1)ana"
            $c[1].Item.input | Should -Be 'no sample'
            $c[1].Sample | Should -BeNullOrEmpty
            $c[2].Item | Should -BeExactly 'a bare string'
            $c[2].Sample | Should -BeNullOrEmpty
            $c[3].Item | Should -Be 42
            $c[3].AdditionalProperties.note.kept | Should -BeTrue
            $r.DataSource.InputMessages.Template[0].Text | Should -Be '{{item.input}}'
        }

        It 'builds inline items when first used, once, and still warns at once about a content that is not a list of objects' {
            $good = '{"object":"eval.run","id":"evalrun_items","eval_id":"eval_items","status":"completed","data_source":{"type":"completions",' +
                '"source":{"type":"file_content","content":[{"item":{"input":"a"}},{"item":{"input":"b"}}]}}}'
            $bad = '{"object":"eval.run","id":"evalrun_mixed","eval_id":"eval_items","status":"completed","data_source":{"type":"completions",' +
                '"source":{"type":"file_content","content":[{"item":{"input":"a"}},"not an item"]}}}'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $good), 1, [NullString]::Value)
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $bad), 1, [NullString]::Value)

            $run = Get-EvalRun eval_items evalrun_items -WarningVariable goodWarnings
            $mixed = Get-EvalRun eval_items evalrun_mixed -WarningVariable badWarnings -WarningAction SilentlyContinue

            $goodWarnings | Should -BeNullOrEmpty
            [object]::ReferenceEquals($run.DataSource.Source.Content, $run.DataSource.Source.Content) | Should -BeTrue
            (($run.DataSource.Source.Content | ForEach-Object { $_.Item.input }) -join ',') | Should -Be 'a,b'
            $run.DataSource.Source.AdditionalProperties | Should -BeNullOrEmpty
            $badWarnings | Should -HaveCount 1
            "$badWarnings" | Should -BeLike "Run evalrun_mixed: the field 'data_source.source.content' could not be read*"
            $mixed.DataSource.Source.Content | Should -BeNullOrEmpty
            $mixed.DataSource.Source.AdditionalProperties.content[1] | Should -BeExactly 'not an item'
        }

        It 'reads unread items right after later answers have reused its buffers, and from several threads at once (<Count> items)' -ForEach @(
            # 400 items: a large answer, whose items read the answer's own pooled buffer. 3 items: a small answer, whose
            # items read a copy of their own while its buffer goes back to the pool at once.
            @{ Count = 400 }, @{ Count = 3 }
        ) {
            # Unread items and samples read from the answer's own pooled buffer: it must stay theirs until the last is read.
            function New-ItemsRun([string] $Eval, [string] $Prefix, [int] $Count) {
                $content = foreach ($i in 1..$Count) { @{ item = @{ input = "$Prefix $i" }; sample = @{ output = @(@{ role = 'assistant'; content = "$Prefix out $i" }) } } }
                $run = @{ object = 'eval.run'; id = "run_$Prefix"; eval_id = $Eval; status = 'completed'
                          data_source = @{ type = 'completions'; source = @{ type = 'file_content'; content = @($content) } } }
                $fake.AddRunJson($Eval, ($run | ConvertTo-Json -Depth 8 -Compress))
            }
            $keptId = New-ItemsRun "eval_pool$Count" 'kept' $Count
            $otherId = New-ItemsRun "eval_pool$Count" 'other' $Count

            $kept = Get-EvalRun "eval_pool$Count" $keptId
            # A run dropped unread gives its buffers back when collected; the later answers rent them.
            $null = Get-EvalRun "eval_pool$Count" $otherId
            [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
            foreach ($n in 1..10) { $other = Get-EvalRun "eval_pool$Count" $otherId; $null = $other.DataSource.Source.Content | ForEach-Object { $_.Item; $_.Sample } }
            $content = $kept.DataSource.Source.Content
            $pool = [runspacefactory]::CreateRunspacePool(1, 4)
            $pool.Open()
            $readers = @()
            try {
                $readers = foreach ($slice in 0..3) {
                    $shell = [powershell]::Create()
                    $shell.RunspacePool = $pool
                    $null = $shell.AddScript({ param($items, $from) for ($i = $from; $i -lt $items.Count; $i += 4) { $items[$i].Item.input; $items[$i].Sample.output[0].content } }).AddArgument($content).AddArgument($slice)
                    [pscustomobject]@{ Shell = $shell; Pending = $shell.BeginInvoke() }
                }
                $read = foreach ($reader in $readers) {
                    $reader.Pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(60)) | Should -BeTrue -Because 'four readers of at most 400 items finish in well under a minute'
                    $reader.Shell.EndInvoke($reader.Pending)
                    $reader.Shell.Dispose()
                }
            }
            finally {
                # Disposing the pool under a reader that never ended would wait for it: then it is left to the process's end.
                if (@($readers | Where-Object { -not $_.Pending.IsCompleted }).Count -eq 0) { $pool.Dispose() }
            }

            $expected = foreach ($i in 1..$Count) { "kept $i"; "kept out $i" }
            (@($read | Sort-Object) -join ',') | Should -BeExactly (@($expected | Sort-Object) -join ',')
            [object]::ReferenceEquals($content[2].Item, $content[2].Item) | Should -BeTrue
            $content[$Count - 1].Item.input | Should -BeExactly "kept $Count"
        }

        It 'reads a jsonl run from a file id' {
            $r = Get-FixtureRun 'jsonl-file-id-run'

            $r.DataSource.Source.GetType().Name | Should -Be 'FileIdSource'
            $r.DataSource.Source.Id | Should -Not -BeNullOrEmpty
            $r.Status | Should -Be 'in_progress'
        }

        It 'reads a completions run from stored completions with an item reference' {
            $r = Get-FixtureRun 'completions-stored-run'

            $r.DataSource.Source.GetType().Name | Should -Be 'StoredCompletionsSource'
            $r.DataSource.Source.CreatedAfter | Should -BeOfType ([datetime])
            $r.DataSource.Source.Limit | Should -BeGreaterThan 0
            $r.DataSource.InputMessages.GetType().Name | Should -Be 'ItemReferenceInputMessages'
            $r.DataSource.InputMessages.ItemReference | Should -Be 'item.input'
            $r.DataSource.SamplingParams.MaxCompletionTokens | Should -BeGreaterThan 0
            $r.DataSource.SamplingParams.ResponseFormat.type | Should -Not -BeNullOrEmpty
            @($r.DataSource.SamplingParams.Tools).Count | Should -BeGreaterThan 0
        }

        It 'reads a responses run with string and part contents and a text format' {
            $r = Get-FixtureRun 'responses-run'

            $r.DataSource.GetType().Name | Should -Be 'ResponsesDataSource'
            $r.DataSource.Source.GetType().Name | Should -Be 'ResponsesSource'
            $r.DataSource.Source.Users.Count | Should -BeGreaterThan 0
            $r.DataSource.InputMessages.Template.Count | Should -Be 2
            @($r.DataSource.InputMessages.Template | Where-Object { -not $_.Text }) | Should -HaveCount 0
            $r.DataSource.SamplingParams.Text.format.type | Should -Be 'json_schema'
        }

        It 'carries the error of a failed run' {
            $r = Get-FixtureRun 'failed-run'

            $r.Status | Should -Be 'failed'
            $r.Error.Code | Should -Be 'invalid_file'
            $r.Error.Message | Should -Not -BeNullOrEmpty
            $r.Error.ToString() | Should -BeLike 'invalid_file: *'
        }

        It 'keeps unknown fields and kinds instead of failing on them' {
            $r = Get-FixtureRun 'future-fields-run'

            $r.AdditionalProperties.priority | Should -Be 3
            ($r.AdditionalProperties.labels -join ',') | Should -Be 'a,b'
            $r.ResultCounts.AdditionalProperties.skipped | Should -Be 1
            $r.DataSource.GetType().Name | Should -Be 'EvalRunDataSource'
            $r.DataSource.Type | Should -Be 'batch'
            $r.DataSource.AdditionalProperties.Count | Should -BeGreaterThan 0
            $r.DataSource.Source.GetType().Name | Should -Be 'EvalRunSource'
        }
    }

    Context 'listed runs' {
        It 'reads the data_source of a listed <Fixture> run into the same objects as by id' -ForEach $everyFixture {
            $id = $fake.AddRunJson('eval_listed', [EvalsPS.FakeApi.Fixtures]::Get($Fixture))
            $listed = Get-EvalRun -EvalId eval_listed | Where-Object Id -EQ $id
            $byId = Get-EvalRun eval_listed $id

            $listed.DataSource.GetType() | Should -Be $byId.DataSource.GetType()
            ($listed.DataSource | ConvertTo-Json -Depth 20) | Should -BeExactly ($byId.DataSource | ConvertTo-Json -Depth 20)
        }

        It 'reads the inline items of each run of a page apart' {
            $runs = foreach ($pair in @('evalrun_a', 'first'), @('evalrun_b', 'second')) {
                '{"object":"eval.run","id":"' + $pair[0] + '","eval_id":"eval_page","status":"completed","data_source":{"type":"jsonl",' +
                '"source":{"type":"file_content","content":[{"item":{"input":"' + $pair[1] + '"}}]}}}'
            }
            $page = '{"object":"list","data":[' + ($runs -join ',') + '],"first_id":"evalrun_a","last_id":"evalrun_b","has_more":false}'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $page), 1, [NullString]::Value)

            $values = Get-EvalRun eval_page | ForEach-Object { $_.Id + ' ' + $_.DataSource.Source.Content[0].Item.input }

            ($values -join ',') | Should -Be 'evalrun_a first,evalrun_b second'
        }

        It 'reads the data_source of a listed run when first used: a value of the wrong kind is kept without a warning, and by id it is warned about' {
            $run = '{"object":"eval.run","id":"evalrun_bad","eval_id":"eval_1","status":"completed",' +
                '"data_source":{"type":"completions","model":"gpt-4o-mini","sampling_params":{"temperature":"hot"}}}'
            $page = '{"object":"list","data":[' + $run + '],"first_id":"evalrun_bad","last_id":"evalrun_bad","has_more":false}'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $page), 1, [NullString]::Value)
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $run), 1, [NullString]::Value)

            $listed = Get-EvalRun -EvalId eval_1 -ErrorVariable errors -WarningVariable listWarnings -WarningAction SilentlyContinue
            $errors | Should -BeNullOrEmpty
            $listWarnings | Should -BeNullOrEmpty
            $listed.DataSource.GetType().Name | Should -Be 'CompletionsDataSource'
            $listed.DataSource.Model | Should -Be 'gpt-4o-mini'
            $listed.DataSource.SamplingParams.Temperature | Should -BeNullOrEmpty
            $listed.DataSource.SamplingParams.AdditionalProperties.temperature | Should -Be 'hot'
            [object]::ReferenceEquals($listed.DataSource, $listed.DataSource) | Should -BeTrue

            $byId = Get-EvalRun eval_1 evalrun_bad -WarningVariable idWarnings -WarningAction SilentlyContinue
            $idWarnings | Should -HaveCount 1
            "$idWarnings" | Should -BeLike "Run evalrun_bad: the field 'data_source.sampling_params.temperature' could not be read*"
            $byId.DataSource.SamplingParams.AdditionalProperties.temperature | Should -Be 'hot'
        }

        It 'reads the data_source of a listed run once, whichever of many threads asks first' {
            $id = $fake.AddRunJson('eval_threads', [EvalsPS.FakeApi.Fixtures]::Get('seed-completions-run'))
            $listed = Get-EvalRun -EvalId eval_threads | Where-Object Id -EQ $id

            $seen = 1..64 | ForEach-Object -ThrottleLimit 8 -Parallel { $using:listed.DataSource }
            @($seen | Select-Object -Unique { [System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($_) }).Count | Should -Be 1
        }
    }

    Context 'formatting' {
        It 'shows a table that answers what happened, within 120 columns' {
            $a = $fake.AddRunJson('eval_table', [EvalsPS.FakeApi.Fixtures]::Get('jsonl-file-content-run'))
            $b = $fake.AddRunJson('eval_table', [EvalsPS.FakeApi.Fixtures]::Get('seed-completions-run'))

            $text = (Get-EvalRun -EvalId eval_table | Out-String -Width 200) -replace "$([char]27)\[[0-9;]*m", ''

            $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
            $lines[0] | Should -Match '^Name\s+Status\s+Model\s+Passed/Total\s+Created \(UTC\)\s+Id$'
            foreach ($line in $lines) { $line.TrimEnd().Length | Should -BeLessOrEqual 120 -Because "'$line' is too wide" }
            # The longest real id (evalrun_ and 32 hex digits) is shown whole.
            @($lines | Where-Object { $_.Contains($b) }) | Should -HaveCount 1
            @($lines | Where-Object { $_.Contains($a) }) | Should -HaveCount 1
        }
    }

    Context 'progress' {
        BeforeAll {
            $runspace = New-ModuleRunspace $fake
        }

        AfterAll {
            $runspace.Dispose()
        }

        It 'shows progress over a listing of several pages, and completes it' {
            $null = $fake.AddRuns('eval_pages', 250, 'completed')

            $run = Invoke-InRunspace $runspace '$null = Get-EvalRun -EvalId eval_pages'
            try {
                $run.Shell.HadErrors | Should -BeFalse
                $progress = @($run.Shell.Streams.Progress)
                $progress.Count | Should -BeGreaterOrEqual 2
                @($progress | Where-Object { $_.StatusDescription.StartsWith('100 runs so far') }) | Should -Not -HaveCount 0
                $progress[-1].RecordType | Should -Be 'Completed'
            }
            finally { $run.Shell.Dispose() }
        }

        It 'shows no progress for a listing of one page' {
            $null = $fake.AddRuns('eval_one_page', 5, 'completed')

            $run = Invoke-InRunspace $runspace '$null = Get-EvalRun -EvalId eval_one_page'
            try {
                $run.Shell.HadErrors | Should -BeFalse
                @($run.Shell.Streams.Progress) | Should -HaveCount 0
            }
            finally { $run.Shell.Dispose() }
        }
    }

    Context 'Export-Csv-ready objects' {
        BeforeAll {
            $null = $fake.AddRunJson('eval_csv', [EvalsPS.FakeApi.Fixtures]::Get('jsonl-file-content-run'))
            $null = $fake.AddRunJson('eval_csv', [EvalsPS.FakeApi.Fixtures]::Get('responses-run'))
            $null = $fake.AddRunJson('eval_csv', [EvalsPS.FakeApi.Fixtures]::Get('future-fields-run'))
        }

        It 'converts to CSV with scalar count columns and no cell that is a type name' {
            $rows = @(Get-EvalRun -EvalId eval_csv | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv)

            $rows | Should -HaveCount 3
            foreach ($column in 'Id', 'RunId', 'EvalId', 'Status', 'CreatedAt', 'Total', 'Passed', 'Failed', 'Errored') {
                $rows[0].PSObject.Properties.Name | Should -Contain $column
            }
            foreach ($row in $rows) {
                [int]$row.Total | Should -BeGreaterOrEqual ([int]$row.Passed)
                foreach ($cell in $row.PSObject.Properties) {
                    $cell.Value | Should -Not -Match '^(System|EvalsPS)\.[\w.`\[\]]+$' -Because "column $($cell.Name) must show a value, not a type name"
                }
            }
            ($rows | Where-Object ResultCounts -Match '^\d+ passed, \d+ failed, \d+ errored of \d+$') | Should -HaveCount 3
        }

        It 'shows every value of a <Fixture> run as a scalar or as text, never as a type name' -ForEach $everyFixture {
            # Export-Csv and Format-List show each value's ToString(): walk the nested parts too.
            function Find-TypeNameText($Value, [string] $Path, [int] $Depth) {
                foreach ($property in $Value.PSObject.Properties) {
                    $child = $property.Value
                    if ($null -eq $child -or $child -is [string] -or $child -is [ValueType]) { continue }
                    $where = "$Path.$($property.Name)"
                    if ($child.ToString() -match '^(System|EvalsPS)\.') { "$where shows as '$($child.ToString())'" }
                    if ($Depth -ge 4 -or $child.GetType().Namespace -ne 'EvalsPS' -or $child -is [System.Collections.IDictionary]) { continue }
                    if ($child -isnot [System.Collections.IEnumerable]) { Find-TypeNameText $child $where ($Depth + 1); continue }
                    $items = @($child | Select-Object -First 3)
                    for ($i = 0; $i -lt $items.Count; $i++) {
                        if ($null -eq $items[$i]) { continue }
                        if ($items[$i].ToString() -match '^System\.') { "$where[$i] shows as '$($items[$i].ToString())'" }
                        if ($items[$i].GetType().Namespace -eq 'EvalsPS') { Find-TypeNameText $items[$i] "$where[$i]" ($Depth + 1) }
                    }
                }
            }
            $id = $fake.AddRunJson('eval_text', [EvalsPS.FakeApi.Fixtures]::Get($Fixture))

            Find-TypeNameText (Get-EvalRun eval_text $id) '$run' 0 | Should -BeNullOrEmpty
        }

        It 'shows the nested parts as text in the list view' {
            $id = $fake.AddRunJson('eval_list', [EvalsPS.FakeApi.Fixtures]::Get('jsonl-file-content-run'))

            $text = (Get-EvalRun eval_list $id | Format-List | Out-String -Width 120) -replace "$([char]27)\[[0-9;]*m", ''

            $text | Should -Match 'ResultCounts\s+: \d+ passed, \d+ failed, \d+ errored of \d+'
            $text | Should -Match 'DataSource\s+: jsonl from file_content \(\d+ items\)'
            $text | Should -Not -Match ': (System|EvalsPS)\.'
        }
    }

    Context 'settings from the environment' {
        BeforeAll {
            $envNames = 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID'
            $savedEnv = @{}
            foreach ($name in $envNames) { $savedEnv[$name] = [Environment]::GetEnvironmentVariable($name) }
            $savedBaseUri = $global:PSDefaultParameterValues['*-EvalRun:BaseUri']
            $savedApiKey = $global:PSDefaultParameterValues['*-EvalRun:ApiKey']
        }

        BeforeEach {
            # Nothing but what each test sets: no parameter defaults, no environment.
            foreach ($name in $envNames) { [Environment]::SetEnvironmentVariable($name, $null) }
            $global:PSDefaultParameterValues.Remove('*-EvalRun:BaseUri')
            $global:PSDefaultParameterValues.Remove('*-EvalRun:ApiKey')
        }

        AfterEach {
            foreach ($name in $envNames) { [Environment]::SetEnvironmentVariable($name, $null) }
        }

        AfterAll {
            foreach ($name in $envNames) { [Environment]::SetEnvironmentVariable($name, $savedEnv[$name]) }
            $global:PSDefaultParameterValues['*-EvalRun:BaseUri'] = $savedBaseUri
            $global:PSDefaultParameterValues['*-EvalRun:ApiKey'] = $savedApiKey
        }

        It 'takes the key, base URL, organization and project from the environment' {
            $id = $fake.AddRun('eval_env', [NullString]::Value, 'completed', [NullString]::Value)
            $env:OPENAI_API_KEY = $TestKey
            $env:OPENAI_BASE_URL = $fake.BaseUri.ToString()
            $env:OPENAI_ORG_ID = 'org_env'
            $env:OPENAI_PROJECT_ID = 'proj_env'

            $run = Get-EvalRun eval_env $id

            $run.Id | Should -Be $id
            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $requests[0].Headers['Authorization'] | Should -BeExactly "Bearer $TestKey"
            $requests[0].Headers['OpenAI-Organization'] | Should -BeExactly 'org_env'
            $requests[0].Headers['OpenAI-Project'] | Should -BeExactly 'proj_env'
        }

        It 'lets parameters win over the environment' {
            $id = $fake.AddRun('eval_env_param', [NullString]::Value, 'completed', [NullString]::Value)
            $env:OPENAI_API_KEY = 'sk-from-env'
            $env:OPENAI_BASE_URL = 'https://api.example.com/v1'
            $env:OPENAI_ORG_ID = 'org_env'

            $null = Get-EvalRun eval_env_param $id -ApiKey $TestKey -BaseUri $fake.BaseUri -Organization org_param

            $requests = @($fake.Requests)
            $requests | Should -HaveCount 1
            $requests[0].Headers['Authorization'] | Should -BeExactly "Bearer $TestKey"
            $requests[0].Headers['OpenAI-Organization'] | Should -BeExactly 'org_param'
        }

        It 'throws one terminating ApiKeyMissing error that says how to set a key, and sends nothing' {
            $result = Invoke-Captured { Get-EvalRun eval_env a, b, c -BaseUri $fake.BaseUri @Diag }

            $result.Terminating | Should -Not -BeNullOrEmpty
            $err = Assert-SingleError $result -ErrorId 'ApiKeyMissing' -Category AuthenticationError -Target $null
            $err.FullyQualifiedErrorId | Should -Be 'ApiKeyMissing,EvalsPS.Commands.GetEvalRunCommand'
            $err.ToString() | Should -BeLike '*$env:OPENAI_API_KEY*'
            $fake.Requests | Should -HaveCount 0
            Assert-NoKey $result
            { Get-EvalRun eval_env a -BaseUri $fake.BaseUri } |
                Should -Throw -ErrorId 'ApiKeyMissing,EvalsPS.Commands.GetEvalRunCommand'
        }

        It 'names OPENAI_BASE_URL when it is not a URL' {
            $env:OPENAI_BASE_URL = 'not a url'

            $err = { Get-EvalRun eval_env r1 -ApiKey $TestKey } |
                Should -Throw -ErrorId 'InvalidBaseUri,EvalsPS.Commands.GetEvalRunCommand' -PassThru

            $err.ToString() | Should -BeLike '*OPENAI_BASE_URL*'
            $fake.Requests | Should -HaveCount 0
        }
    }
}
