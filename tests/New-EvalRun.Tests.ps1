#Requires -Version 5.1
# New-EvalRun against the loopback fake: every data source form, the request bodies checked against the API
# description's schemas, pipeline input, -WhatIf, bad JSONL lines, and creates that must never start a second run.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $null = $fake.AddTicketsEval('eval_1')
    $tickets = Join-Path $TestDrive 'tickets.jsonl'
    [System.IO.File]::WriteAllText($tickets, [EvalsPS.FakeApi.FakeEvalsApi]::TicketsJsonl)
    $template = @(
        @{ role = 'developer'; content = 'Classify the ticket.' }
        @{ role = 'user'; content = '{{item.input}}' }
    )

    function Get-CreateRequest {
        <# The POSTs that created runs of $EvalId, in order. #>
        param([string] $EvalId = 'eval_1')
        @($fake.Requests | Where-Object { $_.Method -eq 'POST' -and $_.RawPath -eq "/v1/evals/$EvalId/runs" })
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'New-EvalRun' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'data sources' {
        It 'starts a completions run over a JSONL file with a model and a template, and writes the queued run' {
            $runsBefore = $fake.RunCount('eval_1')

            $run = New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini -Template $template -Name 'nightly' -Metadata @{ team = 'support' }

            $run | Should -BeOfType ([EvalsPS.EvalRun])
            $run.Status | Should -Be 'queued'
            $run.Name | Should -Be 'nightly'
            $run.EvalId | Should -Be 'eval_1'
            $fake.RunCount('eval_1') | Should -Be ($runsBefore + 1)
            $requests = Get-CreateRequest
            $requests | Should -HaveCount 1
            $body = Assert-RequestBody $requests[0] 'CreateEvalRunRequest'
            $null = Assert-RequestBody $requests[0] @{ type = 'object'; properties = @{ data_source = @{ '$ref' = '#/components/schemas/CreateEvalCompletionsRunDataSource' } } }
            $body.name | Should -Be 'nightly'
            $body.metadata.team | Should -Be 'support'
            $body.data_source.type | Should -Be 'completions'
            $body.data_source.model | Should -Be 'gpt-4o-mini'
            $body.data_source.input_messages.type | Should -Be 'template'
            @($body.data_source.input_messages.template.role) -join ',' | Should -Be 'developer,user'
            $body.data_source.input_messages.template[1].content | Should -Be '{{item.input}}'
            $body.data_source.source.type | Should -Be 'file_content'
            @($body.data_source.source.content) | Should -HaveCount 12
            $body.data_source.source.content[0].item.input | Should -Be 'I was charged twice for my subscription this month.'
            $body.data_source.PSObject.Properties.Name | Should -Not -Contain 'sampling_params'
        }

        It 'splits a template string at the first '': '' and sends the sampling parameters under the schema''s names' {
            $null = New-EvalRun eval_1 $tickets -Model gpt-4o-mini -Template 'developer: Answer with one word: the category.', 'user: Ticket: {{item.input}}' `
                -Temperature 0.2 -TopP 0.9 -Seed 7 -MaxCompletionTokens 64

            $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest'
            $null = Assert-RequestBody (Get-CreateRequest)[0] @{ type = 'object'; properties = @{ data_source = @{ '$ref' = '#/components/schemas/CreateEvalCompletionsRunDataSource' } } }
            $body.data_source.input_messages.template[0].role | Should -BeExactly 'developer'
            $body.data_source.input_messages.template[0].content | Should -BeExactly 'Answer with one word: the category.'
            $body.data_source.input_messages.template[1].content | Should -BeExactly 'Ticket: {{item.input}}'
            $sampling = $body.data_source.sampling_params
            @($sampling.PSObject.Properties.Name) -join ',' | Should -Be 'temperature,top_p,seed,max_completion_tokens'
            $sampling.temperature | Should -Be 0.2
            $sampling.top_p | Should -Be 0.9
            $sampling.seed | Should -Be 7
            $sampling.max_completion_tokens | Should -Be 64
        }

        It 'sends a responses data source with -Api Responses' {
            $null = New-EvalRun eval_1 $tickets -Model gpt-4o-mini -Template $template -Api Responses -Temperature 1

            $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest'
            $null = Assert-RequestBody (Get-CreateRequest)[0] @{ type = 'object'; properties = @{ data_source = @{ '$ref' = '#/components/schemas/CreateEvalResponsesRunDataSource' } } }
            $body.data_source.type | Should -Be 'responses'
            $body.data_source.sampling_params.temperature | Should -Be 1
        }

        It 'sends a jsonl data source without a model, wrapping bare items and keeping {item, sample} lines as they are' {
            $file = Join-Path $TestDrive 'graded.jsonl'
            [System.IO.File]::WriteAllLines($file, [string[]]@(
                    '{"input":"Refund please","ground_truth":"Billing"}'
                    ''
                    '{"item":{"input":"App crashes","ground_truth":"Bug"},"sample":{"output_text":"Bug"}}'
                    '{"item":{"input":"Dark mode?","ground_truth":"Feature request"}}'
                    '{"item":"not an object","input":"Typo","ground_truth":"Bug"}'
                ))

            $run = New-EvalRun -EvalId eval_1 -Path $file

            $run.Status | Should -Be 'queued'
            $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest'
            $null = Assert-RequestBody (Get-CreateRequest)[0] @{ type = 'object'; properties = @{ data_source = @{ '$ref' = '#/components/schemas/CreateEvalJsonlRunDataSource' } } }
            $body.data_source.type | Should -Be 'jsonl'
            $content = @($body.data_source.source.content)
            $content | Should -HaveCount 4
            $content[0].item.input | Should -Be 'Refund please'
            $content[1].item.input | Should -Be 'App crashes'
            $content[1].sample.output_text | Should -Be 'Bug'
            @($content[2].PSObject.Properties.Name) -join ',' | Should -Be 'item'
            # "item" that is not an object: the line is a bare item with a field named item.
            $content[3].item.item | Should -Be 'not an object'
        }

        It 'resolves -Path against the PowerShell location, not the process directory' {
            Push-Location -LiteralPath $TestDrive
            try { $run = New-EvalRun eval_1 ./tickets.jsonl -Model gpt-4o-mini }
            finally { Pop-Location }

            $run | Should -Not -BeNullOrEmpty
            @((Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest').data_source.source.content) | Should -HaveCount 12
        }

        It 'takes -LiteralPath as written, brackets and all' {
            $file = Join-Path $TestDrive 'tickets[1].jsonl'
            [System.IO.File]::WriteAllText($file, '{"input":"Where is my invoice?","ground_truth":"Billing"}')

            $null = New-EvalRun -EvalId eval_1 -LiteralPath $file

            (Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest').data_source.source.content[0].item.input | Should -Be 'Where is my invoice?'
        }

        It 'sends a file_id source with -FileId' {
            $null = New-EvalRun -EvalId eval_1 -FileId file-abc123 -Model gpt-4o-mini -Template 'user: {{item.input}}'

            $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest'
            $body.data_source.type | Should -Be 'completions'
            $body.data_source.source.type | Should -Be 'file_id'
            $body.data_source.source.id | Should -Be 'file-abc123'
        }

        It 'sends -DataSource as given, as a hashtable <Form>' -ForEach @(
            @{ Form = 'hashtable'; Value = [ordered]@{ type = 'responses'; model = 'o4-mini'; source = [ordered]@{ type = 'responses'; metadata = @{ usecase = 'chatbot' }; created_after = 1743000000 } } }
            @{ Form = 'or JSON text'; Value = '{"type":"responses","model":"o4-mini","source":{"type":"responses","metadata":{"usecase":"chatbot"},"created_after":1743000000}}' }
        ) {
            $run = New-EvalRun -EvalId eval_1 -DataSource $Value

            $run.Status | Should -Be 'queued'
            $request = (Get-CreateRequest)[0]
            $request.Body | Should -BeExactly '{"data_source":{"type":"responses","model":"o4-mini","source":{"type":"responses","metadata":{"usecase":"chatbot"},"created_after":1743000000}}}'
            $null = Assert-RequestBody $request 'CreateEvalRunRequest'
        }

        It 'refuses -DataSource text that is not a JSON object, sending nothing' {
            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -DataSource '[1, 2]' }

            $null = Assert-SingleError $result -ErrorId 'InvalidDataSource' -Category InvalidArgument -Target '[1, 2]'
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'the pipeline' {
        It 'starts a run of an eval piped from Get-Eval' {
            $run = Get-Eval -EvalId eval_1 | New-EvalRun -Path $tickets -Model gpt-4o-mini -Template $template

            $run.EvalId | Should -Be 'eval_1'
            Get-CreateRequest | Should -HaveCount 1
        }

        It 'makes all CSV rows piped in the items of one run, their values strings as the CSV holds them' {
            $csv = Join-Path $TestDrive 'tickets.csv'
            @(
                [pscustomobject]@{ input = 'Charged twice'; ground_truth = 'Billing'; priority = 3 }
                [pscustomobject]@{ input = 'Crash on start'; ground_truth = 'Bug'; priority = 1 }
                [pscustomobject]@{ input = 'Export to CSV?'; ground_truth = 'Question'; priority = 2 }
            ) | Export-Csv -LiteralPath $csv -NoTypeInformation

            $runs = @(Import-Csv -LiteralPath $csv | New-EvalRun -EvalId eval_1 -Model gpt-4o-mini -Template 'user: {{item.input}}')

            $runs | Should -HaveCount 1
            $requests = Get-CreateRequest
            $requests | Should -HaveCount 1
            $content = @((Assert-RequestBody $requests[0] 'CreateEvalRunRequest').data_source.source.content)
            $content | Should -HaveCount 3
            (@($content | ForEach-Object { $_.item.input }) -join '|') | Should -Be 'Charged twice|Crash on start|Export to CSV?'
            $requests[0].Body | Should -BeLike '*"priority":"3"*'
        }

        It 'takes hashtables with -Item' {
            $null = New-EvalRun -EvalId eval_1 -Item @{ input = 'Refund'; ground_truth = 'Billing' }, @{ input = 'Broken'; ground_truth = 'Bug' }

            $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRunRequest'
            $body.data_source.type | Should -Be 'jsonl'
            @($body.data_source.source.content) | Should -HaveCount 2
        }
    }

    Context 'what is refused before anything is sent' {
        It 'names the file and the line of a bad JSONL line, and sends nothing' {
            $file = Join-Path $TestDrive 'bad.jsonl'
            [System.IO.File]::WriteAllLines($file, [string[]]@('{"input":"a","ground_truth":"Bug"}', '', '{"input": "b", "ground_truth": }', '{"input":"c","ground_truth":"Bug"}'))

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $file -Model gpt-4o-mini }

            $err = Assert-SingleError $result -ErrorId 'InvalidJsonlLine' -Category InvalidData -Target $file
            $err.Exception.Message | Should -BeLike "'$file', line 3: not well-formed JSON*Nothing was sent."
            $fake.Requests | Should -HaveCount 0
        }

        It 'refuses a line that is not an object' {
            $file = Join-Path $TestDrive 'array.jsonl'
            [System.IO.File]::WriteAllLines($file, [string[]]@('{"input":"a","ground_truth":"Bug"}', '["b", "Bug"]'))

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $file }

            $err = Assert-SingleError $result -ErrorId 'InvalidJsonlLine' -Category InvalidData -Target $file
            $err.Exception.Message | Should -BeLike "*line 2: an array, not an object*"
            $fake.Requests | Should -HaveCount 0
        }

        It 'reports a missing file as PathNotFound' {
            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path (Join-Path $TestDrive 'missing.jsonl') }

            $null = Assert-SingleError $result -ErrorId 'PathNotFound' -Category ObjectNotFound -Target (Join-Path $TestDrive 'missing.jsonl')
            $fake.Requests | Should -HaveCount 0
        }

        It 'refuses a piped value that is not an object, and starts no run for that eval' {
            $result = Invoke-Captured { @{ input = 'Refund'; ground_truth = 'Billing' }, 'just text' | New-EvalRun -EvalId eval_1 }

            $err = Assert-SingleError $result -ErrorId 'InvalidItem' -Category InvalidData -Target 'just text'
            $err.Exception.Message | Should -BeLike "Item 2 for eval 'eval_1' cannot be sent: a string, not an object*The run is not created."
            $fake.Requests | Should -HaveCount 0
        }

        It 'refuses a template string without a role' {
            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini -Template 'Classify {{item.input}}' }

            $result.Terminating.FullyQualifiedErrorId | Should -BeLike 'InvalidTemplateMessage,*'
            $fake.Requests | Should -HaveCount 0
        }

        Context 'with a user who answers' {
            BeforeEach {
                $user = New-ScriptedHost
                $runspace = New-ModuleRunspace $fake -PSHost $user
            }

            AfterEach {
                $runspace.Dispose()
            }

            It 'says under -WhatIf which eval, how many items and which model, and sends nothing' {
                @(1..3 | ForEach-Object { [pscustomobject]@{ input = "Ticket $_"; ground_truth = 'Bug' } }) | Export-Csv -LiteralPath (Join-Path $TestDrive 'tickets.csv') -NoTypeInformation

                $run = Invoke-InRunspace $runspace 'New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini -Template "user: {{item.input}}" -WhatIf; Import-Csv $csv | New-EvalRun -EvalId eval_1 -WhatIf' -Variables @{
                    tickets = $tickets
                    csv     = (Join-Path $TestDrive 'tickets.csv')
                }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $run.Output | Should -HaveCount 0
                    $lines = @($user.Text -split '\n' | Where-Object { $_.StartsWith('What if: ') })
                    $lines | Should -HaveCount 2
                    $lines[0] | Should -BeExactly "What if: Performing the operation `"Create eval run`" on target `"eval 'eval_1': 12 items from '$tickets', model 'gpt-4o-mini' (completions)`"."
                    $lines[1] | Should -BeExactly "What if: Performing the operation `"Create eval run`" on target `"eval 'eval_1': 3 items from the pipeline (jsonl)`"."
                    $fake.Requests | Should -HaveCount 0
                }
                finally { $run.Shell.Dispose() }
            }
        }
    }

    Context 'no duplicate runs' {
        It 'reports EvalRunMayExist and does not send again when the connection drops after the run was created' {
            $before = $fake.RunCount('eval_1')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Reset().AfterHandling(), 1, '/runs')

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini }

            $err = Assert-SingleError $result -ErrorId 'EvalRunMayExist' -Category InvalidResult -Target 'eval_1'
            $err.Exception.Message | Should -BeLike "Creating a run of eval 'eval_1': *the run may exist*Get-EvalRun -EvalId 'eval_1' -First 5*"
            $err.Exception.Attempts | Should -Be 1
            Get-CreateRequest | Should -HaveCount 1
            $fake.RunCount('eval_1') | Should -Be ($before + 1)
            $result.Output | Should -HaveCount 0
        }

        It 'reports EvalRunMayExist and does not retry a 500 answered after the run was created' {
            $before = $fake.RunCount('eval_1')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(500, 'The server had an error.', 'server_error').AfterHandling(), 1, '/runs')

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini }

            $err = Assert-SingleError $result -ErrorId 'EvalRunMayExist' -Category InvalidResult -Target 'eval_1'
            $err.Exception.StatusCode | Should -Be 500
            Get-CreateRequest | Should -HaveCount 1
            $fake.RunCount('eval_1') | Should -Be ($before + 1)
        }

        It 'reports EvalRunMayExist for a 2xx whose body cannot be read' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::TruncatedJson().AfterHandling(), 1, '/runs')

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets }

            $null = Assert-SingleError $result -ErrorId 'EvalRunMayExist' -Category InvalidResult -Target 'eval_1'
            Get-CreateRequest | Should -HaveCount 1
        }

        It 'reports EvalRunMayExist after a timeout, with the run created once' {
            $before = $fake.RunCount('eval_1')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([timespan]'0:0:2'), 1, '/runs')

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -TimeoutSec 1 }

            $null = Assert-SingleError $result -ErrorId 'EvalRunMayExist' -Category InvalidResult -Target 'eval_1'
            Get-CreateRequest | Should -HaveCount 1
            Wait-Until { $fake.RunCount('eval_1') -eq $before + 1 } | Should -BeTrue
        }

        It 'retries a 429 as usual and creates one run' {
            $before = $fake.RunCount('eval_1')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(429, 'Slow down', 'requests', 'rate_limit_exceeded').WithHeader('retry-after-ms', '50'), 1, '/runs')

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 1
            (@(Get-CreateRequest | ForEach-Object ResponseStatus) -join ',') | Should -Be '429,201'
            $fake.RunCount('eval_1') | Should -Be ($before + 1)
        }

        It 'retries a connection that was never made, and reports ConnectionFailed, not EvalRunMayExist' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $port = $listener.LocalEndpoint.Port
            $listener.Stop()

            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -BaseUri "http://127.0.0.1:$port/v1" -MaxRetries 1 -Verbose }

            $err = Assert-SingleError $result -ErrorId 'ConnectionFailed' -Category ConnectionError -Target 'eval_1'
            $err.Exception.Attempts | Should -Be 2
            @($result.Verbose | Where-Object { $_ -like 'Retrying POST*' }) | Should -HaveCount 1
        }
    }

    Context 'diagnostics' {
        It 'shows the request body under -Debug, escaped, with the key masked even inside it' {
            $result = Invoke-Captured { New-EvalRun -EvalId eval_1 -Path $tickets -Metadata @{ note = "key $TestKey"; bell = "a$([char]7)b" } @Diag }

            $result.AllErrors | Should -HaveCount 0
            $bodyLine = @($result.Debug | Where-Object { $_ -like 'POST *' })
            $bodyLine | Should -HaveCount 1
            $bodyLine[0] | Should -BeLike '*body (* bytes): {"metadata":*'
            $bodyLine[0] | Should -BeLike '*key ****"*'
            $bodyLine[0] | Should -BeLike '*a\u0007b*'
            ($result.Debug -join "`n").Contains($TestKey) | Should -BeFalse
            ($result.Verbose -join "`n").Contains($TestKey) | Should -BeFalse
        }

        It 'exports the created run to CSV as values' {
            $run = New-EvalRun -EvalId eval_1 -Path $tickets -Model gpt-4o-mini
            $rows = @($run | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv)

            $rows | Should -HaveCount 1
            $rows[0].Id | Should -Be $run.Id
            $rows[0].Status | Should -Be 'queued'
            $rows[0].DataSource | Should -BeLike 'completions*12 items*'
        }
    }
}
