#Requires -Version 5.1
# Get-Eval against the loopback fake: by id, listed across pages, piped to Get-EvalRun, typed graders, CSV and JSON.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
}

Describe 'Get-Eval' {
    BeforeEach {
        # Evals are global to a fake, so each test gets its own.
        $fake = Start-TestFake
    }

    AfterEach {
        Stop-TestFake $fake
    }

    Context 'by id' {
        It 'gets one typed Eval per id, in order, one GET per id, ids by position or from the pipeline' {
            $ids = @($fake.AddEvals(3))

            $evals = @(Get-Eval $ids[2], $ids[0])
            $piped = @($ids[1] | Get-Eval)

            ($evals.Id -join ',') | Should -Be "$($ids[2]),$($ids[0])"
            $piped[0].Id | Should -Be $ids[1]
            foreach ($eval in $evals + $piped) { $eval | Should -BeOfType ([EvalsPS.Eval]) }
            # The next ids' GETs are sent while one answer is read, so they may reach the server in any order.
            (Get-RequestLine $fake | Sort-Object) -join "`n" | Should -Be (($ids | ForEach-Object { "GET /v1/evals/$_" } | Sort-Object) -join "`n")
        }

        It 'has Id and EvalId (the same), Name, a UTC CreatedAt and Metadata' {
            $fake.AddEval('eval_named', 'Headline topics')

            $eval = Get-Eval eval_named

            $eval.Id | Should -BeExactly 'eval_named'
            $eval.EvalId | Should -BeExactly 'eval_named'
            $eval.Name | Should -BeExactly 'Headline topics'
            $eval.Object | Should -BeExactly 'eval'
            $eval.CreatedAt.Kind | Should -Be 'Utc'
            $eval.CreatedAt | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds([EvalsPS.FakeApi.FakeEvalsApi]::FirstCreatedAt - 86400).UtcDateTime)
            $eval.Metadata['team'] | Should -BeExactly 'fake'
            $eval.ToString() | Should -BeExactly 'Headline topics (eval_named)'
        }

        It 'writes a missing eval as a non-terminating EvalNotFound error and still gets the next id' {
            $id = @($fake.AddEvals(1))[0]

            $result = Invoke-Captured { Get-Eval eval_missing, $id }

            $result.Output | Should -HaveCount 1
            $result.Output[0].Id | Should -Be $id
            $err = Assert-SingleError $result -ErrorId 'EvalNotFound' -Category ObjectNotFound -Target 'eval_missing'
            $err.FullyQualifiedErrorId | Should -Be 'EvalNotFound,EvalsPS.Commands.GetEvalCommand'
            $err.ToString() | Should -BeLike "*Eval 'eval_missing'*not found*HTTP 404*"
            Assert-NoKey $result
        }

        It 'refuses <Paging> with -EvalId instead of ignoring it, before any request' -TestCases @(
            @{ Paging = '-First'; Extra = @{ First = 1 } }
            @{ Paging = '-Skip'; Extra = @{ Skip = 1 } }
            @{ Paging = '-IncludeTotalCount'; Extra = @{ IncludeTotalCount = $true } }
        ) {
            $id = @($fake.AddEvals(2))[0]

            $result = Invoke-Captured { Get-Eval -EvalId $id @Extra }

            $err = Assert-SingleError $result 'PagingWithEvalId' InvalidArgument $Paging.TrimStart('-')
            $err.Exception.Message | Should -BeLike "*$Paging*-EvalId*"
            $result.Terminating | Should -Not -BeNullOrEmpty
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'typed parts' {
        It 'reads the data source config and one grader class per type' {
            $id = @($fake.AddEvals(1))[0]

            $eval = Get-Eval $id

            $eval.DataSourceConfig | Should -BeOfType ([EvalsPS.CustomDataSourceConfig])
            $eval.DataSourceConfig.Type | Should -BeExactly 'custom'
            $eval.DataSourceConfig.Schema.properties.item.properties.ground_truth.type | Should -BeExactly 'string'
            $eval.DataSourceConfig.Schema.required | Should -Be @('item')

            $criteria = $eval.TestingCriteria
            ($criteria | ForEach-Object { $_.GetType().Name }) -join ',' |
                Should -Be 'StringCheckGrader,LabelModelGrader,TextSimilarityGrader,PythonGrader,ScoreModelGrader'
            foreach ($grader in $criteria) {
                $grader | Should -BeOfType ([EvalsPS.EvalGrader])
                $grader.Name | Should -Not -BeNullOrEmpty
                $grader.Type | Should -Not -BeNullOrEmpty
            }

            $check = $criteria[0]
            $check.Input | Should -BeExactly '{{sample.output_text}}'
            $check.Reference | Should -BeExactly '{{item.ground_truth}}'
            $check.Operation | Should -BeExactly 'eq'
            $check.Id | Should -BeLike 'Match output to human label-*'

            $label = $criteria[1]
            $label.Model | Should -BeExactly 'gpt-4o-mini'
            $label.Input[0] | Should -BeOfType ([EvalsPS.EvalRunMessage])
            $label.Input[0].Role | Should -BeExactly 'developer'
            $label.Input[1].Text | Should -BeExactly '{{sample.output_text}}'
            $label.Labels | Should -Be @('neutral', 'rude')
            $label.PassingLabels | Should -Be @('neutral')
            $label.SamplingParams | Should -BeNullOrEmpty

            $criteria[2].EvaluationMetric | Should -BeExactly 'fuzzy_match'
            $criteria[2].PassThreshold | Should -Be 0.8
            $criteria[3].Source | Should -BeLike 'def grade(sample, item)*'
            $criteria[3].ImageTag | Should -BeExactly '2025-05-08'

            $score = $criteria[4]
            $score.Range | Should -Be @(0, 1)
            $score.SamplingParams.MaxCompletionTokens | Should -Be 64
            $score.SamplingParams.Temperature | Should -Be 0.2
            $score.SamplingParams.TopP | Should -BeNullOrEmpty
            $score.SamplingParams.ReasoningEffort | Should -BeExactly 'low'
            $score.Input[0].Text | Should -BeLike 'Rate from 0 to 1*{{sample.output_text}}'
            $score.PassThreshold | Should -Be 0.5
        }

        It 'reads a logs config and keeps a grader kind it does not know, with its fields' {
            $json = @'
{"object":"eval","id":"eval_logs","name":"From logs","created_at":1743000000,"metadata":null,
 "data_source_config":{"type":"logs","metadata":{"usecase":"chatbot"},"schema":{"type":"object"}},
 "testing_criteria":[{"type":"multi","name":"Both","id":"Both-1","graders":{"a":{"type":"string_check"}},"calculate_output":"a"}]}
'@
            $null = $fake.AddEvalJson($json)

            $eval = Get-Eval eval_logs

            $eval.DataSourceConfig | Should -BeOfType ([EvalsPS.LogsDataSourceConfig])
            $eval.DataSourceConfig.Metadata['usecase'] | Should -BeExactly 'chatbot'
            $eval.Metadata | Should -BeNullOrEmpty
            $grader = $eval.TestingCriteria[0]
            $grader.GetType().Name | Should -Be 'EvalGrader'
            $grader.Type | Should -BeExactly 'multi'
            $grader.Name | Should -BeExactly 'Both'
            $grader.AdditionalProperties['calculate_output'] | Should -BeExactly 'a'
            $grader.AdditionalProperties['graders'].a.type | Should -BeExactly 'string_check'
        }

        It 'warns once about a field it cannot read, keeps its value and reads the rest' {
            $null = $fake.AddEvalJson('{"object":"eval","id":"eval_odd","name":"Odd","created_at":"yesterday","testing_criteria":[]}')

            $result = Invoke-Captured { Get-Eval eval_odd }

            $result.Output[0].Name | Should -BeExactly 'Odd'
            $result.Output[0].CreatedAt | Should -BeNullOrEmpty
            $result.Output[0].AdditionalProperties['created_at'] | Should -BeExactly 'yesterday'
            $result.Warning | Should -HaveCount 1
            $result.Warning[0] | Should -BeLike "Eval eval_odd: the field 'created_at' could not be read*"
        }
    }

    Context 'listing' {
        It 'lists every eval, newest first, across pages of 100, and streams them' {
            $ids = @($fake.AddEvals(150))

            $evals = @(Get-Eval)

            $evals | Should -HaveCount 150
            ($evals.Id -join ',') | Should -Be (($ids[149..0]) -join ',')
            $lines = @(Get-RequestLine $fake)
            $lines | Should -HaveCount 2
            $lines[0] | Should -BeExactly 'GET /v1/evals?limit=100&order=desc&order_by=created_at'
            $lines[1] | Should -BeExactly "GET /v1/evals?limit=100&order=desc&order_by=created_at&after=$($ids[50])"
        }

        It 'sends -Order and -OrderBy, and asks only for what -First and -Skip need' {
            $ids = @($fake.AddEvals(12))

            $evals = @(Get-Eval -Order asc -OrderBy updated_at -Skip 2 -First 3)

            ($evals.Id -join ',') | Should -Be (($ids[2..4]) -join ',')
            @(Get-RequestLine $fake) | Should -Be @('GET /v1/evals?limit=5&order=asc&order_by=updated_at')
        }

        It 'orders by the last change with -OrderBy updated_at' {
            $ids = @($fake.AddEvals(3))
            $null = $fake.AddRun($ids[0], 'evalrun_new', 'completed', [NullString]::Value)

            (Get-Eval -OrderBy updated_at -First 1).Id | Should -Be $ids[0]
            (Get-Eval -OrderBy created_at -First 1).Id | Should -Be $ids[2]
        }

        It 'refuses an -OrderBy the API does not know before sending anything' {
            { Get-Eval -OrderBy name } | Should -Throw -ErrorId 'ParameterArgumentValidationError,EvalsPS.Commands.GetEvalCommand'
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'pipelines' {
        It 'Get-Eval | Get-EvalRun lists the runs of every eval: one listing of evals, one of runs per eval' {
            $ids = @($fake.AddEvals(2))
            $null = $fake.AddRuns($ids[0], 2, 'queued')
            $null = $fake.AddRuns($ids[1], 1, 'completed')

            $runs = @(Get-Eval | Get-EvalRun)

            $runs | Should -HaveCount 3
            ($runs.EvalId | Sort-Object -Unique) -join ',' | Should -Be ($ids -join ',')
            $lines = @(Get-RequestLine $fake)
            $lines | Should -HaveCount 3
            $lines[1] | Should -BeExactly "GET /v1/evals/$($ids[1])/runs?limit=100&order=desc"
            $lines[2] | Should -BeExactly "GET /v1/evals/$($ids[0])/runs?limit=100&order=desc"
        }

        It 'Get-Eval | Get-EvalRun -Status queued | Stop-EvalRun -Force cancels the queued runs of every eval' {
            $ids = @($fake.AddEvals(2))
            $a = $fake.AddRun($ids[0], [NullString]::Value, 'queued', [NullString]::Value)
            $b = $fake.AddRun($ids[1], [NullString]::Value, 'queued', [NullString]::Value)
            $done = $fake.AddRun($ids[1], [NullString]::Value, 'completed', [NullString]::Value)

            Get-Eval | Get-EvalRun -Status queued | Stop-EvalRun -Force

            $fake.RunStatus($ids[0], $a) | Should -Be 'canceled'
            $fake.RunStatus($ids[1], $b) | Should -Be 'canceled'
            $fake.RunStatus($ids[1], $done) | Should -Be 'completed'
            @($fake.Requests | Where-Object Method -eq 'POST') | Should -HaveCount 2
        }
    }

    Context 'output' {
        It 'round-trips through ConvertTo-Json with values, not type names' {
            $id = @($fake.AddEvals(1))[0]

            $json = Get-Eval $id | ConvertTo-Json -Depth 12
            $back = $json | ConvertFrom-Json

            $back.Id | Should -Be $id
            $back.EvalId | Should -Be $id
            $back.DataSourceConfig.Type | Should -Be 'custom'
            $back.DataSourceConfig.Schema.properties.item.type | Should -Be 'object'
            $back.TestingCriteria[1].Input[0].Role | Should -Be 'developer'
            $back.TestingCriteria[4].Range | Should -Be @(0, 1)
            $back.Metadata.team | Should -Be 'fake'
            $json | Should -Not -Match 'ValueKind|EvalsPS\.'
        }

        It 'exports to CSV with values, not type names' {
            $null = $fake.AddEvals(2)
            $path = Join-Path $TestDrive 'evals.csv'

            Get-Eval | Export-Csv -Path $path -NoTypeInformation
            $rows = @(Import-Csv -Path $path)
            $text = Get-Content -Raw -Path $path

            $rows | Should -HaveCount 2
            $rows[0].Id | Should -BeLike 'eval_*'
            $rows[0].EvalId | Should -Be $rows[0].Id
            $rows[0].Name | Should -BeLike 'Fake eval *'
            $rows[0].DataSourceConfig | Should -Be 'custom'
            $rows[0].Metadata | Should -Be 'team=fake'
            $rows[0].TestingCriteria | Should -BeLike 'Match output to human label (string_check*; Tone (label_model); *Helpfulness (score_model)'
            $text | Should -Not -Match 'EvalsPS\.|System\.'
        }

        It 'shows a table of name, data source, criteria count, creation time and id' {
            $fake.AddEval('eval_table', 'Headline topics')

            $text = Get-Eval eval_table | Out-String -Width 120

            $text | Should -Match 'Name\s+Data source\s+Criteria\s+Created \(UTC\)\s+Id'
            $text | Should -Match 'Headline topics\s+custom\s+5\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+eval_table'
        }
    }
}
