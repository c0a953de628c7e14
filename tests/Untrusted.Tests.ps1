#Requires -Version 5.1
# Data from the server is untrusted: what EvalsPS does with hostile ids, keys, text and bodies, as a user meets it.
# The fake's hostile mode ($fake.AddHostileData(), [EvalsPS.FakeApi.Hostile]) and its hostile answers (Endless,
# LyingLength, Trickle) serve each case. Completion's own rules (settings, prefix match) are in Completion.Tests.ps1.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $fake.AddHostileData()
    $hostile = [EvalsPS.FakeApi.Hostile]
    $esc = [string][char]0x1b

    function Get-UnsafeCharacter {
        <# The characters of $Text that would act on a terminal: C0 other than tab and line feed, DEL, C1, bidi overrides. #>
        param([string] $Text)
        @($Text.ToCharArray() | Where-Object {
                ([int]$_ -lt 0x20 -and $_ -ne "`t" -and $_ -ne "`n") -or ([int]$_ -ge 0x7f -and [int]$_ -le 0x9f) -or
                ([int]$_ -ge 0x202a -and [int]$_ -le 0x202e) -or ([int]$_ -ge 0x2066 -and [int]$_ -le 0x2069)
            } | ForEach-Object { '\u{0:x4}' -f [int]$_ })
    }
}

AfterAll { Stop-TestFake $fake }

