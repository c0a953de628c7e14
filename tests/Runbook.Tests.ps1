#Requires -Version 5.1
# The runbook that gates a release on evals, end to end against the loopback fake: start a run of an eval over a
# JSONL file, wait for it, and find the baseline run to compare it with.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
    $baselineId = $fake.AddTicketsEval('eval_1')
    $fake.PollAfterMs = 10
    Push-Location -LiteralPath $TestDrive
    [System.IO.File]::WriteAllText((Join-Path $TestDrive 'tickets.jsonl'), [EvalsPS.FakeApi.FakeEvalsApi]::TicketsJsonl)
}

AfterAll {
    Pop-Location
    Stop-TestFake $fake
}

Describe 'the release runbook' {
    It 'starts a run over a JSONL file, waits for it, and finds the baseline' {
        $eval = Get-Eval -EvalId eval_1
        $run  = $eval | New-EvalRun -Path ./tickets.jsonl -Model gpt-4o-mini -Template @(
                  @{ role = 'developer'; content = 'Classify the ticket.' }
                  @{ role = 'user';      content = '{{item.input}}' }) -Name "nightly $(Get-Date -Format yyyy-MM-dd)"
        $done = $run | Wait-EvalRun -Timeout 3600
        $base = Get-EvalRun -EvalId eval_1 -Status completed | Where-Object Name -like 'baseline*' | Select-Object -First 1

        $run.Status | Should -Be 'queued'
        $done.Id | Should -Be $run.Id
        $done.Status | Should -Be 'completed'
        $done.ResultCounts.Total | Should -Be 12
        $base.Id | Should -Be $baselineId
        $base.ResultCounts.Total | Should -Be 10

        # What the comparison reads: both runs' graded items, matched by datasource_item_id.
        $new = @(Get-EvalRunOutputItem -EvalId eval_1 -RunId $done.Id)
        $old = @(Get-EvalRunOutputItem -EvalId eval_1 -RunId $base.Id)
        $new | Should -HaveCount 12
        $old | Should -HaveCount 10
        (@($new.DatasourceItemId) -join ',') | Should -Be '0,1,2,3,4,5,6,7,8,9,10,11'
        $done.Passed | Should -Be @($new | Where-Object Status -EQ 'pass').Count
        $changed = @(0..9 | Where-Object { $new[$_].Status -ne $old[$_].Status })
        $changed.Count | Should -BeGreaterThan 0 -Because 'runs on different models differ on some items'
        @($changed | Where-Object { $new[$_].Status -eq 'fail' }) | Should -Not -BeNullOrEmpty -Because 'some items regress'
        @($changed | Where-Object { $new[$_].Status -eq 'pass' }) | Should -Not -BeNullOrEmpty -Because 'some items are fixed'
        $new[0].Results[0].Name | Should -Be $done.PerTestingCriteriaResults[0].TestingCriteria
        $new[0].Sample.Input[1].Content | Should -Be 'I was charged twice for my subscription this month.'
    }

    It 'grades the same items on the same model the same way in every run' {
        $first = New-EvalRun -EvalId eval_1 -Path ./tickets.jsonl -Model gpt-4o | Wait-EvalRun -Timeout 60
        $again = New-EvalRun -EvalId eval_1 -Path ./tickets.jsonl -Model gpt-4o | Wait-EvalRun -Timeout 60

        (@(Get-EvalRunOutputItem eval_1 $first.Id | ForEach-Object Status) -join ',') |
            Should -Be (@(Get-EvalRunOutputItem eval_1 $again.Id | ForEach-Object Status) -join ',')
    }
}
