#Requires -Version 5.1
# Wait-EvalRun against a hostile server: no number it sends (openai-poll-after-ms, Retry-After, retry-after-ms on a
# 429) and no -Timeout makes it throw, poll more than once a second, or wait past the deadline. Every wait here runs in
# a runspace of its own with a bound: a wait that hangs is stopped and fails its test, naming it.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $runspace = New-ModuleRunspace $fake

    function Invoke-Bounded {
        <#
            Runs $Script in the test runspace; fails the test if it has not ended within $BoundSec (then stops it).
            Returns its Output, Errors, Verbose and Progress records, whether it threw (Terminating), and Elapsed.
        #>
        param([Parameter(Mandatory)] [string] $Script, [double] $BoundSec = 15)
        $shell = [powershell]::Create()
        $shell.Runspace = $runspace
        $null = $shell.AddScript($Script)
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $async = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        try {
            Wait-Bounded -Shell $shell -Async $async -BoundSec $BoundSec -Message "'$Script' did not end within $BoundSec s."
            $terminating = $null
            try { $null = $shell.EndInvoke($async) } catch { $terminating = $_ }
            $clock.Stop()
            [pscustomobject]@{
                Output      = @($output)
                Errors      = @($shell.Streams.Error)
                Verbose     = @($shell.Streams.Verbose | ForEach-Object Message)
                Progress    = @($shell.Streams.Progress)
                Terminating = $terminating
                Elapsed     = $clock.Elapsed
            }
        }
        finally {
            if ($async.IsCompleted) { $shell.Dispose() }
        }
    }

    function New-StuckRun {
        <# A new run (its id is returned) that stays in_progress; the fake sends no openai-poll-after-ms of its own. #>
        param([string] $EvalId, [string] $Name)
        $script:runNumber++
        $runId = "evalrun_hostile_$script:runNumber"
        $null = $fake.AddRun($EvalId, $runId, 'in_progress', $(if ($Name) { $Name } else { [NullString]::Value }))
        $runId
    }
}

AfterAll {
    if ($runspace) { $runspace.Dispose() }
    Stop-TestFake $fake
}

Describe 'Wait-EvalRun takes no number from the server on trust' {
    BeforeEach {
        Reset-TestFake $fake
        $fake.PollAfterMs = $null
    }

    It 'polls at most once a second when openai-poll-after-ms is <Value>, and ends at -Timeout with WaitTimeout' -ForEach @(
        @{ Value = '0' }
        @{ Value = '-5' }
        @{ Value = '1' }
        @{ Value = '1e12' }
        @{ Value = '1e300' }
        @{ Value = 'Infinity' }
        @{ Value = 'NaN' }
        @{ Value = 'soon' }
        @{ Value = '10000000000' }
    ) {
        $runId = New-StuckRun eval_pollafter
        $fake.AnswerPollsWith($runId, 'openai-poll-after-ms', $Value)

        $result = Invoke-Bounded "Wait-EvalRun eval_pollafter $runId -Timeout 3 -PollingIntervalSec 1"

        $result.Terminating | Should -BeNullOrEmpty
        $result.Errors | Should -HaveCount 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,EvalsPS.Commands.WaitEvalRunCommand'
        $result.Errors[0].ToString() | Should -BeLike "*its last status was 'in_progress'*"
        # Polls at 0, 1, 2 and perhaps 3 s; today's bug made 15,606 in 3 s.
        (Get-RunPolls $fake $runId).Count | Should -BeIn 1, 2, 3, 4
        $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2.9
        $result.Elapsed.TotalSeconds | Should -BeLessThan 6
    }

    It 'keeps the 1 s floor when the server asks for 0 ms and no -PollingIntervalSec is given' {
        $runId = New-StuckRun eval_zero
        $fake.AnswerPollsWith($runId, 'openai-poll-after-ms', '0')

        $result = Invoke-Bounded "Wait-EvalRun eval_zero $runId -Timeout 3"

        $result.Errors.FullyQualifiedErrorId | Should -Be 'WaitTimeout,EvalsPS.Commands.WaitEvalRunCommand'
        $polls = @(Get-RunPolls $fake $runId)
        $polls.Count | Should -BeIn 3, 4
        for ($i = 1; $i -lt $polls.Count; $i++) {
            ($polls[$i].ReceivedAtUtc - $polls[$i - 1].ReceivedAtUtc).TotalMilliseconds | Should -BeGreaterOrEqual 950
        }
    }

    It 'handles a 429 whose <Header> is <Value> without an exception, and polls at most once a second' -ForEach @(
        @{ Header = 'retry-after'; Value = '0'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after'; Value = '1e12'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after'; Value = '1e300'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after'; Value = 'Infinity'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after'; Value = '10000000'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after-ms'; Value = '0'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after-ms'; Value = '1e300'; ErrorId = 'WaitTimeout' }
        @{ Header = 'retry-after'; Value = '-1'; ErrorId = 'RateLimitExceeded' }
        @{ Header = 'retry-after'; Value = 'NaN'; ErrorId = 'RateLimitExceeded' }
        @{ Header = 'retry-after'; Value = 'soon'; ErrorId = 'RateLimitExceeded' }
        @{ Header = 'retry-after-ms'; Value = '-Infinity'; ErrorId = 'RateLimitExceeded' }
    ) {
        $runId = New-StuckRun eval_limited
        $fake.RateLimitPollsWith($runId, $Header, $Value)

        $result = Invoke-Bounded "Wait-EvalRun eval_limited $runId -Timeout 3 -MaxRetries 0"

        # A wait the server names is kept (at least 1 s, at most 120 s) and cut at -Timeout; one it does not name
        # makes the 429 the run's error.
        $result.Terminating | Should -BeNullOrEmpty
        $result.Errors | Should -HaveCount 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,EvalsPS.Commands.WaitEvalRunCommand"
        (Get-RunPolls $fake $runId).Count | Should -BeIn 1, 2, 3, 4
        $result.Elapsed.TotalSeconds | Should -BeLessThan 6
    }

    It 'ends at -Timeout when the retries of a poll would wait past it' {
        $runId = New-StuckRun eval_retrylate
        # Each 503 asks for 100 s; the request's own retries would wait it out, the deadline does not.
        $fake.Enqueue(([EvalsPS.FakeApi.FakeResponse]::Error(503, 'Busy.', 'server_error')).WithHeader('retry-after', '100'), 10, $runId)

        $result = Invoke-Bounded "Wait-EvalRun eval_retrylate $runId -Timeout 2"

        $result.Errors.FullyQualifiedErrorId | Should -Be 'WaitTimeout,EvalsPS.Commands.WaitEvalRunCommand'
        $result.Errors[0].ToString() | Should -BeLike '*no poll answered in time*'
        $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $result.Elapsed.TotalSeconds | Should -BeLessThan 5
        Get-RunPolls $fake $runId | Should -HaveCount 1
    }

    It 'shows the run''s name in progress with its control characters made visible' {
        $esc = [char]27
        $runId = New-StuckRun eval_progname "evil${esc}]0;pwned$([char]7) name"
        $fake.SetStatusSequence('eval_progname', $runId, @('in_progress', 'completed'))

        $result = Invoke-Bounded "Wait-EvalRun eval_progname $runId"

        $result.Output | Should -HaveCount 1
        $result.Output[0].Name | Should -BeExactly "evil${esc}]0;pwned$([char]7) name"
        $activities = @($result.Progress | Where-Object ParentActivityId -ne -1 | ForEach-Object Activity)
        $activities | Should -Not -BeNullOrEmpty
        foreach ($activity in $activities) {
            $activity | Should -Not -Match '[\x00-\x1f\x7f-\x9f]'
        }
        $activities -join "`n" | Should -BeLike '*evil\u001b]0;pwned\u0007 name*'
    }
}

