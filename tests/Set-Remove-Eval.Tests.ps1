#Requires -Version 5.1
# Set-Eval and Remove-Eval against the loopback fake: pipeline binding, ShouldProcess (prompts answered by a
# scripted host), -PassThru, input order, and deletions the API says did not happen.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $updateSchema = Get-ApiRequestSchema -Path '/evals/{eval_id}' -Method post
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Set-Eval' {
    BeforeEach {
        Reset-TestFake $fake
    }

    It 'renames an eval and writes nothing without -PassThru' {
        $id = @($fake.AddEvals(1))[0]

        $result = Invoke-Captured { Set-Eval $id -Name 'Renamed' }

        $result.AllErrors | Should -HaveCount 0
        $result.Output | Should -HaveCount 0
        $request = @($fake.Requests)[0]
        "$($request.Method) $($request.RawPath)" | Should -Be "POST /v1/evals/$id"
        $request.Body | Should -BeExactly '{"name":"Renamed"}'
        $null = Assert-RequestBody $request $updateSchema
        (Get-Eval -EvalId $id).Name | Should -Be 'Renamed'
    }

    It 'replaces the metadata of evals piped from Get-Eval, writing each with -PassThru' {
        $ids = @($fake.AddEvals(2))

        $evals = @(Get-Eval -EvalId $ids | Set-Eval -Metadata @{ owner = 'qa' } -PassThru)

        $evals | Should -HaveCount 2
        (@($evals.Id) -join ',') | Should -Be ($ids -join ',')
        foreach ($eval in $evals) {
            $eval | Should -BeOfType ([EvalsPS.Eval])
            $eval.Metadata['owner'] | Should -Be 'qa'
            $eval.Metadata.ContainsKey('team') | Should -BeFalse
        }
        foreach ($request in @($fake.Requests | Where-Object Method -EQ 'POST')) {
            (Assert-RequestBody $request $updateSchema).metadata.owner | Should -Be 'qa'
        }
    }

    It 'sends nothing under -WhatIf' {
        $id = @($fake.AddEvals(1))[0]

        Set-Eval $id -Name 'Not renamed' -WhatIf

        $fake.Requests | Should -HaveCount 0
        (Get-Eval -EvalId $id).Name | Should -Not -Be 'Not renamed'
    }

    It 'refuses to run with nothing to set' {
        $result = Invoke-Captured { Set-Eval eval_any }

        $result.Terminating.FullyQualifiedErrorId | Should -BeLike 'NothingToSet,*'
        $fake.Requests | Should -HaveCount 0
    }

    It 'reports a missing eval as EvalNotFound and goes on with the next' {
        $id = @($fake.AddEvals(1))[0]

        $result = Invoke-Captured { Set-Eval eval_missing, $id -Name 'Second' -PassThru }

        $null = Assert-SingleError $result -ErrorId 'EvalNotFound' -Category ObjectNotFound -Target 'eval_missing'
        @($result.Output.Id) | Should -Be @($id)
    }
}

