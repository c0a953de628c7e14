#Requires -Version 5.1
# The object model: every field of every run fixture is reachable through typed PascalCase properties, survives
# ConvertTo-Json and Export-Clixml, and a value the module cannot read costs one warning, never the run.

BeforeDiscovery {
    $everyFixture = @(Get-ChildItem "$PSScriptRoot/../tools/EvalsPS.FakeApi/Fixtures" -Filter *.json | ForEach-Object { @{ Fixture = $_.BaseName } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake

    # Free-form JSON (user data, schemas, filters): compared as JSON, keys as written.
    $freeForm = 'item', 'sample', 'schema', 'parameters', 'output_schema', 'filters', 'ranking_options', 'user_location'
    # Unix seconds read as UTC DateTimes.
    $times = 'created_at', 'created_after', 'created_before'
    # Fields the API types as "number": whole values may read as doubles.
    $numbers = 'temperature', 'top_p'
    # The classes an unknown kind reads into; only there may a field live in AdditionalProperties.
    $unknownKinds = 'EvalRunDataSource', 'EvalRunSource', 'EvalRunInputMessages', 'EvalRunContentPart', 'EvalRunTool', 'EvalRunResponseFormat'
    # Values a fixture sends that the module cannot read (kept in AdditionalProperties, one warning each).
    $unreadable = @{ 'millisecond-created-run' = @('created_at') }
    # Fields a fixture sends that the API description does not have yet (kept in AdditionalProperties).
    $unknownFields = @{
        'future-fields-run' = @('priority', 'labels', 'usage_summary', 'result_counts.skipped',
            'per_model_usage[0].reasoning_tokens', 'per_testing_criteria_results[0].skipped')
    }

    function ConvertTo-PascalCase([string] $Name) {
        ($Name -split '_' | ForEach-Object { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) }) -join ''
    }

    function Get-FixtureJson([string] $Name) {
        [EvalsPS.FakeApi.Fixtures]::Get($Name) | ConvertFrom-Json
    }

    # An entry of a dictionary, or a property of an object that was one before an export.
    function Get-Entry($Map, [string] $Key) {
        if ($Map -is [System.Collections.IDictionary]) { $Map[$Key] } else { $Map.PSObject.Properties[$Key].Value }
    }

    function Assert-SameJson($Expected, $Actual, [string] $Path) {
        ConvertTo-Json -InputObject $Actual -Depth 20 -Compress |
            Should -BeExactly (ConvertTo-Json -InputObject $Expected -Depth 20 -Compress) -Because "$Path holds free-form JSON"
    }

    <#
        Asserts that the JSON value $Json (from ConvertFrom-Json) is reachable in $Actual through PascalCase
        properties with the right type. -Typed: the module's own objects (family classes checked, a field in
        AdditionalProperties only on an unknown kind); without it, objects that went through an export.
    #>
    function Assert-Reachable($Json, $Actual, [string] $Path, [string] $Name, [switch] $Typed, [string[]] $Unread = @(), [string[]] $Unknown = @()) {
        if ($null -eq $Json) {
            $Actual | Should -BeNullOrEmpty -Because "$Path is null"
            return
        }
        if ($Name -in $freeForm -or ($Name -eq 'metadata' -and $Path -ne 'metadata')) {
            Assert-SameJson $Json $Actual $Path
            return
        }
        if ($Name -eq 'metadata') {
            # A run's metadata: a string-to-string map (a hashtable after Import-Clixml, so in no set order).
            $keys = if ($Actual -is [System.Collections.IDictionary]) { @($Actual.Keys) } else { @($Actual.PSObject.Properties | ForEach-Object Name) }
            @($keys).Count | Should -Be @($Json.PSObject.Properties).Count -Because $Path
            foreach ($pair in $Json.PSObject.Properties) { Get-Entry $Actual $pair.Name | Should -BeExactly $pair.Value -Because "$Path.$($pair.Name)" }
            return
        }
        $Actual | Should -Not -BeNullOrEmpty -Because "$Path is sent"
        if ($Json -is [string]) {
            $Actual | Should -BeOfType ([string]) -Because $Path
            $Actual | Should -BeExactly $Json -Because $Path
        }
        elseif ($Json -is [bool]) {
            $Actual | Should -BeOfType ([bool]) -Because $Path
            $Actual | Should -Be $Json -Because $Path
        }
        elseif ($Name -in $times) {
            $expected = [DateTimeOffset]::FromUnixTimeSeconds($Json).UtcDateTime
            if ($Actual -is [string]) { $Actual = [DateTime]::Parse($Actual, [cultureinfo]::InvariantCulture, 'RoundtripKind') }
            $Actual | Should -BeOfType ([datetime]) -Because $Path
            $Actual.ToUniversalTime() | Should -Be $expected -Because $Path
        }
        elseif ($Json -is [double] -or $Json -is [decimal] -or $Name -in $numbers) {
            $Actual | Should -BeOfType ([double]) -Because $Path
            $Actual | Should -Be ([double]$Json) -Because $Path
        }
        elseif ($Json -is [int] -or $Json -is [long]) {
            ($Actual -is [int] -or $Actual -is [long]) | Should -BeTrue -Because "$Path is an integer, not $($Actual.GetType().Name)"
            $Actual | Should -Be $Json -Because $Path
        }
        elseif ($Json -is [array]) {
            $items = @($Actual)
            $items.Count | Should -Be $Json.Count -Because "$Path has $($Json.Count) items"
            for ($i = 0; $i -lt $Json.Count; $i++) {
                Assert-Reachable $Json[$i] $items[$i] "$Path[$i]" $Name -Typed:$Typed -Unread $Unread -Unknown $Unknown
            }
        }
        else {
            foreach ($field in $Json.PSObject.Properties) {
                $fieldPath = if ($Path) { "$Path.$($field.Name)" } else { $field.Name }
                if ($fieldPath -in $Unread) {
                    $Actual.PSObject.Properties[(ConvertTo-PascalCase $field.Name)].Value | Should -BeNullOrEmpty -Because "$fieldPath cannot be read"
                    Assert-SameJson $field.Value (Get-Entry $Actual.AdditionalProperties $field.Name) "$fieldPath (kept)"
                    continue
                }
                # The chat-completions wrappers response_format.json_schema and tools[].function read flat.
                if (($field.Name -eq 'json_schema' -and $Json.type -eq 'json_schema') -or ($field.Name -eq 'function' -and $Json.type -eq 'function')) {
                    Assert-Reachable $field.Value $Actual $fieldPath $field.Name -Typed:$Typed -Unread $Unread -Unknown $Unknown
                    continue
                }
                $pascal = if ($field.Name -eq 'max_completions_tokens') { 'MaxCompletionTokens' } else { ConvertTo-PascalCase $field.Name }
                $property = $Actual.PSObject.Properties[$pascal]
                if ($null -eq $property -or ($null -eq $property.Value -and $null -ne $field.Value -and -not $Typed)) {
                    if ($Typed -and $fieldPath -notin $Unknown) {
                        $Actual.GetType().Name | Should -BeIn $unknownKinds -Because "$fieldPath must be a typed property $pascal of $($Actual.GetType().Name)"
                    }
                    Assert-SameJson $field.Value (Get-Entry $Actual.AdditionalProperties $field.Name) "$fieldPath (an unknown field)"
                    continue
                }
                $property.Name | Should -BeExactly $pascal -Because "$fieldPath is spelled in PascalCase"
                if ($field.Name -eq 'content' -and $Json.PSObject.Properties['role']) {
                    # Message content: a string, one part or an array of parts, always read as a list of parts.
                    $parts = @($property.Value)
                    $sent = @($field.Value)
                    $parts.Count | Should -Be $sent.Count -Because "$fieldPath has $($sent.Count) parts"
                    for ($i = 0; $i -lt $sent.Count; $i++) {
                        if ($sent[$i] -is [string]) {
                            $parts[$i].Type | Should -BeExactly 'input_text' -Because "$fieldPath[$i] is text"
                            $parts[$i].Text | Should -BeExactly $sent[$i] -Because "$fieldPath[$i]"
                        }
                        else {
                            Assert-Reachable $sent[$i] $parts[$i] "$fieldPath[$i]" 'content' -Typed:$Typed -Unread $Unread -Unknown $Unknown
                        }
                    }
                    continue
                }
                Assert-Reachable $field.Value $property.Value $fieldPath $field.Name -Typed:$Typed -Unread $Unread -Unknown $Unknown
            }
        }
    }

    # Adds a fixture run to an eval of its own and gets it back.
    function Get-FixtureRun([string] $Name) {
        $evalId = 'eval_model_' + [guid]::NewGuid().ToString('n')
        $id = $fake.AddRunJson($evalId, [EvalsPS.FakeApi.Fixtures]::Get($Name))
        Get-EvalRun $evalId $id -WarningAction SilentlyContinue
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'The run object model' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'the <Fixture> fixture' -ForEach $everyFixture {
        BeforeAll {
            $run = Get-FixtureRun $Fixture
            $json = Get-FixtureJson $Fixture
            $json.eval_id = $run.EvalId
            $checks = @{ Unread = @($unreadable[$Fixture]); Unknown = @($unknownFields[$Fixture]) }
        }

        It 'reaches every value through typed PascalCase properties' {
            Assert-Reachable $json $run '' '' -Typed @checks
        }

        It 'keeps every value through ConvertTo-Json -Depth 20' {
            $text = $run | ConvertTo-Json -Depth 20
            $text | Should -Not -Match 'ValueKind'
            Assert-Reachable $json ($text | ConvertFrom-Json) '' '' @checks
        }

        It 'keeps every value through Export-Clixml and Import-Clixml' {
            $file = Join-Path $TestDrive "$Fixture.clixml"
            $run | Export-Clixml -Path $file -Depth 20
            Assert-Reachable $json (Import-Clixml -Path $file) '' '' @checks
        }
    }

    Context 'message content' {
        It 'reads a string, one part and an array of parts as a list of typed parts' {
            $template = (Get-FixtureRun 'completions-content-parts-run').DataSource.InputMessages.Template

            $template[0].Content[0].GetType().Name | Should -Be 'InputTextContent'
            $template[0].Text | Should -BeExactly 'Answer with one word.'
            @($template[1].Content | ForEach-Object { $_.GetType().Name }) -join ',' |
                Should -Be 'InputTextContent,InputTextContent,OutputTextContent,InputImageContent,InputAudioContent'
            $template[1].Content[4].InputAudio.Format | Should -Be 'wav'
            $template[1].Text | Should -BeExactly "{{item.input}}`nThink before answering.`nUnderstood."
            $template[2].Content[0].GetType().Name | Should -Be 'OutputTextContent'
        }

        It 'keeps a part of an unknown kind with its type and its values' {
            $template = (Get-FixtureRun 'responses-content-parts-run').DataSource.InputMessages.Template

            $video = $template[0].Content[5]
            $video.GetType().Name | Should -Be 'EvalRunContentPart'
            $video.Type | Should -Be 'input_video'
            $video.AdditionalProperties.frames | Should -Be 12
            $template[1].Phase | Should -Be 'commentary'
            $template[0].Content[1].PromptCacheBreakpoint.Mode | Should -Be 'explicit'
        }

        It 'shows template messages and content parts as tables' {
            $template = (Get-FixtureRun 'completions-content-parts-run').DataSource.InputMessages.Template

            $messages = ($template | Out-String -Width 200) -replace "$([char]27)\[[0-9;]*m", ''
            $messages | Should -Match '(?m)^Role\s+Phase\s+Content'
            $messages | Should -Match '(?m)^system\s+Answer with one word\.'
            $messages | Should -Match '(?m)^user\s+\{\{item.input\}\}; Think before answering\.; Understood\.; \[image https://example.com/chart.png\]; \[audio wav, 60 characters\]'
            $parts = ($template[1].Content | Out-String -Width 200) -replace "$([char]27)\[[0-9;]*m", ''
            $parts | Should -Match '(?m)^Type\s+Value'
            $parts | Should -Match '(?m)^input_image\s+\[image https://example.com/chart.png\]'
        }
    }

    Context 'sampling params' {
        It 'reads response_format, text.format and tools into typed families' {
            $completions = (Get-FixtureRun 'completions-stored-run').DataSource.SamplingParams
            $responses = (Get-FixtureRun 'responses-content-parts-run').DataSource.SamplingParams
            $filtered = (Get-FixtureRun 'responses-metadata-filter-run').DataSource.SamplingParams

            $completions.ResponseFormat.GetType().Name | Should -Be 'JsonSchemaResponseFormat'
            $completions.ResponseFormat.Strict | Should -BeTrue
            $completions.ResponseFormat.Schema.properties.answer.type | Should -Be 'string'
            $completions.Tools[0].GetType().Name | Should -Be 'FunctionTool'
            $filtered.Text.Format.GetType().Name | Should -Be 'JsonSchemaResponseFormat'
            $filtered.Text.Format.Description | Should -Be 'A yes or no verdict.'
            @($responses.Tools | ForEach-Object { $_.GetType().Name }) -join ',' |
                Should -Be 'FunctionTool,FileSearchTool,WebSearchTool,WebSearchTool,EvalRunTool'
            $responses.Tools[0].Parameters.required | Should -Be 'city'
            $responses.Tools[4].AdditionalProperties.container.file_ids | Should -Be 'file-data1'
        }

        It 'shows a run''s and a grader''s sampling settings as each schema names them' {
            $run = (Get-FixtureRun 'completions-stored-run').DataSource.SamplingParams
            $fake.AddEval('eval_sampling')
            $grader = (Get-Eval -EvalId 'eval_sampling').TestingCriteria | Where-Object Type -EQ 'score_model'

            $run.ToString() | Should -BeExactly 'temperature=0.2; top_p=0.9; seed=7; max_completion_tokens=512'
            $grader.SamplingParams.ToString() | Should -BeExactly 'temperature=0.2; seed=7; max_completions_tokens=64; reasoning_effort=low'
        }

        It 'shows tools as a table' {
            $tools = (Get-FixtureRun 'responses-content-parts-run').DataSource.SamplingParams.Tools

            $text = ($tools | Out-String -Width 200) -replace "$([char]27)\[[0-9;]*m", ''
            $text | Should -Match '(?m)^Type\s+Name\s+Description'
            $text | Should -Match '(?m)^function\s+get_weather\s+Current weather for a city\.'
            $text | Should -Match '(?m)^code_interpreter\s*$'
        }
    }

    Context 'free-form values' {
        It 'reads an unknown field through AdditionalProperties' {
            $run = Get-FixtureRun 'future-fields-run'

            $run.AdditionalProperties.priority | Should -Be 3
            $run.AdditionalProperties.priority | Should -BeOfType ([long])
            $run.AdditionalProperties.labels[1] | Should -Be 'b'
        }

        It 'keeps a change to an item, as on any PowerShell object' {
            $run = Get-FixtureRun 'jsonl-file-content-run'
            $content = $run.DataSource.Source.Content[0]

            $content.Item | Add-Member -NotePropertyName score -NotePropertyValue 1
            $content.Item.score | Should -Be 1
            $run.DataSource.Source.Content[0].Item.score | Should -Be 1
        }
    }

    Context 'values the module cannot read' {
        It 'reads a responses run whose metadata filter holds numbers and booleans, without a warning' {
            $id = $fake.AddRunJson('eval_filter', [EvalsPS.FakeApi.Fixtures]::Get('responses-metadata-filter-run'))

            $run = Get-EvalRun eval_filter $id -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue

            $errors | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 0
            $run.DataSource.Source.Metadata.tier | Should -Be 2
            $run.DataSource.Source.Metadata.tier | Should -BeOfType ([long])
            $run.DataSource.Source.Metadata.beta | Should -BeTrue
        }

        It 'writes a run whose created_at is in milliseconds, with one warning naming the field' {
            $id = $fake.AddRunJson('eval_millis', [EvalsPS.FakeApi.Fixtures]::Get('millisecond-created-run'))

            $run = Get-EvalRun eval_millis $id -ErrorAction Stop -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue

            $errors | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            "$warnings" | Should -BeLike "Run evalrun_fixture_millis: the field 'created_at' could not be read*"
            $run.Id | Should -Be 'evalrun_fixture_millis'
            $run.CreatedAt | Should -BeNullOrEmpty
            $run.AdditionalProperties.created_at | Should -Be 99999999999999
        }

        It 'lists every run of a page holding that run, with one warning' {
            foreach ($name in 'millisecond-created-run', 'responses-metadata-filter-run', 'jsonl-file-id-run', 'responses-run') {
                $null = $fake.AddRunJson('eval_millis_list', [EvalsPS.FakeApi.Fixtures]::Get($name))
            }

            $runs = @(Get-EvalRun -EvalId eval_millis_list -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue)

            $errors | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            "$warnings" | Should -BeLike "Run evalrun_fixture_millis: the field 'created_at' could not be read*"
            $runs | Should -HaveCount 4
            ($runs | Where-Object Id -EQ 'evalrun_fixture_millis').Status | Should -Be 'queued'
        }

        It 'reports a cancel the server accepted as done, even for such a run' {
            $id = $fake.AddRunJson('eval_millis_stop', [EvalsPS.FakeApi.Fixtures]::Get('millisecond-created-run'))

            $run = Stop-EvalRun -EvalId eval_millis_stop -RunId $id -Force -PassThru -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue

            $errors | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            $run.Id | Should -Be $id
            $run.Status | Should -Be 'canceled'
            $fake.RunStatus('eval_millis_stop', $id) | Should -Be 'canceled'
        }

        It 'reports a cancel as done when the answer holds a value of the wrong kind' {
            $id = $fake.AddRun('eval_odd_stop', [NullString]::Value, 'queued', [NullString]::Value)
            $odd = '{"object":"eval.run","id":"' + $id + '","eval_id":"eval_odd_stop","status":"canceled","created_at":"yesterday",' +
                '"data_source":{"type":"responses","source":{"type":"responses","metadata":{"tier":2,"beta":true}}}}'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $odd), 1, [NullString]::Value)

            $run = Stop-EvalRun -EvalId eval_odd_stop -RunId $id -Force -PassThru -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue

            $errors | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            $run.Status | Should -Be 'canceled'
            $run.DataSource.Source.Metadata.tier | Should -Be 2
        }
    }
}
