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
        $output.Contains([string][char]27) | Should -BeFalse -Because 'colour codes are for a console that wants them'
    }
}
