#Requires -Version 5.1
# New-Eval against the loopback fake: each data source config, criteria as hashtables, JSON text or typed criteria,
# copying an eval from Get-Eval, request bodies checked against the API description's schemas, and no duplicate evals.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $itemSchema = [ordered]@{
        type       = 'object'
        properties = [ordered]@{ input = @{ type = 'string' }; ground_truth = @{ type = 'string' } }
        required   = @('input', 'ground_truth')
    }
    $stringCheck = [ordered]@{ type = 'string_check'; name = 'Matches the label'; input = '{{sample.output_text}}'; reference = '{{item.ground_truth}}'; operation = 'eq' }

    function Get-CreateRequest {
        @($fake.Requests | Where-Object { $_.Method -eq 'POST' -and $_.RawPath -eq '/v1/evals' })
    }

    function Assert-Kind {
        <# Asserts that a part of a body fits one named schema (the request's unions accept any kind). #>
        param($Value, [string] $Schema)
        (@(Test-JsonSchema -Value $Value -Schema (Get-ApiSchema $Schema)) -join "`n") | Should -BeNullOrEmpty -Because "it must be a $Schema"
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'New-Eval' {
    BeforeEach {
        Reset-TestFake $fake
    }

    It 'creates an eval with a custom item schema and hashtable criteria, and writes it' {
        $labeler = @{
            type = 'label_model'; name = 'Tone'; model = 'gpt-4o-mini'
            input = @(@{ role = 'developer'; content = 'Label the tone.' }, @{ role = 'user'; content = '{{sample.output_text}}' })
            labels = @('neutral', 'rude'); passing_labels = @('neutral')
        }

        $eval = New-Eval -Name 'Ticket triage' -Metadata @{ team = 'support' } -ItemSchema $itemSchema -IncludeSampleSchema -TestingCriteria $stringCheck, $labeler

        $eval | Should -BeOfType ([EvalsPS.Eval])
        $eval.Name | Should -Be 'Ticket triage'
        $eval.DataSourceConfig | Should -BeOfType ([EvalsPS.CustomDataSourceConfig])
        $eval.DataSourceConfig.Schema.properties.item.required | Should -Be @('input', 'ground_truth')
        @($eval.TestingCriteria.Name) -join ',' | Should -Be 'Matches the label,Tone'
        $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRequest'
        Assert-Kind $body.data_source_config 'CreateEvalCustomDataSourceConfig'
        Assert-Kind $body.testing_criteria[0] 'EvalGraderStringCheck'
        Assert-Kind $body.testing_criteria[1] 'CreateEvalLabelModelGrader'
        $body.data_source_config.include_sample_schema | Should -BeTrue
        # An ordered hashtable keeps its order on the wire (Contains: '[' would open a wildcard class).
        (Get-CreateRequest)[0].Body.Contains('"item_schema":{"type":"object","properties":{"input":{"type":"string"},"ground_truth":{"type":"string"}},"required":["input","ground_truth"]}') | Should -BeTrue
        $body.metadata.team | Should -Be 'support'
    }

    It 'sends an item schema and criteria given as JSON text as written' {
        $null = New-Eval -Name 'json' -ItemSchema '{"type":"object","properties":{"q":{"type":"string"}}}' -TestingCriteria '{"type":"string_check","name":"Exact","input":"{{sample.output_text}}","reference":"{{item.q}}","operation":"ilike"}'

        $request = (Get-CreateRequest)[0]
        $request.Body | Should -BeExactly '{"name":"json","data_source_config":{"type":"custom","item_schema":{"type":"object","properties":{"q":{"type":"string"}}},"include_sample_schema":false},"testing_criteria":[{"type":"string_check","name":"Exact","input":"{{sample.output_text}}","reference":"{{item.q}}","operation":"ilike"}]}'
        $null = Assert-RequestBody $request 'CreateEvalRequest'
    }

    It 'creates a logs eval whose metadata filter is a hashtable' {
        $eval = New-Eval -Name 'chatbot logs' -Logs @{ usecase = 'chatbot' } -TestingCriteria $stringCheck

        $eval.DataSourceConfig | Should -BeOfType ([EvalsPS.LogsDataSourceConfig])
        $eval.DataSourceConfig.Metadata['usecase'] | Should -Be 'chatbot'
        $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRequest'
        Assert-Kind $body.data_source_config 'CreateEvalLogsDataSourceConfig'
        $body.data_source_config.type | Should -Be 'logs'
        $body.data_source_config.metadata.usecase | Should -Be 'chatbot'
    }

    It 'accepts the deprecated stored_completions config with a warning' {
        $result = Invoke-Captured { New-Eval -Name 'stored' -StoredCompletions @{} -TestingCriteria $stringCheck }

        $result.AllErrors | Should -HaveCount 0
        $result.Warning | Should -HaveCount 1
        $result.Warning[0] | Should -BeLike '*deprecated*-Logs*'
        $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRequest'
        Assert-Kind $body.data_source_config 'CreateEvalStoredCompletionsDataSourceConfig'
    }

    It 'copies an eval piped from Get-Eval: the item part of its schema, its criteria without the ids the server added' {
        $source = @($fake.AddEvals(1))[0]
        $original = Get-Eval -EvalId $source

        $copy = Get-Eval -EvalId $source | New-Eval -Name 'copy'

        $copy.Id | Should -Not -Be $source
        $copy.Name | Should -Be 'copy'
        @($copy.TestingCriteria.Name) -join ',' | Should -Be (@($original.TestingCriteria.Name) -join ',')
        $copy.DataSourceConfig.Schema.properties.item.required | Should -Be @('input', 'ground_truth')
        $request = (Get-CreateRequest)[0]
        $body = Assert-RequestBody $request 'CreateEvalRequest'
        Assert-Kind $body.data_source_config 'CreateEvalCustomDataSourceConfig'
        $body.metadata.team | Should -Be 'fake'
        @($body.data_source_config.item_schema.properties.PSObject.Properties.Name) -join ',' | Should -Be 'input,ground_truth'
        $body.data_source_config.include_sample_schema | Should -BeFalse
        @($body.testing_criteria) | Should -HaveCount 5
        foreach ($criterion in $body.testing_criteria) { $criterion.PSObject.Properties.Name | Should -Not -Contain 'id' }
        $request.Body | Should -Not -BeLike '*"sampling_params":null*'
        Assert-Kind $body.testing_criteria[0] 'EvalGraderStringCheck'
        Assert-Kind $body.testing_criteria[1] 'CreateEvalLabelModelGrader'
        Assert-Kind $body.testing_criteria[2] 'EvalGraderTextSimilarity'
        Assert-Kind $body.testing_criteria[3] 'EvalGraderPython'
        Assert-Kind $body.testing_criteria[4] 'EvalGraderScoreModel'
        $body.testing_criteria[4].sampling_params.max_completions_tokens | Should -Be 64
    }

    It 'takes the typed criteria of another eval with -TestingCriteria' {
        $source = @($fake.AddEvals(1))[0]

        $null = New-Eval -Name 'same graders' -ItemSchema $itemSchema -TestingCriteria (Get-Eval -EvalId $source).TestingCriteria[0, 2]

        $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRequest'
        @($body.testing_criteria.type) -join ',' | Should -Be 'string_check,text_similarity'
        $body.testing_criteria[1].pass_threshold | Should -Be 0.8
    }

    It 'takes the typed config of another eval with -DataSourceConfig, mixed with hashtable criteria' {
        $source = @($fake.AddEvals(1))[0]
        $stored = Get-Eval -EvalId $source

        $null = New-Eval -Name 'same items' -DataSourceConfig $stored.DataSourceConfig -TestingCriteria $stringCheck, $stored.TestingCriteria[4]

        $body = Assert-RequestBody (Get-CreateRequest)[0] 'CreateEvalRequest'
        @($body.data_source_config.PSObject.Properties.Name) -join ',' | Should -Be 'type,item_schema,include_sample_schema'
        $body.data_source_config.item_schema.required | Should -Be @('input', 'ground_truth')
        @($body.testing_criteria.type) -join ',' | Should -Be 'string_check,score_model'
        $body.testing_criteria[1].PSObject.Properties.Name | Should -Not -Contain 'id'
    }

    It 'sends nothing under -WhatIf' {
        $result = Invoke-Captured { New-Eval -Name 'not made' -ItemSchema $itemSchema -TestingCriteria $stringCheck -WhatIf }

        $result.AllErrors | Should -HaveCount 0
        $result.Output | Should -HaveCount 0
        $fake.Requests | Should -HaveCount 0
    }

    It 'reports EvalMayExist and does not send again when the answer to the create is lost' {
        $before = @(Get-Eval).Count
        Reset-TestFake $fake
        $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Reset().AfterHandling(), 1, [NullString]::Value)

        $result = Invoke-Captured { New-Eval -Name 'lost answer' -ItemSchema $itemSchema -TestingCriteria $stringCheck }

        $err = Assert-SingleError $result -ErrorId 'EvalMayExist' -Category InvalidResult -Target $null
        $err.Exception.Message | Should -BeLike 'Creating an eval: *the eval may exist*Get-Eval -First 5*'
        Get-CreateRequest | Should -HaveCount 1
        @(Get-Eval | Where-Object Name -EQ 'lost answer') | Should -HaveCount 1
        @(Get-Eval).Count | Should -Be ($before + 1)
    }

    It 'reports a 400 as BadRequest, not as EvalMayExist' {
        $result = Invoke-Captured { New-Eval -Name 'bad' -DataSourceConfig @{ type = 'custom' } -TestingCriteria $stringCheck }

        $err = Assert-SingleError $result -ErrorId 'BadRequest' -Category InvalidArgument -Target $null
        $err.Exception.StatusCode | Should -Be 400
        Get-CreateRequest | Should -HaveCount 1
    }

    It 'has a schema check that rejects what the API would: a missing field, a wrong enum, an unknown kind' {
        $body = '{"name":"x","data_source_config":{"type":"custom"},"testing_criteria":[{"type":"string_check","name":"n","input":"a","reference":"b","operation":"contains"}]}' | ConvertFrom-Json
        $problems = @(Test-JsonSchema -Value $body -Schema (Get-ApiSchema 'CreateEvalRequest'))

        ($problems -join "`n") | Should -BeLike "*item_schema*"
        ($problems -join "`n") | Should -BeLike "*operation is 'contains'*"
        @(Test-JsonSchema -Value ('{"data_source":{"type":"jsonl","source":{"type":"file_content","content":[{"sample":{}}]}}}' | ConvertFrom-Json) -Schema (Get-ApiSchema 'CreateEvalRunRequest')) |
            Should -Not -BeNullOrEmpty
    }
}
