#Requires -Version 5.1
# Runbook-grade safety, against the loopback fake: hostile settings refused before any request, nothing
# acted on after a stop, errors a script can catch by type, and odd answers (redirects, stuck cursors,
# "deleted": false, huge or hostile text) handled. Each scenario names the fault it injects.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $runId = $fake.AddRun('eval_s', [NullString]::Value, 'queued', [NullString]::Value)

    # Runs $ScriptBlock with these environment variables set (or removed, for $null), then puts them back.
    function Invoke-WithEnvironment([hashtable] $Variables, [scriptblock] $ScriptBlock) {
        $saved = @{}
        foreach ($name in $Variables.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $Variables[$name])
        }
        try { & $ScriptBlock }
        finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
    }

    # A settings error: terminating, this ErrorId, InvalidArgument unless said, nothing sent, and the message
    # naming the setting.
    function Assert-RefusedSetting($Result, [string] $ErrorId, [string] $Names) {
        $err = Assert-SingleError $Result $ErrorId InvalidArgument $null
        $Result.Terminating | Should -Not -BeNullOrEmpty -Because 'a setting that cannot work stops the command'
        $fake.Requests | Should -HaveCount 0 -Because 'settings are checked before any request'
        $err.Exception.Message | Should -BeLike "*$Names*"
        $err
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Safety' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'D01 header injection' {
        It 'refuses a line break in -Organization before any request (no X-Evil header sent)' {
            $result = Invoke-Captured { Get-EvalRun eval_s $runId -Organization "org-1`r`nX-Evil: 1" @Diag }

            Assert-RefusedSetting $result 'InvalidOrganization' '-Organization' | Out-Null
            Assert-NoKey $result
        }

        It 'refuses a smuggled request in <Variable>: no second request reaches the server' -TestCases @(
            @{ Variable = 'OPENAI_ORG_ID'; ErrorId = 'InvalidOrganization' }
            @{ Variable = 'OPENAI_PROJECT_ID'; ErrorId = 'InvalidProject' }
        ) {
            $victim = $fake.AddRun('eval_s', [NullString]::Value, 'completed', [NullString]::Value)
            $smuggled = "x`r`nContent-Length: 0`r`n`r`nDELETE /v1/evals/eval_s/runs/$victim HTTP/1.1`r`nHost: 127.0.0.1`r`nAuthorization: Bearer $TestKey`r`nX-Pad: y"

            $result = Invoke-WithEnvironment @{ $Variable = $smuggled } { Invoke-Captured { Get-EvalRun eval_s $runId } }

            Assert-RefusedSetting $result $ErrorId "`$env:$Variable" | Out-Null
            $fake.RunStatus('eval_s', $victim) | Should -Be 'completed'
        }
    }

    Context 'D02 user name and password in the base address' {
        It 'refuses userinfo in -BaseUri and never prints the password' {
            $withPassword = $fake.BaseUri.ToString() -replace '^http://', 'http://user:s3cr3t-pw@'

            $result = Invoke-Captured { Get-EvalRun eval_s $runId -BaseUri $withPassword @Diag }

            Assert-RefusedSetting $result 'InvalidBaseUri' '-BaseUri' | Out-Null
            $result.AllText | Should -Not -BeLike '*s3cr3t-pw*'
        }
    }

    Context 'D03 redirects' {
        It 'does not follow a 307 on a DELETE: one request, UnexpectedRedirect naming the status and Location' {
            $victim = $fake.AddRun('eval_s', [NullString]::Value, 'completed', [NullString]::Value)
            $other = $fake.AddRun('eval_s', [NullString]::Value, 'completed', [NullString]::Value)
            $location = "$($fake.BaseUri)/evals/eval_s/runs/$other"
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Redirect(307, $location), 1, [NullString]::Value)

            $result = Invoke-Captured { Remove-EvalRun eval_s $victim -Force -PassThru }

            $err = Assert-SingleError $result 'UnexpectedRedirect' InvalidResult $victim
            $err.Exception.Message | Should -BeLike '*307*'
            $err.Exception.Message | Should -BeLike "*$location*"
            $err.Exception.Location | Should -Be $location
            $fake.Requests | Should -HaveCount 1 -Because 'a redirect is neither followed nor retried'
            $fake.RunStatus('eval_s', $other) | Should -Be 'completed'
            $result.Output | Should -HaveCount 0
        }
    }

    Context 'D04 -ErrorAction Stop' {
        BeforeEach {
            # Every answer takes a while, so calls started at once would all be in flight together.
            $fake.Latency = [TimeSpan]::FromMilliseconds(150)
        }

        It 'Remove-EvalRun -ErrorAction Stop deletes nothing after the failing input' {
            $a, $c, $d = $fake.AddRuns('eval_stop4', 3, 'completed')

            $result = Invoke-Captured { Remove-EvalRun eval_stop4 $a, 'evalrun_missing', $c, $d -Force -ErrorAction Stop }

            $result.Terminating | Should -Not -BeNullOrEmpty
            $result.Terminating.FullyQualifiedErrorId | Should -BeLike 'EvalRunNotFound,*'
            $fake.RunStatus('eval_stop4', $a) | Should -BeNullOrEmpty
            $fake.RunStatus('eval_stop4', $c) | Should -Be 'completed'
            $fake.RunStatus('eval_stop4', $d) | Should -Be 'completed'
            @(Get-RequestLine $fake) | Should -Be @("DELETE /v1/evals/eval_stop4/runs/$a", 'DELETE /v1/evals/eval_stop4/runs/evalrun_missing')
        }

        It 'Stop-EvalRun under $ErrorActionPreference = Stop cancels nothing after the failing input' {
            $a, $c, $d = $fake.AddRuns('eval_stop4p', 3, 'queued')

            $result = Invoke-Captured {
                $ErrorActionPreference = 'Stop'
                Stop-EvalRun eval_stop4p $a, 'evalrun_missing', $c, $d
            }

            $result.Terminating | Should -Not -BeNullOrEmpty
            $fake.RunStatus('eval_stop4p', $a) | Should -Be 'canceled'
            $fake.RunStatus('eval_stop4p', $c) | Should -Be 'queued'
            $fake.RunStatus('eval_stop4p', $d) | Should -Be 'queued'
            $fake.Requests | Should -HaveCount 2
        }

        It 'without a stop, still sends the calls at once' {
            $ids = $fake.AddRuns('eval_stop4c', 4, 'queued')

            Stop-EvalRun eval_stop4c $ids

            $requests = $fake.Requests
            $requests | Should -HaveCount 4
            # One at a time, the fourth would arrive at least 3 x 150 ms after the first.
            Get-RequestGap $fake 0 3 | Should -BeLessThan 300 -Because 'the four calls overlap rather than wait for each other'
        }
    }

    Context 'D05 a stopped pipeline' {
        It 'Select-Object -First 1 cancels the call still retrying: no request after the pipeline returned' {
            $a, $b = $fake.AddRuns('eval_first', 2, 'completed')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(500, 'Server busy.', 'server_error', [NullString]::Value, [NullString]::Value), 20, $b)

            $deleted = @(Remove-EvalRun eval_first $a, $b -Force -PassThru -MaxRetries 5 | Select-Object -First 1)
            $atReturn = @($fake.Requests | Where-Object RawPath -Like "*/$b").Count
            Start-Sleep -Milliseconds 2500

            $deleted | Should -HaveCount 1
            $deleted[0].RunId | Should -Be $a
            @($fake.Requests | Where-Object RawPath -Like "*/$b").Count | Should -Be $atReturn -Because 'nothing keeps running after the pipeline stopped'
        }
    }

    Context 'D06 bad keys and header values' {
        It 'trims a key with a trailing line break (as Get-Content -Raw reads it)' {
            $result = Invoke-Captured { Get-EvalRun eval_s $runId -ApiKey "$TestKey`r`n" }

            $result.AllErrors | Should -HaveCount 0
            $result.Output[0].Id | Should -Be $runId
        }

        It 'refuses <Case> with InvalidApiKey, without showing it' -TestCases @(
            @{ Case = 'a non-ASCII key'; Key = 'sk-tëst-ключ' }
            @{ Case = 'a key with a control character'; Key = "sk-a`tb" }
            @{ Case = 'a white-space key'; Key = '   ' }
            @{ Case = 'an empty -ApiKey'; Key = '' }
        ) {
            $result = Invoke-WithEnvironment @{ OPENAI_API_KEY = $TestKey } { Invoke-Captured { Get-EvalRun eval_s $runId -ApiKey $Key -MaxRetries 0 } }

            Assert-RefusedSetting $result 'InvalidApiKey' '-ApiKey' | Out-Null
            if ($Key.Trim()) { $result.AllText | Should -Not -BeLike "*$Key*" }
        }

        It 'refuses a white-space key in OPENAI_API_KEY' {
            $defaults = $global:PSDefaultParameterValues
            $saved = $defaults['*-EvalRun:ApiKey']
            $defaults.Remove('*-EvalRun:ApiKey')
            try {
                $result = Invoke-WithEnvironment @{ OPENAI_API_KEY = " `n" } { Invoke-Captured { Get-EvalRun eval_s $runId } }
            }
            finally { $defaults['*-EvalRun:ApiKey'] = $saved }

            Assert-RefusedSetting $result 'InvalidApiKey' '$env:OPENAI_API_KEY' | Out-Null
        }

        It 'refuses a non-ASCII -Project' {
            $result = Invoke-Captured { Get-EvalRun eval_s $runId -Project 'prøj' -MaxRetries 0 }

            Assert-RefusedSetting $result 'InvalidProject' '-Project' | Out-Null
        }

        It 'refuses a white-space OPENAI_BASE_URL instead of falling back to the real API' {
            $defaults = $global:PSDefaultParameterValues
            $saved = $defaults['*-EvalRun:BaseUri']
            $defaults.Remove('*-EvalRun:BaseUri')
            try {
                $result = Invoke-WithEnvironment @{ OPENAI_BASE_URL = '   ' } { Invoke-Captured { Get-EvalRun eval_s $runId -MaxRetries 0 -TimeoutSec 2 } }
            }
            finally { $defaults['*-EvalRun:BaseUri'] = $saved }

            Assert-RefusedSetting $result 'InvalidBaseUri' 'OPENAI_BASE_URL' | Out-Null
        }

        It 'refuses a white-space <Parameter> before any request' -TestCases @(
            @{ Parameter = 'run id'; Script = { Get-EvalRun eval_s ' ' } }
            @{ Parameter = 'eval id'; Script = { Remove-EvalRun "`t" $runId -Force } }
        ) {
            $result = Invoke-Captured $Script

            $all = @($result.AllErrors)
            $all | Should -HaveCount 1
            $all[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'D07 a base address with a query or fragment' {
        It 'refuses <Suffix> once, before any request, instead of one UnsafeId per run' -TestCases @(
            @{ Suffix = '?api-version=1' }
            @{ Suffix = '#top' }
        ) {
            $b = $fake.AddRun('eval_s', [NullString]::Value, 'queued', [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_s $runId, $b -BaseUri "$($fake.BaseUri)$Suffix" }

            Assert-RefusedSetting $result 'InvalidBaseUri' '-BaseUri' | Out-Null
        }
    }

    Context 'D08 paging edges' {
        It '-First 0 sends nothing and writes nothing' {
            $result = Invoke-Captured { Get-EvalRun eval_s -First 0 }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 0
        }

        It 'refuses <Paging> with -RunId instead of ignoring it' -TestCases @(
            @{ Paging = '-First'; Extra = @{ First = 1 } }
            @{ Paging = '-Skip'; Extra = @{ Skip = 1 } }
            @{ Paging = '-IncludeTotalCount'; Extra = @{ IncludeTotalCount = $true } }
        ) {
            $result = Invoke-Captured { Get-EvalRun eval_s $runId @Extra }

            $err = Assert-SingleError $result 'PagingWithRunId' InvalidArgument $Paging.TrimStart('-')
            $err.Exception.Message | Should -BeLike "*$Paging*"
            $result.Terminating | Should -Not -BeNullOrEmpty
            $fake.Requests | Should -HaveCount 0
        }

        It 'ends a listing whose cursor never advances with RepeatedListCursor' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::StuckPage('eval_stuck', 'evalrun_stuck'), 50, 'eval_stuck')

            $result = Invoke-Captured { Get-EvalRun eval_stuck }

            $err = Assert-SingleError $result 'RepeatedListCursor' InvalidResult 'eval_stuck'
            $err.Exception | Should -BeOfType ([EvalsPS.EvalsApiException])
            $err.Exception.Message | Should -BeLike '*evalrun_stuck*'
            $result.Output | Should -HaveCount 2 -Because 'the runs of each page received are written'
            $fake.Requests | Should -HaveCount 2
        }

        It 'ends a listing that says more runs follow but gives no cursor, saying so' {
            $page = '{"object":"list","data":[{"object":"eval.run","eval_id":"eval_nocursor","status":"completed"}],"has_more":true}'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, $page), 1, 'eval_nocursor')

            $result = Invoke-Captured { Get-EvalRun eval_nocursor }

            $err = Assert-SingleError $result 'RepeatedListCursor' InvalidResult 'eval_nocursor'
            $err.Exception.Message | Should -BeLike '*gave no cursor*'
            $result.Output | Should -HaveCount 1
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'D09 deleted: false' {
        It 'reports "deleted": false as a non-terminating EvalRunNotDeleted for that run only' {
            $a, $b = $fake.AddRuns('eval_nd', 2, 'completed')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::NotDeleted($a), 1, $a)

            $result = Invoke-Captured { Remove-EvalRun eval_nd $a, $b -Force -PassThru }

            $err = Assert-SingleError $result 'EvalRunNotDeleted' InvalidResult $a
            $result.Terminating | Should -BeNullOrEmpty
            $result.Output | Should -HaveCount 1
            $result.Output[0].RunId | Should -Be $b
        }
    }

    Context 'D10 oversized and hostile text' {
        It 'cuts a 2 MB server message in the error, keeping it whole in ApiMessage' {
            $huge = 'x' * 2MB
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(400, $huge, 'invalid_request_error', [NullString]::Value, [NullString]::Value), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_s $runId }

            $err = Assert-SingleError $result 'BadRequest' InvalidArgument $runId
            $err.Exception.Message.Length | Should -BeLessThan 2000
            $err.Exception.Message | Should -BeLike '*...*characters in all*'
            $err.ErrorDetails.Message.Length | Should -BeLessThan 2000
            $err.Exception.ApiMessage.Length | Should -Be $huge.Length
        }

        It 'cuts a 100,000-character id in the message; the target keeps it whole' {
            $long = 'r' * 100000

            $result = Invoke-Captured { Get-EvalRun eval_s $long -MaxRetries 0 }

            @($result.AllErrors) | Should -HaveCount 1
            $err = $result.AllErrors[0]
            $err.TargetObject | Should -Be $long
            $err.Exception.Message.Length | Should -BeLessThan 2000
        }

        It 'escapes terminal control sequences from the server in the error and under -Verbose' {
            $esc = [char]27
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(400, "bad ${esc}[2J${esc}]0;pwned${esc}\ input", "type${esc}[31m", "code${esc}[0m", "param`r`nX"), 1, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_s $runId @Diag }

            $err = Assert-SingleError $result 'BadRequest' InvalidArgument $runId
            $err.Exception.Message | Should -Not -Match '[\x00-\x1f\x7f]'
            $err.ErrorDetails.Message | Should -Not -Match '[\x00-\x1f\x7f]'
            $err.Exception.Message | Should -BeLike '*\u001b`[2J*'
            foreach ($line in $result.Verbose + $result.Debug) { $line | Should -Not -Match '\x1b' }
        }
    }

    Context 'D11 an exception a script can catch' {
        It 'is catchable by type, with StatusCode, RequestId, ErrorType, ErrorCode, Param and Attempts' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(400, 'Bad limit.', 'invalid_request_error', 'integer_below_min_value', 'limit'), 1, [NullString]::Value)

            $caught = $null
            try { Get-EvalRun eval_s $runId -ErrorAction Stop }
            catch [EvalsPS.EvalsApiException] { $caught = $_.Exception }

            $caught | Should -Not -BeNullOrEmpty
            $caught.StatusCode | Should -Be 400
            $caught.RequestId | Should -Be $fake.Requests[0].RequestId
            $caught.ErrorType | Should -Be 'invalid_request_error'
            $caught.ErrorCode | Should -Be 'integer_below_min_value'
            $caught.Param | Should -Be 'limit'
            $caught.ApiMessage | Should -Be 'Bad limit.'
            $caught.Attempts | Should -Be 1
        }

        It 'counts the attempts after retries' {
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Empty(503), 5, [NullString]::Value)

            $result = Invoke-Captured { Get-EvalRun eval_s $runId -MaxRetries 1 }

            $err = Assert-SingleError $result 'EmptyResponse' ConnectionError $runId
            $err.Exception | Should -BeOfType ([EvalsPS.EvalsApiException])
            $err.Exception.StatusCode | Should -Be 503
            $err.Exception.Attempts | Should -Be 2
        }

        It 'is public with get-only properties of base-library types only' {
            $type = [EvalsPS.EvalsApiException]
            $type.IsPublic | Should -BeTrue
            foreach ($property in $type.GetProperties([System.Reflection.BindingFlags]'Public, Instance, DeclaredOnly')) {
                $property.GetSetMethod() | Should -BeNullOrEmpty -Because "$($property.Name) is read-only to a script"
                $property.PropertyType.Assembly | Should -Be ([object].Assembly) -Because "$($property.Name) is a base-library type"
            }
            foreach ($name in 'StatusCode', 'RequestId', 'ErrorType', 'ErrorCode', 'Param', 'Attempts') {
                $type.GetProperty($name) | Should -Not -BeNullOrEmpty
            }
        }
    }

    Context 'D12 -InputObject takes arrays' {
        It 'Stop-EvalRun -InputObject (Get-EvalRun -First 3) cancels the three runs' {
            $ids = $fake.AddRuns('eval_array', 3, 'queued')

            $result = Invoke-Captured { Stop-EvalRun -InputObject (Get-EvalRun eval_array -First 3) -PassThru }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 3
            foreach ($id in $ids) { $fake.RunStatus('eval_array', $id) | Should -Be 'canceled' }
        }

        It 'Remove-EvalRun -InputObject takes an array too' {
            $ids = $fake.AddRuns('eval_array_rm', 2, 'completed')

            Remove-EvalRun -InputObject (Get-EvalRun eval_array_rm) -Force

            $fake.RunCount('eval_array_rm') | Should -Be 0
        }
    }

    Context 'D13 run ids piped by value' {
        It "'<Ids>' | Get-EvalRun -EvalId gets each run" -TestCases @(
            @{ Ids = 'one' }
            @{ Ids = 'two' }
        ) {
            $expected = @($fake.AddRuns('eval_byvalue', $(if ($Ids -eq 'one') { 1 } else { 2 }), 'completed'))

            $result = Invoke-Captured { $expected | Get-EvalRun -EvalId eval_byvalue }

            $result.AllErrors | Should -HaveCount 0
            @($result.Output.Id) | Should -Be $expected
        }

        It 'still lists the runs of an object with only an eval_id' {
            $null = $fake.AddRuns('eval_byname', 2, 'completed')

            $result = Invoke-Captured { [pscustomobject]@{ eval_id = 'eval_byname' } | Get-EvalRun }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 2
        }
    }
}