Describe 'Remove-Eval' {
    BeforeEach {
        Reset-TestFake $fake
    }

    It 'deletes evals piped from Get-Eval with -Force, writing nothing without -PassThru' {
        $ids = @($fake.AddEvals(3))

        $result = Invoke-Captured { Get-Eval -EvalId $ids | Remove-Eval -Force }

        $result.AllErrors | Should -HaveCount 0
        $result.Output | Should -HaveCount 0
        (@($fake.Requests | Where-Object Method -EQ 'DELETE' | ForEach-Object RawPath | Sort-Object) -join ',') |
            Should -Be ((@($ids | ForEach-Object { "/v1/evals/$_" } | Sort-Object)) -join ',')
        (Invoke-Captured { Get-Eval -EvalId $ids[0] }).AllErrors[0].FullyQualifiedErrorId | Should -BeLike 'EvalNotFound,*'
    }

    It 'writes one result or one error per id, in input order, with -ThrottleLimit requests at a time' {
        $ids = @($fake.AddEvals(6))
        $inputs = @($ids[0], $ids[1], 'eval_gone_1', $ids[2], $ids[3], 'eval_gone_2', $ids[4], $ids[5])
        $fake.Latency = [timespan]::FromMilliseconds(50)

        $result = Invoke-Captured { $inputs | Remove-Eval -Force -PassThru -ThrottleLimit 3 }

        (@($result.Output | ForEach-Object EvalId) -join ',') | Should -Be ($ids -join ',')
        foreach ($deletion in $result.Output) {
            $deletion | Should -BeOfType ([EvalsPS.EvalDeletion])
            $deletion.Deleted | Should -BeTrue
        }
        (@($result.Errors | ForEach-Object TargetObject) -join ',') | Should -Be 'eval_gone_1,eval_gone_2'
        foreach ($err in $result.Errors) { $err.FullyQualifiedErrorId | Should -Be 'EvalNotFound,EvalsPS.Commands.RemoveEvalCommand' }
    }

    It 'reports "deleted": false as EvalNotDeleted, as Remove-EvalRun does for runs' {
        $id = @($fake.AddEvals(1))[0]
        $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Json(200, "{`"object`":`"eval.deleted`",`"deleted`":false,`"eval_id`":`"$id`"}"), 1, [NullString]::Value)

        $result = Invoke-Captured { Remove-Eval $id -Force -PassThru }

        $err = Assert-SingleError $result -ErrorId 'EvalNotDeleted' -Category InvalidResult -Target $id
        $err.Exception.Message | Should -BeLike '*"deleted": false*may still exist*'
        $result.Output | Should -HaveCount 0
    }

    It 'shows its results as a table of EvalId and Deleted' {
        $id = @($fake.AddEvals(1))[0]

        $text = Remove-Eval $id -Force -PassThru | Format-Table | Out-String -Width 120

        $lines = @($text -split '\r?\n' | Where-Object { $_.Trim() })
        $lines[0] | Should -Match '^EvalId\s+Deleted$'
        $lines[2] | Should -Match "^$id\s+True$"
    }

    It 'exports its results to CSV as values' {
        $id = @($fake.AddEvals(1))[0]

        $rows = @(Remove-Eval $id -Force -PassThru | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv)

        $rows | Should -HaveCount 1
        $rows[0].EvalId | Should -Be $id
        $rows[0].Deleted | Should -Be 'True'
        $rows[0].Object | Should -Be 'eval.deleted'
    }

    It 'declares ConfirmImpact High, so it asks by default' {
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command Remove-Eval))
        $metadata.ConfirmImpact | Should -Be 'High'
        $metadata.SupportsShouldProcess | Should -BeTrue
        ([System.Management.Automation.CommandMetadata]::new((Get-Command Set-Eval))).SupportsShouldProcess | Should -BeTrue
    }

    Context 'with a user who answers' {
        BeforeEach {
            $user = New-ScriptedHost
            $runspace = New-ModuleRunspace $fake -PSHost $user
        }

        AfterEach {
            $runspace.Dispose()
        }

        It 'names each eval under -WhatIf, even with -Force, and sends nothing' {
            $null = $fake.AddEval('eval_named', 'Ticket triage')

            $run = Invoke-InRunspace $runspace 'Get-Eval -EvalId eval_named | Remove-Eval -WhatIf; Remove-Eval eval_named -Force -WhatIf; Set-Eval eval_named -Name x -WhatIf'
            try {
                $run.Shell.HadErrors | Should -BeFalse
                (@($user.Text -split '\n' | Where-Object { $_.StartsWith('What if: ') }) -join "`n") | Should -BeExactly (@(
                        "What if: Performing the operation `"Delete eval`" on target `"eval 'eval_named' ('Ticket triage')`"."
                        "What if: Performing the operation `"Delete eval`" on target `"eval 'eval_named'`"."
                        "What if: Performing the operation `"Rename to 'x'`" on target `"eval 'eval_named'`"."
                    ) -join "`n")
                (Get-RequestLine $fake) | Should -Be 'GET /v1/evals/eval_named'
            }
            finally { $run.Shell.Dispose() }
        }

        It 'deletes only the eval confirmed with Yes, not the one declined with No' {
            $ids = @($fake.AddEvals(2))
            $user.Answers.Enqueue('Y')
            $user.Answers.Enqueue('N')

            $run = Invoke-InRunspace $runspace 'Remove-Eval $ids' -Variables @{ ids = [string[]]$ids }
            try {
                $run.Shell.HadErrors | Should -BeFalse
                $user.Prompts | Should -HaveCount 2
                (Get-RequestLine $fake) | Should -Be "DELETE /v1/evals/$($ids[0])"
            }
            finally { $run.Shell.Dispose() }
        }
    }
}
