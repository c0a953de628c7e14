#Requires -Version 5.1
# The offline tour (tools/EvalsPS.Try) writes plain text when colour is not wanted: NO_COLOR set
# (https://no-color.org), or its output redirected to a file or a pipe.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $tour = Get-ChildItem -Path (Join-Path $TestRepoRoot 'tools/EvalsPS.Try/bin/*/*/EvalsPS.Try.dll') -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1
    if (-not $tour) { throw "The tour is not built: run 'dotnet build' in '$TestRepoRoot' first." }
}

Describe 'The tour' {
    It 'prints no ANSI escape codes with NO_COLOR=<NoColor> and its output redirected' -TestCases @(
        @{ NoColor = '1' }
        @{ NoColor = '' }
    ) {
        $saved = $env:NO_COLOR
        try {
            $env:NO_COLOR = $NoColor
            $output = & dotnet $tour.FullName 2>&1 | Out-String
        }
        finally { $env:NO_COLOR = $saved }

        $LASTEXITCODE | Should -Be 0
        $output | Should -BeLike '*Get-EvalRun -EvalId eval_demo*'
        $output | Should -BeLike '*evalrun_0001*' -Because 'the tour lists the runs as a table'
        $output | Should -BeLike '*New-EvalRun -Path ./tickets.jsonl*nightly*completed*gpt-4o-mini*12*baseline gpt-4o*' -Because 'the tour runs the release runbook'
        $output | Should -BeLike '*Compare-EvalRun -ReferenceRun $base -DifferenceRun $done -Summary*Regressed : 2*Fixed     : 4*PValue*' -Because 'the tour ends comparing the new run with the baseline'
        $output | Should -BeLike '*Where-Object Change -EQ Regressed*Item Change*0 Regressed pass*fail*5 Regressed pass*fail*requests reached the fake API.*'
        $output.Contains([string][char]27) | Should -BeFalse -Because 'colour codes are for a console that wants them'
    }

    It 'shows the control characters of an error''s message and target as the views do, instead of obeying them' {
        $saved = $env:NO_COLOR
        try {
            $env:NO_COLOR = '1'
            # An error whose message and target carry an escape sequence, as a server's name or id could.
            # (The hosted session has no Write-Error: Microsoft.PowerShell.Utility is not loaded.)
            $line = 'function Fail { [CmdletBinding()] param() $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new(' +
                '[Exception]::new("red`e[31mtext"), "Demo", "InvalidData", "evalrun_`e[2Jx")) }; Fail'
            $output = & dotnet $tour.FullName $line 2>&1 | Out-String
        }
        finally { $env:NO_COLOR = $saved }

        $LASTEXITCODE | Should -Be 1 -Because 'a line of its own that writes an error fails the tour'
        $output | Should -BeLike '*red\u001b`[31mtext*'
        $output | Should -BeLike '*CategoryInfo*evalrun_\u001b`[2Jx*'
        $output.Contains([string][char]27) | Should -BeFalse
    }
}
