#Requires -Version 5.1
# What behaves differently across Windows PowerShell 5.1 and PowerShell 7, as a user types it:
# ids with dots, and debug output asked for through $DebugPreference however it was set.
# The .NET Framework side of the same rules is checked by tools/EvalsPS.FrameworkCheck.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'Ids with dots' {
    BeforeEach {
        Reset-TestFake $fake
    }

    It 'reads run <RunId> at its own address' -ForEach @(
        @{ RunId = 'run.1' }
        @{ RunId = 'v1.2.3' }
        @{ RunId = 'a..b' }
        @{ RunId = 'run.' }
    ) {
        $null = $fake.AddRun('eval_dots', $RunId, 'completed', [NullString]::Value)

        $run = Get-EvalRun eval_dots $RunId

        $run.Id | Should -BeExactly $RunId
        @($fake.Requests).RawTarget | Should -BeExactly "/v1/evals/eval_dots/runs/$RunId"
    }

    It 'refuses the run id <RunId> before sending anything' -ForEach @(
        @{ RunId = '.' }
        @{ RunId = '..' }
    ) {
        $result = Invoke-Captured { Get-EvalRun -EvalId eval_dots -RunId $RunId }

        $err = Assert-SingleError $result -ErrorId 'UnsafeId' -Category InvalidArgument -Target $RunId
        $err.ToString() | Should -BeLike "*'$RunId'*Nothing was sent*"
        $fake.Requests | Should -HaveCount 0
    }

    It 'cancels and deletes runs with dots in their ids' {
        $null = $fake.AddRun('eval_dots', 'busy.1', 'in_progress', [NullString]::Value)
        $null = $fake.AddRun('eval_dots', 'old.1', 'completed', [NullString]::Value)

        (Stop-EvalRun eval_dots busy.1 -Force -PassThru).Status | Should -Be 'canceled'
        (Remove-EvalRun eval_dots old.1 -Force -PassThru).Deleted | Should -BeTrue
        $fake.RunStatus('eval_dots', 'old.1') | Should -BeNullOrEmpty
    }
}

Describe 'Debug output follows $DebugPreference however it was set' {
    BeforeAll {
        $id = $fake.AddRun('eval_debug', [NullString]::Value, 'completed', [NullString]::Value)
    }

    It 'shows the request when a function sets $DebugPreference to the string Continue' {
        function Get-WithDebug([string] $RunId) {
            $DebugPreference = 'Continue'
            Get-EvalRun eval_debug $RunId 5>&1
        }

        $records = @(Get-WithDebug $id)

        $debug = @($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        @($debug | Where-Object { $_.StartsWith("GET $($fake.BaseUri)/evals/eval_debug/runs/$id") }) | Should -HaveCount 1
        @($debug | Where-Object { $_.Contains('Authorization: Bearer ****') }) | Should -HaveCount 1
        @($records | Where-Object { $_ -is [EvalsPS.EvalRun] }) | Should -HaveCount 1
    }

    It 'shows no request dump when a function sets it to the string SilentlyContinue' {
        function Get-Quietly([string] $RunId) {
            $DebugPreference = 'SilentlyContinue'
            Get-EvalRun eval_debug $RunId 5>&1
        }

        @(Get-Quietly $id | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }) | Should -HaveCount 0
    }
}

Describe 'Verbose output follows $VerbosePreference however it was set' {
    BeforeAll {
        $id = $fake.AddRun('eval_verbose_pref', [NullString]::Value, 'completed', [NullString]::Value)
        $line = "GET $($fake.BaseUri)/evals/eval_verbose_pref/runs/$id -> 200 OK"
    }

    It 'shows the request line when a function sets $VerbosePreference to the string Continue' {
        function Get-WithVerbose([string] $RunId) {
            $VerbosePreference = 'Continue'
            Get-EvalRun eval_verbose_pref $RunId 4>&1
        }

        $records = @(Get-WithVerbose $id)

        $verbose = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose | Where-Object { $_.StartsWith($line) }) | Should -HaveCount 1
        @($records | Where-Object { $_ -is [EvalsPS.EvalRun] }) | Should -HaveCount 1
    }

    It 'shows it for -Verbose under a SilentlyContinue preference, and not for -Verbose:$false under Continue' {
        function Get-Both([string] $RunId) {
            $VerbosePreference = 'SilentlyContinue'
            Get-EvalRun eval_verbose_pref $RunId -Verbose 4>&1
            $VerbosePreference = 'Continue'
            Get-EvalRun eval_verbose_pref $RunId -Verbose:$false 4>&1
        }

        $verbose = @(Get-Both $id | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        @($verbose | Where-Object { $_.StartsWith($line) }) | Should -HaveCount 1
    }
}
