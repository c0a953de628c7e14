#Requires -Version 5.1
# Get-EvalRunOutputItem against the loopback fake: listed, filtered by status on the server, by id, from a piped run,
# typed results and samples, CSV and JSON, and the table that says why an item failed.
# The fake's generated items: item n fails its grader when n is a multiple of 3, and has no answer (a sample error)
# when n is a multiple of 9.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Get-EvalRunOutputItem' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'listing' {
        It 'lists every item of a run in the order graded, as typed objects, in one request' {
            $run = $fake.AddRun('eval_items', [NullString]::Value, 'completed', [NullString]::Value)
            $ids = @($fake.AddOutputItems('eval_items', $run, 30))

            $items = @(Get-EvalRunOutputItem -EvalId eval_items -RunId $run)

            ($items.Id -join ',') | Should -Be ($ids -join ',')
            foreach ($item in $items) { $item | Should -BeOfType ([EvalsPS.EvalRunOutputItem]) }
            @(Get-RequestLine $fake) | Should -Be @("GET /v1/evals/eval_items/runs/$run/output_items?limit=100&order=asc")
        }

        It 'sends -Status fail to the server and writes only what it answers' {
            $run = $fake.AddRun('eval_fail', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_fail', $run, 30)

            $items = @(Get-EvalRunOutputItem eval_fail $run -Status fail)

            ($items.DatasourceItemId -join ',') | Should -Be '3,6,9,12,15,18,21,24,27,30'
            $items.Status | Sort-Object -Unique | Should -Be 'fail'
            $request = @($fake.Requests)
            $request | Should -HaveCount 1
            $request[0].Query['status'] | Should -BeExactly 'fail'
        }

        It 'pages with -Order desc, -First and -Skip, asking only for what they need' {
            $run = $fake.AddRun('eval_pages', [NullString]::Value, 'completed', [NullString]::Value)
            $ids = @($fake.AddOutputItems('eval_pages', $run, 250))

            $items = @(Get-EvalRunOutputItem eval_pages $run -Order desc -Skip 10 -First 120)

            ($items.Id -join ',') | Should -Be (($ids[239..120]) -join ',')
            $lines = @(Get-RequestLine $fake)
            $lines | Should -HaveCount 2
            $lines[0] | Should -BeExactly "GET /v1/evals/eval_pages/runs/$run/output_items?limit=100&order=desc"
            $lines[1] | Should -BeExactly "GET /v1/evals/eval_pages/runs/$run/output_items?limit=30&order=desc&after=$($ids[150])"
        }

        It 'reports a missing run as EvalRunNotFound with the run id as target' {
            $fake.AddEval('eval_norun')

            $result = Invoke-Captured { Get-EvalRunOutputItem eval_norun evalrun_gone }

            $result.Output | Should -HaveCount 0
            $null = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target 'evalrun_gone'
        }
    }

    Context 'by id' {
        It 'gets items by id; a missing one is EvalRunOutputItemNotFound with the item id as target' {
            $run = $fake.AddRun('eval_byid', [NullString]::Value, 'completed', [NullString]::Value)
            $ids = @($fake.AddOutputItems('eval_byid', $run, 5))

            $result = Invoke-Captured { Get-EvalRunOutputItem eval_byid $run -OutputItemId $ids[4], outputitem_gone, $ids[0] }

            ($result.Output.Id -join ',') | Should -Be "$($ids[4]),$($ids[0])"
            $err = Assert-SingleError $result -ErrorId 'EvalRunOutputItemNotFound' -Category ObjectNotFound -Target 'outputitem_gone'
            $err.ToString() | Should -BeLike "Output item 'outputitem_gone' of run '$run' of eval 'eval_byid':*HTTP 404*"
            # The next ids' GETs are sent while one answer is read, so they may reach the server in any order.
            $expected = "GET /v1/evals/eval_byid/runs/$run/output_items/$($ids[4])",
                "GET /v1/evals/eval_byid/runs/$run/output_items/outputitem_gone",
                "GET /v1/evals/eval_byid/runs/$run/output_items/$($ids[0])"
            @(Get-RequestLine $fake | Sort-Object) | Should -Be @($expected | Sort-Object)
            Assert-NoKey $result
        }

        It 'refreshes piped items by id' {
            $run = $fake.AddRun('eval_refresh', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_refresh', $run, 4)
            $listed = @(Get-EvalRunOutputItem eval_refresh $run -Status fail)
            $fake.ClearRequests()

            $again = @($listed | Get-EvalRunOutputItem)

            $again.Id | Should -Be $listed.Id
            @(Get-RequestLine $fake) | Should -Be @("GET /v1/evals/eval_refresh/runs/$run/output_items/$($listed[0].Id)")
        }

        It 'refuses <Paging> with -OutputItemId instead of ignoring it, before any request' -TestCases @(
            @{ Paging = '-First'; Extra = @{ First = 1 } }
            @{ Paging = '-Skip'; Extra = @{ Skip = 1 } }
            @{ Paging = '-IncludeTotalCount'; Extra = @{ IncludeTotalCount = $true } }
        ) {
            $run = $fake.AddRun('eval_pagingbyid', [NullString]::Value, 'completed', [NullString]::Value)
            $ids = @($fake.AddOutputItems('eval_pagingbyid', $run, 2))
            $fake.ClearRequests()

            $result = Invoke-Captured { Get-EvalRunOutputItem eval_pagingbyid $run -OutputItemId $ids @Extra }

            $err = Assert-SingleError $result 'PagingWithOutputItemId' InvalidArgument $Paging.TrimStart('-')
            $err.Exception.Message | Should -BeLike "*$Paging*-OutputItemId*"
            $result.Terminating | Should -Not -BeNullOrEmpty
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'from runs' {
        It 'takes the eval and run ids of a piped run: $run | Get-EvalRunOutputItem' {
            $run = $fake.AddRun('eval_piped', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_piped', $run, 3)

            $items = @(Get-EvalRun eval_piped $run | Get-EvalRunOutputItem)

            $items | Should -HaveCount 3
            $items.RunId | Sort-Object -Unique | Should -Be $run
            $items.EvalId | Sort-Object -Unique | Should -Be 'eval_piped'
            @(Get-RequestLine $fake) | Should -Be @(
                "GET /v1/evals/eval_piped/runs/$run"
                "GET /v1/evals/eval_piped/runs/$run/output_items?limit=100&order=asc"
            )
        }

        It 'lists the failed items of every completed run of an eval' {
            $a = $fake.AddRun('eval_many', [NullString]::Value, 'completed', [NullString]::Value)
            $b = $fake.AddRun('eval_many', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_many', $a, 6)
            $null = $fake.AddOutputItems('eval_many', $b, 3)

            $items = @(Get-EvalRun -EvalId eval_many -Status completed | Get-EvalRunOutputItem -Status fail)

            ($items | ForEach-Object { "$($_.RunId)/$($_.DatasourceItemId)" }) -join ',' | Should -Be "$b/3,$a/3,$a/6"
            $fake.Requests | Should -HaveCount 3
        }
    }

    Context 'typed parts' {
        It 'reads results, the sample, its messages and usage' {
            $run = $fake.AddRun('eval_typed', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_typed', $run, 3)

            $items = @(Get-EvalRunOutputItem eval_typed $run)
            $passed = $items[0]
            $failed = $items[2]

            $passed.Object | Should -BeExactly 'eval.run.output_item'
            $passed.Status | Should -BeExactly 'pass'
            $passed.CreatedAt.Kind | Should -Be 'Utc'
            $passed.DatasourceItemId | Should -Be 1
            $passed.DatasourceItem.ground_truth | Should -BeExactly 'Markets'
            $passed.Results[0] | Should -BeOfType ([EvalsPS.EvalRunOutputItemResult])
            $passed.Results[0].Name | Should -BeLike 'Match output to human label-*'
            $passed.Results[0].Type | Should -BeExactly 'string-check-grader'
            $passed.Results[0].Passed | Should -BeTrue
            $passed.Results[0].Score | Should -Be 1
            $passed.Sample.Model | Should -BeExactly 'gpt-4o-mini-2024-07-18'
            $passed.Sample.FinishReason | Should -BeExactly 'stop'
            $passed.Sample.Input[0] | Should -BeOfType ([EvalsPS.EvalRunMessage])
            $passed.Sample.Input[1].Role | Should -BeExactly 'user'
            $passed.Sample.Output[0].Text | Should -BeExactly 'Markets'
            $passed.Sample.Output[0].AdditionalProperties.Keys | Should -Contain 'tool_calls'
            $passed.Sample.Usage.TotalTokens | Should -Be 326
            $passed.Sample.Usage.PromptTokens | Should -Be 324
            $passed.Sample.Seed | Should -Be 42
            $passed.Sample.MaxCompletionTokens | Should -Be 2048
            $passed.Sample.Error | Should -BeNullOrEmpty
            $passed.PassedCount | Should -Be 1
            $passed.FailedCount | Should -Be 0
            $passed.OutputText | Should -BeExactly 'Markets'

            $failed.Status | Should -BeExactly 'fail'
            $failed.Results[0].Passed | Should -BeFalse
            $failed.FailedCount | Should -Be 1
            $failed.FailedCriteria | Should -BeLike 'Match output to human label-* (score 0)'
        }

        It 'keeps fields a result adds, and a sample error' {
            $run = $fake.AddRun('eval_extra', [NullString]::Value, 'completed', [NullString]::Value)
            $json = @'
{"object":"eval.run.output_item","id":"outputitem_x","created_at":1743092076,"status":"fail","datasource_item_id":5,
 "datasource_item":{"input":"x"},
 "results":[{"name":"Tone-1","type":"label-model-grader","score":0,"passed":false,"sample":{"label":"rude"},"reasoning":"too blunt"}],
 "sample":{"input":[],"output":[],"finish_reason":"","model":"gpt-4o-mini","usage":{"total_tokens":0,"completion_tokens":0,"prompt_tokens":0,"cached_tokens":0},
           "error":{"code":"invalid_prompt","message":"The prompt was refused."},"temperature":1.0,"max_completion_tokens":100,"top_p":1.0,"seed":1}}
'@
            $null = $fake.AddOutputItemJson('eval_extra', $run, $json)

            $item = Get-EvalRunOutputItem eval_extra $run -OutputItemId outputitem_x

            $item.RunId | Should -Be $run
            $item.Results[0].Sample.label | Should -BeExactly 'rude'
            $item.Results[0].AdditionalProperties['reasoning'] | Should -BeExactly 'too blunt'
            $item.Sample.Error.Code | Should -BeExactly 'invalid_prompt'
            $item.Sample.ToString() | Should -BeExactly '(gpt-4o-mini; error invalid_prompt: The prompt was refused.)'
        }
    }

    Context 'output' {
        It 'shows in its table why each item failed: the failed grader, or the model error' {
            $run = $fake.AddRun('eval_view', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_view', $run, 9)

            $text = Get-EvalRunOutputItem eval_view $run -Status fail | Out-String -Width 160

            $text | Should -Match 'Status\s+Item\s+Why not passed\s+Output\s+Id'
            $text | Should -Match 'fail\s+3\s+Match output to human label \(0\)\s+Sports\s+outputitem_0003'
            $text | Should -Match 'fail\s+9\s+model error: rate_limit_exceeded\s+outputitem_0009'
        }

        It 'exports to CSV with values, not type names' {
            $run = $fake.AddRun('eval_csv', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_csv', $run, 9)
            $path = Join-Path $TestDrive 'items.csv'

            Get-EvalRunOutputItem eval_csv $run | Export-Csv -Path $path -NoTypeInformation
            $rows = @(Import-Csv -Path $path)
            $text = Get-Content -Raw -Path $path

            $rows | Should -HaveCount 9
            $rows[2].Id | Should -Be 'outputitem_0003'
            $rows[2].EvalId | Should -Be 'eval_csv'
            $rows[2].RunId | Should -Be $run
            $rows[2].Status | Should -Be 'fail'
            $rows[2].DatasourceItemId | Should -Be '3'
            $rows[2].PassedCount | Should -Be '0'
            $rows[2].FailedCount | Should -Be '1'
            $rows[2].OutputText | Should -Be 'Sports'
            $rows[2].FailedCriteria | Should -BeLike 'Match output to human label-* (score 0)'
            $rows[2].Results | Should -BeLike 'Match output to human label-*: failed (score 0)'
            $rows[2].Sample | Should -Be 'Sports (gpt-4o-mini-2024-07-18)'
            $rows[8].Sample | Should -BeLike '(gpt-4o-mini-2024-07-18; error rate_limit_exceeded: *)'
            $rows[2].DatasourceItem | Should -BeLike '{*"ground_truth":"Business"}'
            $text | Should -Not -Match 'EvalsPS\.|System\.'
        }

        It 'round-trips through ConvertTo-Json with values, not type names' {
            $run = $fake.AddRun('eval_json', [NullString]::Value, 'completed', [NullString]::Value)
            $null = $fake.AddOutputItems('eval_json', $run, 1)

            $json = Get-EvalRunOutputItem eval_json $run | ConvertTo-Json -Depth 10
            $back = $json | ConvertFrom-Json

            $back.Id | Should -Be 'outputitem_0001'
            $back.DatasourceItem.ground_truth | Should -Be 'Markets'
            $back.Results[0].Passed | Should -BeTrue
            $back.Results[0].Score | Should -Be 1
            $back.Sample.Usage.TotalTokens | Should -Be 326
            $back.Sample.Output[0].Text | Should -Be 'Markets'
            $back.Sample.Output[0].Content[0].Text | Should -Be 'Markets'
            $back.Sample.Input[1].Role | Should -Be 'user'
            $back.PassedCount | Should -Be 1
            $json | Should -Not -Match 'ValueKind|EvalsPS\.'
        }
    }
}
