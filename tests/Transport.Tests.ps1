#Requires -Version 5.1
# The transport under failure, with faults scripted in the loopback fake. Every scenario runs with
# -Verbose -Debug, captures every stream, asserts that the key appears in none of them, and checks the
# outcome, how many requests the fake received and a bound on the time taken.
# The same scenarios as tests/EvalsPS.Tests/FaultInjectionTests.cs.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $runId = $fake.AddRun('eval_t', [NullString]::Value, 'queued', [NullString]::Value)

    # Get-EvalRun eval_t $runId -Verbose -Debug, plus $Extra parameters; every stream captured and the key
    # checked for. Where a request went out, the debug stream must show its (masked) Authorization header:
    # proof that the stream where the key would leak was captured.
    function Invoke-Scenario([hashtable] $Extra = @{}) {
        $result = Invoke-Captured { Get-EvalRun eval_t $runId @Diag @Extra }
        Assert-NoKey $result
        if ($fake.Requests.Count -gt 0) {
            @($result.Debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -Not -HaveCount 0
        }
        $result
    }

    # Asserts that the scenario got the run back, with no error.
    function Assert-Succeeded($Result) {
        @($Result.AllErrors) | Should -HaveCount 0 -Because "no error was expected, got: $($Result.AllErrors | Select-Object -First 1)"
        $Result.Output | Should -HaveCount 1
        $Result.Output[0].Id | Should -Be $runId
    }

    function New-Error([int] $Status, [string] $Message, [string] $Type = 'invalid_request_error') {
        [EvalsPS.FakeApi.FakeResponse]::Error($Status, $Message, $Type, [NullString]::Value, [NullString]::Value)
    }

    function Add-Fault($Response, [int] $Times = 1) {
        $fake.Enqueue($Response, $Times, [NullString]::Value)
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Transport under failure' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'retries and Retry-After' {
        It 'retries a 429 after the wait retry-after-ms asks for' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Error(429, 'Rate limit reached.', 'requests', 'rate_limit_exceeded', [NullString]::Value).WithHeader('retry-after-ms', '400'))

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            Get-RequestGap $fake 0 1 | Should -BeGreaterOrEqual 380
            Get-RequestGap $fake 0 1 | Should -BeLessOrEqual 1200
            @($result.Verbose | Where-Object { $_.StartsWith('Retrying GET ') -and $_.Contains('in 0.4 s after 429') -and $_.Contains('(retry 1 of 2)') }) |
                Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'retries a 429 after the seconds retry-after asks for' {
            Add-Fault ((New-Error 429 'Rate limit reached.').WithHeader('retry-after', '1'))

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            Get-RequestGap $fake 0 1 | Should -BeGreaterOrEqual 950
            Get-RequestGap $fake 0 1 | Should -BeLessOrEqual 1900
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'retries a 429 at the HTTP date retry-after names' {
            $when = [DateTimeOffset]::UtcNow.AddSeconds(2).ToString('r', [System.Globalization.CultureInfo]::InvariantCulture)
            Add-Fault ((New-Error 429 'Rate limit reached.').WithHeader('retry-after', $when))

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            # An HTTP date has whole seconds: the wait is between one and two seconds.
            Get-RequestGap $fake 0 1 | Should -BeGreaterOrEqual 900
            Get-RequestGap $fake 0 1 | Should -BeLessOrEqual 2600
            $result.Elapsed.TotalSeconds | Should -BeLessThan 6
        }

        It 'does not wait when retry-after asks for more than 120 seconds' {
            Add-Fault ((New-Error 429 'Rate limit reached.').WithHeader('retry-after', '600')) -Times 5

            $result = Invoke-Scenario

            $err = Assert-SingleError $result -ErrorId 'RateLimitExceeded' -Category LimitsExceeded -Target $runId
            $err.ToString() | Should -BeLike '*Rate limit reached.*'
            $fake.Requests | Should -HaveCount 1
            @($result.Verbose | Where-Object { $_.Contains('asked to wait 600 s') }) | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'retries a 503 twice with the default backoff, then succeeds' {
            Add-Fault (New-Error 503 'The server is overloaded.' 'server_error') -Times 2

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 3
            # Backoff: 0.5 s then 1 s, less up to 25 % jitter.
            Get-RequestGap $fake 0 1 | Should -BeGreaterOrEqual 360
            Get-RequestGap $fake 0 1 | Should -BeLessOrEqual 1200
            Get-RequestGap $fake 1 2 | Should -BeGreaterOrEqual 740
            Get-RequestGap $fake 1 2 | Should -BeLessOrEqual 1700
            @($result.Verbose | Where-Object { $_.StartsWith('Retrying GET ') }) | Should -HaveCount 2
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'gives one ServerError after the default retries when every answer is a 5xx' {
            Add-Fault ((New-Error 500 'Internal error.' 'server_error').WithHeader('retry-after-ms', '20')) -Times 100

            $result = Invoke-Scenario

            $err = Assert-SingleError $result -ErrorId 'ServerError' -Category ConnectionError -Target $runId
            $err.FullyQualifiedErrorId | Should -Be 'ServerError,EvalsPS.Commands.GetEvalRunCommand'
            $err.ToString() | Should -BeLike '*after 3 attempts*'
            $err.ToString() | Should -BeLike '*Internal error.*'
            $fake.Requests | Should -HaveCount 3
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'sends <Attempts> request(s) with -MaxRetries <MaxRetries> and the default backoff' -ForEach @(
            @{ MaxRetries = 0; Attempts = 1; MinimumSec = 0.0; BoundSec = 2 }
            @{ MaxRetries = 1; Attempts = 2; MinimumSec = 0.375; BoundSec = 3 }
            @{ MaxRetries = 3; Attempts = 4; MinimumSec = 2.625; BoundSec = 9 }
        ) {
            # MinimumSec: 0.5 s doubling, less the most jitter (25 %); BoundSec: twice the full backoff, plus 2 s.
            Add-Fault (New-Error 502 'Bad gateway.' 'server_error') -Times 100

            $result = Invoke-Scenario @{ MaxRetries = $MaxRetries }

            $null = Assert-SingleError $result -ErrorId 'ServerError' -Category ConnectionError -Target $runId
            $fake.Requests | Should -HaveCount $Attempts
            @($result.Verbose | Where-Object { $_.StartsWith('Retrying ') }) | Should -HaveCount $MaxRetries
            $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual ($MinimumSec * 0.95)
            $result.Elapsed.TotalSeconds | Should -BeLessThan $BoundSec
        }

        It 'does not retry when x-should-retry is false' {
            Add-Fault ((New-Error 503 'Unavailable.').WithHeader('x-should-retry', 'false')) -Times 5

            $result = Invoke-Scenario

            $null = Assert-SingleError $result -ErrorId 'ServerError' -Category ConnectionError -Target $runId
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'retries even a 400 when x-should-retry is true' {
            Add-Fault ((New-Error 400 'Try again.').WithHeader('x-should-retry', 'true').WithHeader('retry-after-ms', '10'))

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'retries a 409, then reports Conflict' {
            Add-Fault ((New-Error 409 'Busy.').WithHeader('retry-after-ms', '10')) -Times 10

            $result = Invoke-Scenario

            $null = Assert-SingleError $result -ErrorId 'Conflict' -Category ResourceBusy -Target $runId
            $fake.Requests | Should -HaveCount 3
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'stops at once when stopped (Ctrl+C) during a retry wait' {
            Add-Fault ((New-Error 429 'Rate limit reached.').WithHeader('retry-after', '60')) -Times 5
            # Stop once the 429 is answered and the client is into its 60 s wait.
            $stopping = Invoke-CtrlCWhen $fake "Get-EvalRun eval_t $runId" {
                $fake.Requests.Count -eq 1 -and $fake.Requests[0].ResponseStatus -eq 429 -and
                ([DateTime]::UtcNow - $fake.Requests[0].ReceivedAtUtc).TotalMilliseconds -gt 300
            }

            $stopping.TotalSeconds | Should -BeLessThan 2
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'answers that are not the API''s JSON' {
        It 'reports an HTML 502 from a proxy as HtmlResponse' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Html(502)) -Times 5

            $result = Invoke-Scenario @{ MaxRetries = 0 }

            $err = Assert-SingleError $result -ErrorId 'HtmlResponse' -Category ConnectionError -Target $runId
            $err.ToString() | Should -BeLike "*HTML page instead of the API's JSON*"
            $err.ToString() | Should -BeLike '*HTTP 502*'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports an empty 500 as EmptyResponse' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Empty(500)) -Times 5

            $result = Invoke-Scenario @{ MaxRetries = 0 }

            $err = Assert-SingleError $result -ErrorId 'EmptyResponse' -Category ConnectionError -Target $runId
            $err.ToString() | Should -BeLike '*empty body*'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports truncated JSON in a 200 as InvalidJsonResponse, without retrying' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::TruncatedJson()) -Times 5

            $result = Invoke-Scenario

            $err = Assert-SingleError $result -ErrorId 'InvalidJsonResponse' -Category InvalidResult -Target $runId
            $err.ToString() | Should -BeLike '*not well-formed JSON*'
            $err.ToString() | Should -Not -BeLike '*transit*'
            $err.Exception.InnerException | Should -Not -BeOfType ([System.NullReferenceException])
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }
    }

    Context 'timeouts and broken connections' {
        It 'reports an answer slower than -TimeoutSec as RequestTimedOut, not a hang' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromSeconds(20))) -Times 5

            $result = Invoke-Scenario @{ TimeoutSec = 1; MaxRetries = 0 }

            $err = Assert-SingleError $result -ErrorId 'RequestTimedOut' -Category OperationTimeout -Target $runId
            $err.ToString() | Should -BeLike '*timed out*'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
            $result.Elapsed.TotalSeconds | Should -BeLessThan 4
        }

        It 'retries a timeout' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromSeconds(20)))

            $result = Invoke-Scenario @{ TimeoutSec = 1 }

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        }

        It 'reports a connection reset before the answer as ConnectionFailed' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Reset()) -Times 5

            $result = Invoke-Scenario @{ MaxRetries = 0 }

            $err = Assert-SingleError $result -ErrorId 'ConnectionFailed' -Category ConnectionError -Target $runId
            $err.ToString() | Should -BeLike '*connection*'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'retries a reset once' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Reset())

            $result = Invoke-Scenario

            Assert-Succeeded $result
            $fake.Requests | Should -HaveCount 2
            $result.Elapsed.TotalSeconds | Should -BeLessThan 4
        }
    }

    Context 'errors that are not retried' {
        It 'reports a wrong key as AuthenticationFailed, showing neither key' {
            $wrongKey = 'sk-wrong-0123456789abcdef0123456789abcdef'

            $result = Invoke-Scenario @{ ApiKey = $wrongKey }

            $err = Assert-SingleError $result -ErrorId 'AuthenticationFailed' -Category AuthenticationError -Target $runId
            $err.ToString() | Should -BeLike '*Incorrect API key provided.*'
            Assert-NoKey $result -Secret $wrongKey
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports a 403 as PermissionDenied with the API error code' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Error(403, 'You are not allowed to sample from this model.', 'invalid_request_error', 'model_not_allowed', [NullString]::Value))

            $result = Invoke-Scenario

            $err = Assert-SingleError $result -ErrorId 'PermissionDenied' -Category PermissionDenied -Target $runId
            $err.ToString() | Should -BeLike '*You are not allowed to sample from this model.*'
            $err.ToString() | Should -BeLike '*code model_not_allowed*'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports a 404 as EvalRunNotFound' {
            $result = Invoke-Captured { Get-EvalRun eval_t evalrun_nope @Diag }

            Assert-NoKey $result
            @($result.Debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -HaveCount 1
            $null = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target 'evalrun_nope'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports a 400 as BadRequest naming the param' {
            Add-Fault ([EvalsPS.FakeApi.FakeResponse]::Error(400, 'Invalid value for limit.', 'invalid_request_error', [NullString]::Value, 'limit'))

            $result = Invoke-Scenario

            $err = Assert-SingleError $result -ErrorId 'BadRequest' -Category InvalidArgument -Target $runId
            $err.ToString() | Should -BeLike '*Invalid value for limit.*'
            $err.ToString() | Should -BeLike '*param limit*'
            $err.ToString() | Should -Not -BeLike '*code *'
            $fake.Requests | Should -HaveCount 1
            $result.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'reports a 422 as UnprocessableEntity' {
            Add-Fault (New-Error 422 'Unprocessable.')

            $result = Invoke-Scenario

            $null = Assert-SingleError $result -ErrorId 'UnprocessableEntity' -Category InvalidArgument -Target $runId
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'a bulk remove where some inputs fail' {
        It 'accounts for every input, in input order' {
            $ids = @($fake.AddRuns('eval_bulk', 4, 'completed'))
            $fake.Enqueue((New-Error 500 'Internal error.').WithHeader('retry-after-ms', '10'), 100, $ids[2])
            $inputs = @($ids[0], 'evalrun_gone_a', $ids[1], $ids[2], 'evalrun_gone_b', $ids[3])

            $result = Invoke-Captured { Remove-EvalRun eval_bulk $inputs -Force -PassThru @Diag }

            Assert-NoKey $result
            @($result.Debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -HaveCount 8
            $result.Terminating | Should -BeNullOrEmpty
            (@($result.Output | ForEach-Object RunId) -join ',') | Should -Be (@($ids[0], $ids[1], $ids[3]) -join ',')
            (@($result.Errors | ForEach-Object TargetObject) -join ',') | Should -Be (@('evalrun_gone_a', $ids[2], 'evalrun_gone_b') -join ',')
            (@($result.Errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) -join ',') | Should -Be 'EvalRunNotFound,ServerError,EvalRunNotFound'
            # Six inputs, and two retries of the failing one.
            $fake.Requests | Should -HaveCount 8
            $fake.RunCount('eval_bulk') | Should -Be 1
            $fake.RunStatus('eval_bulk', $ids[2]) | Should -Not -BeNullOrEmpty
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
    }

    Context 'addresses that are refused before anything is sent' {
        It 'refuses plain http to another host before sending the key' {
            # .invalid never resolves (RFC 2606): nothing could be sent even if the refusal failed.
            $result = Invoke-Scenario @{ BaseUri = 'http://api.example.invalid/v1' }

            $result.AllErrors | Should -HaveCount 1
            $err = $result.AllErrors[0]
            $err.FullyQualifiedErrorId | Should -Be 'UnencryptedAuthenticationRefused,EvalsPS.Commands.GetEvalRunCommand'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $err.ToString() | Should -BeLike '*-AllowUnencryptedAuthentication*'
        }

        It 'refuses a base URI that is not http or https' {
            $result = Invoke-Scenario @{ BaseUri = 'ftp://127.0.0.1/v1' }

            $result.AllErrors | Should -HaveCount 1
            $result.AllErrors[0].FullyQualifiedErrorId | Should -Be 'InvalidBaseUri,EvalsPS.Commands.GetEvalRunCommand'
            $fake.Requests | Should -HaveCount 0
        }
    }
}