Describe 'Wait-EvalRun -Timeout' {
    BeforeEach {
        Reset-TestFake $fake
        $fake.PollAfterMs = $null
    }

    It 'refuses -Timeout <Value> with a parameter error, before any request' -ForEach @(
        @{ Value = '2592001'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Value = '-2'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Value = '4294968'; ErrorId = 'ParameterArgumentValidationError' }
        @{ Value = '1e12'; ErrorId = 'CannotConvertArgumentNoMessage' }
        @{ Value = "'Infinity'"; ErrorId = 'CannotConvertArgumentNoMessage' }
        @{ Value = "'NaN'"; ErrorId = 'CannotConvertArgumentNoMessage' }
    ) {
        $result = Invoke-Bounded "Wait-EvalRun eval_t evalrun_t -Timeout $Value" -BoundSec 10

        $result.Output | Should -HaveCount 0
        $result.Errors | Should -HaveCount 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,EvalsPS.Commands.WaitEvalRunCommand"
        $fake.Requests | Should -HaveCount 0
    }

    It 'takes the largest -Timeout, 30 days, and returns as soon as the run has ended' {
        $runId = New-StuckRun eval_long
        $fake.SetStatusSequence('eval_long', $runId, @('completed'))

        $result = Invoke-Bounded "Wait-EvalRun eval_long $runId -Timeout 2592000"

        $result.Errors | Should -HaveCount 0
        $result.Output.Id | Should -Be $runId
    }

    It 'checks each run once with -Timeout 0 and reports those not ended, as Wait-Job -Timeout 0 does' {
        $done = New-StuckRun eval_once
        $fake.SetStatusSequence('eval_once', $done, @('completed'))
        $busy = New-StuckRun eval_once
        # The answer takes a second: -Timeout 0 still waits for it.
        $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([TimeSpan]::FromSeconds(1)), 1, $busy)

        $result = Invoke-Bounded "Wait-EvalRun eval_once $done, $busy -Timeout 0"

        $result.Output.Id | Should -Be $done
        $result.Errors | Should -HaveCount 1
        $result.Errors[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,EvalsPS.Commands.WaitEvalRunCommand'
        $result.Errors[0].TargetObject | Should -Be $busy
        $result.Errors[0].ToString() | Should -BeLike "*within 0 s (-Timeout); its last status was 'in_progress'*"
        Get-RunPolls $fake $done | Should -HaveCount 1
        Get-RunPolls $fake $busy | Should -HaveCount 1
        $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $result.Elapsed.TotalSeconds | Should -BeLessThan 4
    }
}
