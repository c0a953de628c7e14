#Requires -Version 5.1
# Stop-EvalRun and Remove-EvalRun against the loopback fake: pipeline binding, ShouldProcess, throttling,
# one result or one error per input in input order. Prompts are seen in a runspace without a user interface,
# where prompting fails with HostFunctionNotImplemented instead of waiting, and answered by a scripted host.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Stop-EvalRun and Remove-EvalRun' {
    BeforeEach {
        Reset-TestFake $fake
    }

    Context 'Stop-EvalRun' {
        It 'cancels every queued run piped from a listing, writing nothing without -PassThru' {
            $queued = @($fake.AddRuns('eval_pipe', 4, 'queued'))
            $null = $fake.AddRuns('eval_pipe', 3, 'completed')

            $result = Invoke-Captured { Get-EvalRun -EvalId eval_pipe -Status queued | Stop-EvalRun -Force }

            $result.AllErrors | Should -HaveCount 0
            $result.Output | Should -HaveCount 0
            foreach ($id in $queued) { $fake.RunStatus('eval_pipe', $id) | Should -Be 'canceled' }
            $posts = @($fake.Requests | Where-Object Method -EQ 'POST' | ForEach-Object RawPath | Sort-Object)
            ($posts -join "`n") | Should -Be ((@($queued | ForEach-Object { "/v1/evals/eval_pipe/runs/$_" } | Sort-Object)) -join "`n")
        }

        It 'writes the canceled run with -PassThru' {
            $id = $fake.AddRun('eval_passthru', [NullString]::Value, 'in_progress', [NullString]::Value)

            $runs = @(Stop-EvalRun eval_passthru $id -PassThru)

            $runs | Should -HaveCount 1
            $runs[0] | Should -BeOfType ([EvalsPS.EvalRun])
            $runs[0].Status | Should -Be 'canceled'
            $runs[0].Id | Should -Be $id
        }

        It 'cancels several runs given as positional ids, without asking (ConfirmImpact Medium)' {
            $a = $fake.AddRun('eval_positional', [NullString]::Value, 'queued', [NullString]::Value)
            $b = $fake.AddRun('eval_positional', [NullString]::Value, 'queued', [NullString]::Value)

            Stop-EvalRun eval_positional $a, $b

            # Both go out at once (ThrottleLimit 8), so they may arrive in either order.
            (@(Get-RequestLine $fake | Sort-Object) -join "`n") |
                Should -Be ((@("POST /v1/evals/eval_positional/runs/$a", "POST /v1/evals/eval_positional/runs/$b") | Sort-Object) -join "`n")
            $fake.RunStatus('eval_positional', $a) | Should -Be 'canceled'
            $fake.RunStatus('eval_positional', $b) | Should -Be 'canceled'
        }

        It 'reports a run that can no longer be canceled as InvalidOperation with the API message' {
            $id = $fake.AddRun('eval_over', [NullString]::Value, 'completed', [NullString]::Value)

            $result = Invoke-Captured { Stop-EvalRun eval_over $id }

            $err = Assert-SingleError $result -ErrorId 'EvalRunNotCancelable' -Category InvalidOperation -Target $id
            $err.FullyQualifiedErrorId | Should -Be 'EvalRunNotCancelable,EvalsPS.Commands.StopEvalRunCommand'
            $err.ToString() | Should -BeLike "*Cannot cancel run '$id': its status is 'completed'.*"
            $fake.Requests | Should -HaveCount 1
        }

        It 'gives 90 results and 10 errors, in input order, for 100 inputs with 10 missing' {
            $existing = @($fake.AddRuns('eval_bulk', 90, 'queued'))
            $missing = @(1..10 | ForEach-Object { 'evalrun_gone_{0:00}' -f $_ })
            $inputs = [System.Collections.Generic.List[string]]::new([string[]]$existing)
            for ($i = 0; $i -lt $missing.Count; $i++) { $inputs.Insert($i * 10 + 3, $missing[$i]) }

            $result = Invoke-Captured {
                $inputs | ForEach-Object { [pscustomobject]@{ EvalId = 'eval_bulk'; RunId = $_ } } | Stop-EvalRun -PassThru
            }

            $result.Terminating | Should -BeNullOrEmpty
            (@($result.Output | ForEach-Object Id) -join ',') | Should -Be ($existing -join ',')
            (@($result.Errors | ForEach-Object TargetObject) -join ',') | Should -Be ($missing -join ',')
            foreach ($err in $result.Errors) {
                $err.FullyQualifiedErrorId | Should -Be 'EvalRunNotFound,EvalsPS.Commands.StopEvalRunCommand'
                $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            }
            $fake.Requests | Should -HaveCount 100
            @($fake.Requests | ForEach-Object RawPath | Select-Object -Unique) | Should -HaveCount 100
        }

        It 'keeps at most -ThrottleLimit 4 requests in flight' {
            $ids = @($fake.AddRuns('eval_throttle', 12, 'queued'))
            $fake.Latency = [TimeSpan]::FromMilliseconds(300)

            Stop-EvalRun eval_throttle $ids -ThrottleLimit 4

            $arrivals = @($fake.Requests | ForEach-Object ReceivedAtUtc | Sort-Object)
            $arrivals | Should -HaveCount 12
            # Four start together; the fifth only once one of them has answered.
            ($arrivals[3] - $arrivals[0]).TotalMilliseconds | Should -BeLessThan 200
            ($arrivals[4] - $arrivals[0]).TotalMilliseconds | Should -BeGreaterOrEqual 250
        }

        It 'sends one request at a time with -ThrottleLimit 1' {
            $ids = @($fake.AddRuns('eval_serial', 3, 'queued'))
            $fake.Latency = [TimeSpan]::FromMilliseconds(150)

            Stop-EvalRun eval_serial $ids -ThrottleLimit 1

            $arrivals = @($fake.Requests | ForEach-Object ReceivedAtUtc)
            $arrivals | Should -HaveCount 3
            ($arrivals[1] - $arrivals[0]).TotalMilliseconds | Should -BeGreaterOrEqual 140
            ($arrivals[2] - $arrivals[1]).TotalMilliseconds | Should -BeGreaterOrEqual 140
        }

        It 'refuses -ThrottleLimit <Limit>, outside 1 to 64, before any request' -ForEach @(
            @{ Limit = 0 }
            @{ Limit = 65 }
        ) {
            { Stop-EvalRun eval_1 r1 -ThrottleLimit $Limit } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,EvalsPS.Commands.StopEvalRunCommand'
            $fake.Requests | Should -HaveCount 0
        }

        It 'writes progress that counts the work and completes' {
            $ids = @($fake.AddRuns('eval_progress', 10, 'queued'))
            $runspace = New-ModuleRunspace $fake
            try {
                $run = Invoke-InRunspace $runspace 'Stop-EvalRun eval_progress $ids' -Variables @{ ids = [string[]]$ids }

                $run.Shell.HadErrors | Should -BeFalse
                $progress = @($run.Shell.Streams.Progress)
                $progress | Should -Not -HaveCount 0
                $progress[-1].RecordType | Should -Be 'Completed'
                $progress[-1].StatusDescription | Should -BeLike '*10 done*'
                $fake.Requests | Should -HaveCount 10
            }
            finally {
                if ($run) { $run.Shell.Dispose() }
                $runspace.Dispose()
            }
        }

        It 'cancels the requests in flight when stopped (Ctrl+C) and starts none after' {
            $ids = @($fake.AddRuns('eval_ctrlc', 40, 'queued'))
            $fake.Latency = [TimeSpan]::FromSeconds(20)
            try {
                $stopping = Invoke-CtrlCWhen $fake '$ids | ForEach-Object { [pscustomobject]@{ EvalId = ''eval_ctrlc''; RunId = $_ } } | Stop-EvalRun -ThrottleLimit 4' `
                    { $fake.Requests.Count -ge 4 } -Variables @{ ids = [string[]]$ids }

                $stopping.TotalSeconds | Should -BeLessThan 5
                Start-Sleep -Milliseconds 200
                $fake.Requests | Should -HaveCount 4
                foreach ($id in $ids) { $fake.RunStatus('eval_ctrlc', $id) | Should -Be 'queued' }
            }
            finally {
                $fake.Latency = [TimeSpan]::Zero
            }
        }
    }

    Context 'Remove-EvalRun' {
        It 'deletes CSV rows with -Force and writes EvalRunDeletion objects with -PassThru' {
            $ids = @($fake.AddRuns('eval_rows', 2, 'completed'))
            $rows = @($ids | ForEach-Object { [pscustomobject]@{ eval_id = 'eval_rows'; run_id = $_ } })

            $deletions = @($rows | Remove-EvalRun -Force -PassThru)

            ($deletions.RunId -join ',') | Should -Be ($ids -join ',')
            foreach ($deletion in $deletions) {
                $deletion | Should -BeOfType ([EvalsPS.EvalRunDeletion])
                $deletion.EvalId | Should -Be 'eval_rows'
                $deletion.Deleted | Should -BeTrue
            }
            $fake.RunCount('eval_rows') | Should -Be 0
            @($fake.Requests | Where-Object Method -EQ 'DELETE') | Should -HaveCount 2
        }

        It 'deletes piped runs with -Confirm:$false' {
            $ids = @($fake.AddRuns('eval_piped_remove', 3, 'completed'))
            $runs = @(Get-EvalRun -EvalId eval_piped_remove)
            $fake.ClearRequests()

            $runs | Remove-EvalRun -Confirm:$false

            $fake.RunCount('eval_piped_remove') | Should -Be 0
            (@(Get-RequestLine $fake | Sort-Object) -join "`n") |
                Should -Be ((@($ids | ForEach-Object { "DELETE /v1/evals/eval_piped_remove/runs/$_" } | Sort-Object)) -join "`n")
        }

        It 'shows deletions as a table of their own' {
            $id = $fake.AddRun('eval_deletion_table', [NullString]::Value, 'completed', [NullString]::Value)

            $text = (Remove-EvalRun eval_deletion_table $id -Force -PassThru | Out-String -Width 200) -replace "$([char]27)\[[0-9;]*m", ''

            $text | Should -Match 'EvalId\s+RunId\s+Deleted'
            $text | Should -Match "eval_deletion_table\s+$id\s+True"
        }

        It 'reports deleting a missing run as ObjectNotFound' {
            $result = Invoke-Captured { Remove-EvalRun eval_rows evalrun_gone -Force }

            $err = Assert-SingleError $result -ErrorId 'EvalRunNotFound' -Category ObjectNotFound -Target 'evalrun_gone'
            $err.FullyQualifiedErrorId | Should -Be 'EvalRunNotFound,EvalsPS.Commands.RemoveEvalRunCommand'
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'confirmation' {
        It 'declares ConfirmImpact <Impact> and SupportsShouldProcess on <Name>' -ForEach @(
            @{ Name = 'Remove-EvalRun'; Impact = 'High' }
            @{ Name = 'Stop-EvalRun'; Impact = 'Medium' }
        ) {
            $attribute = (Get-Command $Name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)
            $attribute | Should -HaveCount 1
            $attribute[0].ConfirmImpact | Should -Be $Impact
            $attribute[0].SupportsShouldProcess | Should -BeTrue
            (Get-Command $Name).Parameters.Keys | Should -Contain 'WhatIf'
            (Get-Command $Name).Parameters.Keys | Should -Contain 'Confirm'
        }

        It 'sends no request when $WhatIfPreference is on, even with -Force' {
            $id = $fake.AddRun('eval_whatifpref', [NullString]::Value, 'queued', [NullString]::Value)
            $WhatIfPreference = $true

            Remove-EvalRun eval_whatifpref $id -Force
            Stop-EvalRun eval_whatifpref $id -Force

            $WhatIfPreference = $false
            $fake.Requests | Should -HaveCount 0
            $fake.RunStatus('eval_whatifpref', $id) | Should -Be 'queued'
        }

        It 'still sends with -Confirm:$false when $ConfirmPreference is Low' {
            $id = $fake.AddRun('eval_confirmpref', [NullString]::Value, 'queued', [NullString]::Value)
            $ConfirmPreference = 'Low'

            $stopped = Stop-EvalRun eval_confirmpref $id -Confirm:$false -PassThru
            $deleted = Remove-EvalRun eval_confirmpref $id -Confirm:$false -PassThru

            $ConfirmPreference = 'High'
            $stopped.Status | Should -Be 'canceled'
            $deleted.Deleted | Should -BeTrue
            (@(Get-RequestLine $fake) -join "`n") | Should -Be "POST /v1/evals/eval_confirmpref/runs/$id`nDELETE /v1/evals/eval_confirmpref/runs/$id"
        }

        Context 'with a user who answers' {
            BeforeEach {
                $user = New-ScriptedHost
                $runspace = New-ModuleRunspace $fake -PSHost $user
            }

            AfterEach {
                $runspace.Dispose()
            }

            It 'names each target under -WhatIf, even with -Force, and sends nothing' {
                $null = $fake.AddRuns('eval_whatif_text', 3, 'queued')

                $run = Invoke-InRunspace $runspace '$runs = Get-EvalRun -EvalId eval_whatif_text; $runs | Remove-EvalRun -WhatIf; $runs | Stop-EvalRun -WhatIf; $runs | Remove-EvalRun -Force -WhatIf'
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $expected = foreach ($operation in 'Delete', 'Cancel', 'Delete') {
                        foreach ($n in 3, 2, 1) { "What if: Performing the operation `"$operation eval run`" on target `"run 'evalrun_000$n' ('Fake run $n') of eval 'eval_whatif_text'`"." }
                    }
                    (@($user.Text -split '\n' | Where-Object { $_.StartsWith('What if: ') }) -join "`n") | Should -BeExactly ($expected -join "`n")
                    (Get-RequestLine $fake) | Should -Be 'GET /v1/evals/eval_whatif_text/runs?limit=100&order=desc'
                }
                finally { $run.Shell.Dispose() }
            }

            It 'asks once and deletes every run for Yes to All' {
                $ids = @($fake.AddRuns('eval_yes_all', 3, 'completed'))
                $user.Answers.Enqueue('A')

                $run = Invoke-InRunspace $runspace 'Remove-EvalRun eval_yes_all $ids' -Variables @{ ids = [string[]]$ids }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $user.Prompts | Should -HaveCount 1
                    @($fake.Requests | Where-Object Method -EQ 'DELETE') | Should -HaveCount 3
                    $fake.RunCount('eval_yes_all') | Should -Be 0
                }
                finally { $run.Shell.Dispose() }
            }

            It 'asks once and sends nothing for No to All' {
                $ids = @($fake.AddRuns('eval_no_all', 3, 'completed'))
                $user.Answers.Enqueue('L')

                $run = Invoke-InRunspace $runspace 'Remove-EvalRun eval_no_all $ids' -Variables @{ ids = [string[]]$ids }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $user.Prompts | Should -HaveCount 1
                    $fake.Requests | Should -HaveCount 0
                    $fake.RunCount('eval_no_all') | Should -Be 3
                }
                finally { $run.Shell.Dispose() }
            }

            It 'deletes only the run confirmed with Yes, not the one declined with No' {
                $ids = @($fake.AddRuns('eval_yes_no', 2, 'completed'))
                $user.Answers.Enqueue('Y')
                $user.Answers.Enqueue('N')

                $run = Invoke-InRunspace $runspace 'Remove-EvalRun eval_yes_no $ids' -Variables @{ ids = [string[]]$ids }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $user.Prompts | Should -HaveCount 2
                    (Get-RequestLine $fake) | Should -Be "DELETE /v1/evals/eval_yes_no/runs/$($ids[0])"
                    $fake.RunStatus('eval_yes_no', $ids[1]) | Should -Not -BeNullOrEmpty
                }
                finally { $run.Shell.Dispose() }
            }
        }

        Context 'in a runspace that cannot prompt' {
            BeforeAll {
                # Without a user interface a prompt fails at once (HostFunctionNotImplemented) instead of
                # waiting for an answer: whether a cmdlet asked, and what it asked, can be seen.
                $runspace = New-ModuleRunspace $fake
            }

            AfterAll {
                $runspace.Dispose()
            }

            It 'Remove-EvalRun asks before deleting by default, naming the run and its eval, and sends nothing' {
                $id = $fake.AddRun('eval_prompt', [NullString]::Value, 'completed', 'nightly regression')
                $run = Invoke-InRunspace $runspace '$run = Get-EvalRun eval_prompt $id' -Variables @{ id = $id }
                $run.Shell.Dispose()
                $fake.ClearRequests()

                $run = Invoke-InRunspace $runspace '$run | Remove-EvalRun'
                try {
                    $errors = @($run.Shell.Streams.Error)
                    $errors | Should -HaveCount 1
                    $errors[0].FullyQualifiedErrorId | Should -Be 'HostFunctionNotImplemented,EvalsPS.Commands.RemoveEvalRunCommand'
                    $errors[0].ToString() | Should -BeLike "*Delete eval run*run '$id' ('nightly regression') of eval 'eval_prompt'*"
                    $fake.Requests | Should -HaveCount 0
                    $fake.RunStatus('eval_prompt', $id) | Should -Not -BeNullOrEmpty
                }
                finally { $run.Shell.Dispose() }
            }

            It 'Remove-EvalRun -Force deletes without asking' {
                $id = $fake.AddRun('eval_prompt_force', [NullString]::Value, 'completed', [NullString]::Value)

                $run = Invoke-InRunspace $runspace 'Remove-EvalRun eval_prompt_force $id -Force' -Variables @{ id = $id }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $fake.Requests | Should -HaveCount 1
                    $fake.RunStatus('eval_prompt_force', $id) | Should -BeNullOrEmpty
                }
                finally { $run.Shell.Dispose() }
            }

            It 'Remove-EvalRun -Force does not ask even when $ConfirmPreference is Low' {
                $id = $fake.AddRun('eval_prompt_low', [NullString]::Value, 'completed', [NullString]::Value)

                $run = Invoke-InRunspace $runspace '$ConfirmPreference = ''Low''; Remove-EvalRun eval_prompt_low $id -Force; $ConfirmPreference = ''High''' -Variables @{ id = $id }
                try {
                    $run.Shell.HadErrors | Should -BeFalse
                    $fake.Requests | Should -HaveCount 1
                }
                finally { $run.Shell.Dispose() }
            }

            It 'Remove-EvalRun -Force -Confirm still asks' {
                $id = $fake.AddRun('eval_prompt_both', [NullString]::Value, 'completed', [NullString]::Value)

                $run = Invoke-InRunspace $runspace 'Remove-EvalRun eval_prompt_both $id -Force -Confirm' -Variables @{ id = $id }
                try {
                    @($run.Shell.Streams.Error)[0].FullyQualifiedErrorId | Should -Be 'HostFunctionNotImplemented,EvalsPS.Commands.RemoveEvalRunCommand'
                    $fake.Requests | Should -HaveCount 0
                }
                finally { $run.Shell.Dispose() }
            }

            It 'Stop-EvalRun does not ask by default but asks with -Confirm' {
                $id = $fake.AddRun('eval_prompt_stop', [NullString]::Value, 'queued', [NullString]::Value)

                $asked = Invoke-InRunspace $runspace 'Stop-EvalRun eval_prompt_stop $id -Confirm' -Variables @{ id = $id }
                try {
                    @($asked.Shell.Streams.Error)[0].FullyQualifiedErrorId | Should -Be 'HostFunctionNotImplemented,EvalsPS.Commands.StopEvalRunCommand'
                    @($asked.Shell.Streams.Error)[0].ToString() | Should -BeLike "*Cancel eval run*run '$id' of eval 'eval_prompt_stop'*"
                    $fake.Requests | Should -HaveCount 0
                }
                finally { $asked.Shell.Dispose() }

                $sent = Invoke-InRunspace $runspace 'Stop-EvalRun eval_prompt_stop $id' -Variables @{ id = $id }
                try {
                    $sent.Shell.HadErrors | Should -BeFalse
                    $fake.Requests | Should -HaveCount 1
                    $fake.RunStatus('eval_prompt_stop', $id) | Should -Be 'canceled'
                }
                finally { $sent.Shell.Dispose() }
            }
        }
    }
}