Describe 'Data from the server is untrusted' {
    BeforeEach { Reset-TestFake $fake }

    Context 'Tab completion never inserts code' {
        BeforeAll {
            $saved = @{ Key = $env:OPENAI_API_KEY; Uri = $env:OPENAI_BASE_URL }
            # Completion uses the environment's settings, not the line's (and not the test defaults' key, kept for the cmdlets).
            $env:OPENAI_BASE_URL = $fake.BaseUri.ToString()
            $env:OPENAI_API_KEY = $TestKey
        }
        AfterAll {
            $env:OPENAI_API_KEY = $saved.Key
            $env:OPENAI_BASE_URL = $saved.Uri
        }

        It 'inserts each hostile id as exactly one argument holding the id, and never an id with a control character or a bidi override' {
            $line = 'Get-Eval -EvalId '
            $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)

            $values = foreach ($completion in $offered) {
                $tokens = $null; $parseErrors = $null
                $ast = [System.Management.Automation.Language.Parser]::ParseInput($line + $completion.CompletionText, [ref] $tokens, [ref] $parseErrors)
                $parseErrors | Should -HaveCount 0 -Because "'$($completion.CompletionText)' must parse"
                $commands = @($ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true))
                $commands | Should -HaveCount 1 -Because "'$($completion.CompletionText)' must not start another command"
                $elements = $commands[0].CommandElements
                $elements | Should -HaveCount 3 -Because "'$($completion.CompletionText)' must be one argument"
                $elements[2] | Should -BeOfType ([System.Management.Automation.Language.StringConstantExpressionAst])
                $elements[2].Value
            }

            foreach ($id in $hostile::QuotingIds) { $values | Should -Contain $id }
            foreach ($id in $hostile::ControlIds) { $values | Should -Not -Contain $id }
            foreach ($completion in $offered) {
                Get-UnsafeCharacter ($completion.ToolTip + $completion.ListItemText) | Should -HaveCount 0
            }
            ($offered | Where-Object ToolTip -Like 'name\u001b]52*') | Should -Not -BeNullOrEmpty -Because 'the tooltip shows the escape sequence as text'
        }

        It 'binds the inserted id unchanged when the completed line runs' {
            $line = "Get-Eval -EvalId 'eval_a"
            $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches)
            $offered.CompletionText | Should -Be "'eval_a''; Write-Host pwned; '''"

            $result = Invoke-Captured { Invoke-Expression ('Get-Eval -EvalId ' + $offered[0].CompletionText) }

            $result.Information | Should -HaveCount 0 -Because 'no Write-Host ran'
            $result.Output[0].Id | Should -Be "eval_a'; Write-Host pwned; '"
        }
    }

    Context 'a body has a size limit and the deadline covers it' {
        It 'ends an endless body with ResponseTooLarge after 256 MiB, and does not retry it' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Endless(), 3, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile }

            $err = Assert-SingleError $result -ErrorId 'ResponseTooLarge' -Category LimitsExceeded -Target 'evalrun_hostile'
            $err.Exception.Message | Should -BeLike '*256 MiB*'
            $fake.Requests | Should -HaveCount 1
        }

        It 'refuses a Content-Length above 256 MiB before reading the body' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::LyingLength(300MB), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile -MaxRetries 0 }

            $err = Assert-SingleError $result -ErrorId 'ResponseTooLarge' -Category LimitsExceeded -Target 'evalrun_hostile'
            $err.Exception.Message | Should -BeLike '*314572800 bytes (Content-Length)*'
        }

        It 'allocates for the bytes that arrive, not for a Content-Length that lies' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::LyingLength(200MB), 1, [NullString]::Value)
            [AppDomain]::MonitoringIsEnabled = $true
            $before = [AppDomain]::CurrentDomain.MonitoringTotalAllocatedMemorySize

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile -MaxRetries 0 }
            $allocated = [AppDomain]::CurrentDomain.MonitoringTotalAllocatedMemorySize - $before

            $null = Assert-SingleError $result -ErrorId 'ConnectionFailed' -Category ConnectionError -Target 'evalrun_hostile'
            $allocated | Should -BeLessThan 32MB
        }

        It 'ends a body that trickles in at -TimeoutSec, not when the body ends' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Trickle('eval_hostile', 'evalrun_slow', [timespan]'0:0:0.1'), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_slow -TimeoutSec 1 -MaxRetries 0 }

            $null = Assert-SingleError $result -ErrorId 'RequestTimedOut' -Category OperationTimeout -Target 'evalrun_slow'
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3 -Because 'the body would take about 100 s'
        }
    }

    Context 'no free-form key breaks a read' {
        It 'reads a run whose metadata, inline items and unknown fields hold reserved and case-twin keys, every value kept' {
            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile }

            $result.AllErrors + $result.Warning | Should -HaveCount 0
            $run = $result.Output[0]
            $run.Metadata.Keys | Should -Be $hostile::ReservedKeys
            foreach ($value in $run.AdditionalProperties['psbase'], $run.DataSource.Source.Content[0].Item) {
                $value | Should -BeOfType ([System.Collections.Specialized.OrderedDictionary])
                @($value.Keys) | Should -Be $hostile::ReservedKeys
                foreach ($key in $hostile::ReservedKeys) { $value[$key] | Should -BeExactly "value of '$key'" }
            }
        }

        It 'keeps every value through ConvertTo-Json' {
            $item = Get-EvalRunOutputItem eval_hostile evalrun_hostile outputitem_hostile

            $back = $item | ConvertTo-Json -Depth 6 | ConvertFrom-Json -AsHashtable
            # ['psextended']: .psextended is PowerShell's own member set, on a hashtable too.
            foreach ($value in $back.DatasourceItem, $back.Results[0].Sample, $back.AdditionalProperties['psextended']) {
                foreach ($key in $hostile::ReservedKeys) { $value[$key] | Should -BeExactly "value of '$key'" }
            }
        }

        It 'loses no run of a listing page, nor of a multi-id get, for such keys' {
            $null = $fake.AddRun('eval_hostile', 'evalrun_plain', 'completed', 'plain')

            $listed = Invoke-Captured { Get-EvalRun eval_hostile }
            $got = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile, evalrun_plain }

            @($listed.Output.Id | Sort-Object) | Should -Be @('evalrun_hostile', 'evalrun_plain')
            $listed.AllErrors | Should -HaveCount 0
            @($got.Output.Id) | Should -Be @('evalrun_hostile', 'evalrun_plain')
            $got.AllErrors | Should -HaveCount 0
        }

        It 'still gives a PSCustomObject for an object with ordinary keys' {
            $null = $fake.AddRun('eval_plain', 'evalrun_plain', 'completed', 'plain')
            $null = $fake.AddOutputItems('eval_plain', 'evalrun_plain', 1)

            (Get-EvalRunOutputItem eval_plain evalrun_plain -First 1).DatasourceItem | Should -BeOfType ([System.Management.Automation.PSCustomObject])
        }
    }

    Context 'nothing from the server drives the terminal' {
        It 'shows <Name> in Format-Table and Format-List with escape sequences as text, and keeps the value exact' -ForEach @(
            @{ Name = 'an output item, its sample, results and messages'; Get = { Get-EvalRunOutputItem eval_hostile evalrun_hostile outputitem_hostile }
                Parts = { $args[0].Sample, $args[0].Results, $args[0].Sample.Output }; Exact = { $args[0].OutputText } }
            @{ Name = 'a run'; Get = { Get-EvalRun eval_hostile evalrun_hostile }; Parts = { $args[0].Error }; Exact = { $args[0].Name } }
            @{ Name = 'an eval'; Get = { Get-Eval '-Force' }; Parts = { }; Exact = { $args[0].Name } }
        ) {
            $object = & $Get

            $shown = foreach ($part in @($object) + @(& $Parts $object)) {
                $part | Format-Table | Out-String -Width 250
                $part | Format-List | Out-String -Width 250
            }
            $shown = $shown -join "`n"

            Get-UnsafeCharacter $shown | Should -HaveCount 0
            $shown.Contains('\u001b]52;c;ZWNobyBwd25lZA==\u0007') | Should -BeTrue -Because 'the sequence shows as text'
            (& $Exact $object).EndsWith($hostile::Terminal) | Should -BeTrue -Because 'the property value stays exact'
        }

        It 'escapes server text in error messages' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(400, 'Bad request' + $hostile::Terminal), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile -MaxRetries 0 }

            $err = Assert-SingleError $result -ErrorId 'BadRequest' -Category InvalidArgument -Target 'evalrun_hostile'
            Get-UnsafeCharacter ($err.ToString() + ($err | Out-String -Width 250)) | Should -HaveCount 0
            $err.Exception.ApiMessage | Should -BeExactly ('Bad request' + $hostile::Terminal)
        }

        It 'shows a server id in an error''s CategoryInfo escaped, and keeps TargetObject exact' {
            $id = $hostile::ControlIds | Where-Object { $_ -like 'eval_esc*' }

            $result = Invoke-Captured { Stop-EvalRun -EvalId eval_hostile -RunId $id -Force }

            $err = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target $id
            $err.CategoryInfo.TargetName | Should -BeExactly 'eval_esc\u001b[2J'
            Get-UnsafeCharacter ($err | Out-String -Width 250) | Should -HaveCount 0
        }

        It 'shows the eval id of a deletion escaped in its view and ToString' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, '{"object":"eval.deleted","deleted":true,"eval_id":' + $hostile::Quote('eval_x' + $hostile::Terminal) + '}'), 1, [NullString]::Value)

            $deletion = Remove-Eval -EvalId eval_hostile -Force -PassThru

            $deletion.EvalId | Should -BeExactly ('eval_x' + $hostile::Terminal)
            Get-UnsafeCharacter (($deletion | Format-Table | Out-String -Width 250) + $deletion.ToString()) | Should -HaveCount 0
        }

        It 'escapes server text in warning and verbose lines' {
            $null = $fake.AddRunJson('eval_hostile', '{"object":"eval.run","id":"evalrun_warn","status":"completed","created_at":1743180000,"metadata":{' +
                $hostile::Quote('key' + $hostile::Terminal) + ':5}}')

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_warn -Verbose }

            $result.Warning | Should -HaveCount 1
            $result.Warning[0] | Should -BeLike '*key\u001b]52*'
            $result.Verbose | Should -Not -BeNullOrEmpty
            Get-UnsafeCharacter (($result.Verbose + $result.Warning) -join "`n") | Should -HaveCount 0
        }

        It 'escapes server headers in debug lines' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([timespan]::Zero).WithHeader('x-note', "note$esc]0;pwned$([char]7)"), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile @Diag }

            $result.AllErrors | Should -HaveCount 0
            if ($PSVersionTable.PSVersion.Major -ge 7) { ($result.Debug -join "`n") | Should -BeLike '*x-note: note\u001b]0;pwned\u0007*' }
            Get-UnsafeCharacter (($result.Verbose + $result.Debug) -join "`n") | Should -HaveCount 0
        }
    }

    Context '-ApiKey $null and an empty SecureString' {
        It 'refuses <Case> with InvalidApiKey before any request, even with OPENAI_API_KEY set' -ForEach @(
            @{ Case = '-ApiKey $null'; Key = $null }
            @{ Case = 'an empty SecureString'; Key = [securestring]::new() }
        ) {
            $saved = $env:OPENAI_API_KEY
            $env:OPENAI_API_KEY = $TestKey
            try { $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile -ApiKey $Key } }
            finally { $env:OPENAI_API_KEY = $saved }

            $err = Assert-SingleError $result -ErrorId 'InvalidApiKey' -Category InvalidArgument -Target $null
            $err.Exception.Message | Should -BeLike '*-ApiKey is empty*'
            $result.Terminating | Should -Not -BeNullOrEmpty
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'the key never comes back from the server' {
        It 'hides the key, and a long prefix of it, when <Where> echoes it' -ForEach @(
            @{ Where = 'an error message'; Answer = { [EvalsPS.FakeApi.FakeResponse]::Error(401, "Incorrect API key provided: $TestKey. Or $($TestKey.Substring(0, 20))...") } }
            @{ Where = 'a non-JSON error body'; Answer = { [EvalsPS.FakeApi.FakeResponse]::Json(401, "Unauthorized: Bearer $TestKey") } }
            @{ Where = 'a header shown under -Debug'; Answer = { [EvalsPS.FakeApi.FakeResponse]::Slow([timespan]::Zero).WithHeader('x-echo', "Bearer $TestKey") } }
        ) {
            $fake.Enqueue((& $Answer), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_hostile evalrun_hostile -MaxRetries 0 @Diag }

            Assert-NoKey $result
            Assert-NoKey $result -Secret $TestKey.Substring(0, 16)
            foreach ($err in $result.AllErrors) { $err.Exception.ApiMessage | Should -Not -BeLike "*$($TestKey.Substring(0, 16))*" }
            ($result.AllErrors.Count + @($result.Debug | Where-Object { $_.Contains('x-echo: Bearer ****') }).Count) | Should -BeGreaterThan 0 -Because 'the echo was shown, redacted'
        }
    }

    Context 'Export-Csv of output items is meaningful' {
        It 'writes the item as compact JSON and the sample as a line that leads with the answer' {
            $null = $fake.AddRun('eval_csv', 'evalrun_csv', 'completed', 'csv')
            $null = $fake.AddOutputItems('eval_csv', 'evalrun_csv', 3)

            $rows = Get-EvalRunOutputItem eval_csv evalrun_csv outputitem_0003 | Select-Object DatasourceItem, Sample | ConvertTo-Csv | ConvertFrom-Csv
            $list = Get-EvalRunOutputItem eval_csv evalrun_csv outputitem_0003 | Format-List Sample | Out-String

            $rows[0].DatasourceItem | Should -BeExactly '{"input":"Headline number 3 about Business","ground_truth":"Business"}'
            $rows[0].Sample | Should -BeExactly 'Sports (gpt-4o-mini-2024-07-18)'
            $list.Trim() | Should -BeExactly 'Sample : Sports (gpt-4o-mini-2024-07-18)'
        }

        It 'shows a model error after the answer, never an empty "error :"' {
            $null = $fake.AddRun('eval_csv3', 'evalrun_csv3', 'completed', 'csv')
            $null = $fake.AddOutputItems('eval_csv3', 'evalrun_csv3', 9)

            $errored = Get-EvalRunOutputItem eval_csv3 evalrun_csv3 outputitem_0009

            "$($errored.Sample)" | Should -BeExactly '(gpt-4o-mini-2024-07-18; error rate_limit_exceeded: The model was rate limited and gave no answer.)'
        }
    }
}
