#Requires -Version 5.1
# Wait-EvalRun against the loopback fake, whose runs take the next status of a set sequence at each GET, so waits
# are counted in polls rather than slept through. The fake's openai-poll-after-ms header asks for polls 20 ms apart;
# Wait-EvalRun polls a run at most once a second (its floor), so each further poll adds a second.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake

    function Add-MovingRun {
        <# A run that answers these statuses to its next GETs, the last one from then on. #>
        param([string] $EvalId, [string] $RunId, [string[]] $Statuses)
        $null = $fake.AddRun($EvalId, $RunId, 'queued', [NullString]::Value)
        $fake.SetStatusSequence($EvalId, $RunId, $Statuses)
    }
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Wait-EvalRun' {
    BeforeEach {
        Reset-TestFake $fake
        $fake.PollAfterMs = 20
    }

    Context 'runs that end' {
        It 'polls a run until it completes, then writes it once' {
            Add-MovingRun eval_wait evalrun_done 'queued', 'in_progress', 'completed'

            $result = Invoke-Captured { Wait-EvalRun -EvalId eval_wait -RunId evalrun_done }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 1
            $result.Output[0] | Should -BeOfType ([EvalsPS.EvalRun])
            $result.Output[0].Status | Should -Be 'completed'
            Get-RunPolls $fake evalrun_done | Should -HaveCount 3
            # The server's openai-poll-after-ms (20 ms) replaces the default 5 s interval.
            $result.Elapsed.TotalSeconds | Should -BeLessThan 4
        }

        It 'writes each run when it ends, in the order they end, not the order given' {
            Add-MovingRun eval_order evalrun_slow 'in_progress', 'in_progress', 'in_progress', 'completed'
            Add-MovingRun eval_order evalrun_fast 'in_progress', 'completed'

            $runs = @(Wait-EvalRun eval_order evalrun_slow, evalrun_fast)

            ($runs.Id -join ',') | Should -Be 'evalrun_fast,evalrun_slow'
            Get-RunPolls $fake evalrun_fast | Should -HaveCount 2
            Get-RunPolls $fake evalrun_slow | Should -HaveCount 4
        }

        It 'writes a failed run and a canceled run as runs, with the failure''s error, and no error record' {
            Add-MovingRun eval_ends evalrun_failed 'in_progress', 'failed'
            Add-MovingRun eval_ends evalrun_canceled 'canceled'

            $result = Invoke-Captured { Wait-EvalRun eval_ends evalrun_failed, evalrun_canceled }

            $result.AllErrors | Should -HaveCount 0
            ($result.Output.Id -join ',') | Should -Be 'evalrun_canceled,evalrun_failed'
            $failed = $result.Output[1]
            $failed.Status | Should -Be 'failed'
            $failed.Error.Code | Should -Be 'server_error'
        }

        It 'sends GET requests only' {
            Add-MovingRun eval_get evalrun_get 'in_progress', 'completed'

            $null = Wait-EvalRun eval_get evalrun_get

            @($fake.Requests | Where-Object Method -ne 'GET') | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 2
        }

        It 'reports a run that does not exist as EvalRunNotFound and waits for the others' {
            Add-MovingRun eval_gone evalrun_here 'in_progress', 'completed'

            $result = Invoke-Captured { Wait-EvalRun eval_gone evalrun_nowhere, evalrun_here }

            $result.Output.Id | Should -Be 'evalrun_here'
            $null = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target 'evalrun_nowhere'
            Get-RunPolls $fake evalrun_nowhere | Should -HaveCount 1
        }
    }

    Context 'from the pipeline' {
        It 'waits for the runs Get-EvalRun writes, and writes a run already over at once, without a request' {
            $null = $fake.AddRun('eval_pipe', 'evalrun_old', 'completed', [NullString]::Value)
            Add-MovingRun eval_pipe evalrun_p1 'in_progress', 'completed'
            Add-MovingRun eval_pipe evalrun_p2 'in_progress', 'in_progress', 'failed'

            $runs = @(Get-EvalRun -EvalId eval_pipe | Wait-EvalRun)

            ($runs.Id -join ',') | Should -Be 'evalrun_old,evalrun_p1,evalrun_p2'
            ($runs.Status -join ',') | Should -Be 'completed,completed,failed'
            Get-RunPolls $fake evalrun_old | Should -HaveCount 0
            Get-RunPolls $fake evalrun_p1 | Should -HaveCount 2
            Get-RunPolls $fake evalrun_p2 | Should -HaveCount 3
        }

        It 'takes an array of runs with -InputObject, and each run once' {
            Add-MovingRun eval_array evalrun_a1 'in_progress', 'completed'
            Add-MovingRun eval_array evalrun_a2 'completed'
            $runs = @(Get-EvalRun -EvalId eval_array)
            $fake.ClearRequests()

            $done = @(Wait-EvalRun -InputObject ($runs + $runs))

            ($done.Id | Sort-Object) -join ',' | Should -Be 'evalrun_a1,evalrun_a2'
            Get-RunPolls $fake evalrun_a1 | Should -HaveCount 2
            Get-RunPolls $fake evalrun_a2 | Should -HaveCount 1
        }

        It 'binds eval_id and run_id columns, as Import-Csv writes them' {
            Add-MovingRun eval_csv evalrun_c1 'completed'

            $run = [pscustomobject]@{ eval_id = 'eval_csv'; run_id = 'evalrun_c1' } | Wait-EvalRun

            $run.Id | Should -Be 'evalrun_c1'
        }
    }

    Context 'runs that never end' {
        It 'gives each unfinished run a WaitTimeout error after -Timeout, and writes the runs that ended' {
            Add-MovingRun eval_never evalrun_stuck 'in_progress'
            Add-MovingRun eval_never evalrun_quick 'in_progress', 'completed'
            $fake.PollAfterMs = 100

            $result = Invoke-Captured { Wait-EvalRun eval_never evalrun_stuck, evalrun_quick -Timeout 2 }

            $result.Output.Id | Should -Be 'evalrun_quick'
            $err = Assert-SingleError $result -ErrorId 'WaitTimeout' -Category OperationTimeout -Target 'evalrun_stuck'
            $err.FullyQualifiedErrorId | Should -Be 'WaitTimeout,EvalsPS.Commands.WaitEvalRunCommand'
            $err.ToString() | Should -BeLike "Run 'evalrun_stuck' of eval 'eval_never' did not finish within 2 s (-Timeout); its last status was 'in_progress'.*"
            $result.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
            $result.Elapsed.TotalSeconds | Should -BeLessThan 5
            # The server asks for 100 ms; the run is polled once a second, the floor, until the deadline.
            (Get-RunPolls $fake evalrun_stuck).Count | Should -BeIn 2, 3
            Assert-NoKey $result
        }

        It 'ends at -Timeout even when the next poll would come later' {
            Add-MovingRun eval_late evalrun_late 'in_progress'
            $fake.PollAfterMs = $null

            $result = Invoke-Captured { Wait-EvalRun eval_late evalrun_late -Timeout 1 -PollingIntervalSec 60 }

            $null = Assert-SingleError $result -ErrorId 'WaitTimeout' -Category OperationTimeout -Target 'evalrun_late'
            $result.Elapsed.TotalSeconds | Should -BeLessThan 4
            Get-RunPolls $fake evalrun_late | Should -HaveCount 1
        }

        It 'ends at -Timeout during a request that has not answered yet' {
            Add-MovingRun eval_slow evalrun_slowanswer 'in_progress'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([timespan]'0:0:30'), 1, 'evalrun_slowanswer')

            $result = Invoke-Captured { Wait-EvalRun eval_slow evalrun_slowanswer -Timeout 1 }

            $err = Assert-SingleError $result -ErrorId 'WaitTimeout' -Category OperationTimeout -Target 'evalrun_slowanswer'
            $err.ToString() | Should -BeLike '*no poll answered in time*'
            $result.Elapsed.TotalSeconds | Should -BeLessThan 4
        }
    }

    Context 'polling interval' {
        It 'polls every -PollingIntervalSec seconds when given, even when the server suggests less' {
            Add-MovingRun eval_interval evalrun_interval 'in_progress', 'completed'

            $null = Wait-EvalRun eval_interval evalrun_interval -PollingIntervalSec 1

            $requests = Get-RunPolls $fake evalrun_interval
            $requests | Should -HaveCount 2
            ($requests[1].ReceivedAtUtc - $requests[0].ReceivedAtUtc).TotalMilliseconds | Should -BeGreaterOrEqual 950
        }

        It 'waits what Retry-After asks after a 429, then goes on' {
            Add-MovingRun eval_429 evalrun_limited 'completed'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(429, 'Slow down', 'requests', 'rate_limit_exceeded').WithHeader('retry-after', '1'), 1, 'evalrun_limited')

            $result = Invoke-Captured { Wait-EvalRun eval_429 evalrun_limited -MaxRetries 0 -Verbose }

            $result.AllErrors | Should -HaveCount 0
            $result.Output.Status | Should -Be 'completed'
            $requests = Get-RunPolls $fake evalrun_limited
            $requests | Should -HaveCount 2
            ($requests[1].ReceivedAtUtc - $requests[0].ReceivedAtUtc).TotalMilliseconds | Should -BeGreaterOrEqual 950
            $result.Verbose | Where-Object { $_ -like 'Rate limited while waiting*' } | Should -HaveCount 1
        }

        It 'reports a 429 without Retry-After that outlasts the retries, and waits for the other runs' {
            Add-MovingRun eval_429b evalrun_blocked 'in_progress'
            Add-MovingRun eval_429b evalrun_free 'in_progress', 'completed'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(429, 'Quota exceeded', 'insufficient_quota', 'insufficient_quota'), 1, 'evalrun_blocked')

            $result = Invoke-Captured { Wait-EvalRun eval_429b evalrun_blocked, evalrun_free -MaxRetries 0 }

            $result.Output.Id | Should -Be 'evalrun_free'
            $null = Assert-SingleError $result -ErrorId 'RateLimitExceeded' -Category LimitsExceeded -Target 'evalrun_blocked'
            Get-RunPolls $fake evalrun_blocked | Should -HaveCount 1
        }
    }

    Context 'progress and Ctrl+C' {
        It 'shows each run''s status and counts under one activity, and completes every record at the end' {
            Add-MovingRun eval_progress evalrun_pr1 'in_progress', 'completed'
            Add-MovingRun eval_progress evalrun_pr2 'in_progress', 'in_progress', 'completed'
            $runspace = New-ModuleRunspace $fake
            try {
                $run = Invoke-InRunspace $runspace 'Wait-EvalRun eval_progress evalrun_pr1, evalrun_pr2'
                $progress = @($run.Shell.Streams.Progress)
                $run.Shell.Dispose()
            }
            finally {
                $runspace.Dispose()
            }

            $run.Output | Should -HaveCount 2
            $parent = @($progress | Where-Object { $_.ParentActivityId -eq -1 })
            $children = @($progress | Where-Object { $_.ParentActivityId -ne -1 })
            $parent[-1].RecordType | Should -Be 'Completed'
            $parent[-1].StatusDescription | Should -Be '2 of 2 finished'
            @($children | Where-Object { $_.StatusDescription -like 'in_progress: * passed, * failed, * errored of 10' }).Count | Should -BeGreaterOrEqual 3
            foreach ($id in $children.ActivityId | Sort-Object -Unique) {
                @($children | Where-Object ActivityId -eq $id)[-1].RecordType | Should -Be 'Completed'
            }
            ($children.ActivityId | Sort-Object -Unique) | Should -HaveCount 2
            $progress[-1].RecordType | Should -Be 'Completed'
        }

        It 'stops at once on Ctrl+C while it waits between polls, and polls no more' {
            Add-MovingRun eval_ctrlc evalrun_waiting 'in_progress'
            $fake.PollAfterMs = $null

            $elapsed = Invoke-CtrlCWhen -Fake $fake -Script 'Wait-EvalRun eval_ctrlc evalrun_waiting -PollingIntervalSec 60' -InFlight { @(Get-RunPolls $fake evalrun_waiting).Count -ge 1 }

            $elapsed.TotalSeconds | Should -BeLessThan 2
            Start-Sleep -Milliseconds 300
            Get-RunPolls $fake evalrun_waiting | Should -HaveCount 1
        }

        It 'stops at once on Ctrl+C during a poll that has not answered yet' {
            Add-MovingRun eval_ctrlc2 evalrun_hanging 'in_progress'
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([timespan]'0:0:30'), 1, 'evalrun_hanging')

            $elapsed = Invoke-CtrlCWhen -Fake $fake -Script 'Wait-EvalRun eval_ctrlc2 evalrun_hanging' -InFlight { @(Get-RunPolls $fake evalrun_hanging).Count -ge 1 }

            $elapsed.TotalSeconds | Should -BeLessThan 2
        }
    }

    Context 'help' {
        It 'explains -Timeout, the whole wait, against -TimeoutSec, one request' {
            $timeout = (Get-Help Wait-EvalRun -Parameter Timeout).description.Text -join ' '
            $timeoutSec = (Get-Help Wait-EvalRun -Parameter TimeoutSec).description.Text -join ' '

            $timeout | Should -BeLike '*whole wait*'
            $timeout | Should -BeLike '*-TimeoutSec*each single request*'
            $timeoutSec | Should -BeLike '*one request*'
        }
    }
}
