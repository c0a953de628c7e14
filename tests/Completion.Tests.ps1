#Requires -Version 5.1
# Tab completion of -EvalId and -RunId from the API, through TabExpansion2 as the console calls it.
# Completion uses the settings in force without the line being run ($PSDefaultParameterValues, else the environment):
# a -BaseUri, -ApiKey or -AllowUnencryptedAuthentication typed on the line makes it offer and send nothing. It keeps
# answers for a short while per key, so each test uses a key of its own.

BeforeDiscovery {
    # Every cmdlet of the manifest's list (the one place they are named) that takes -EvalId: all but New-Eval.
    $root = Split-Path -Parent $PSScriptRoot
    Import-Module (Join-Path $root 'out/EvalsPS') -Force
    $cmdlets = @((Import-PowerShellDataFile (Join-Path $root 'EvalsPS.psd1')).CmdletsToExport |
        Where-Object { (Get-Command $_).Parameters.ContainsKey('EvalId') })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $savedEnvironment = @{}
    foreach ($name in 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID') {
        $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    function Get-Completion {
        <# The completions TabExpansion2 offers at the end of $Line. #>
        param([string] $Line)
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    function Set-LookupFreshness {
        <#
            Sets how long completion keeps a lookup (30 s), an internal setting, and returns the value it had, so a test
            can see a lookup go stale without waiting 30 s. Internal on purpose: users have no knob for it.
        #>
        param([timespan] $Value)
        $flags = [Reflection.BindingFlags]'NonPublic, Static, Instance'
        $cache = [EvalsPS.Commands.EvalIdCompleter].Assembly.GetType('EvalsPS.Commands.IdCompletion', $true).GetField('Cache', $flags).GetValue($null)
        $setting = $cache.GetType().GetProperty('Freshness', $flags)
        $was = $setting.GetValue($cache)
        $setting.SetValue($cache, $Value)
        $was
    }
}

AfterAll {
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
}

Describe 'Completion of ids' {
    BeforeEach {
        $fake = [EvalsPS.FakeApi.FakeEvalsApi]::new()
        $key = 'sk-completion-' + [guid]::NewGuid().ToString('N')
        $fake.ExpectedApiKey = $key
        $null = $fake.Start()
        $env:OPENAI_BASE_URL = $fake.BaseUri.ToString()
        $env:OPENAI_API_KEY = $key
    }

    AfterEach {
        $fake.Dispose()
        foreach ($name in 'OPENAI_API_KEY', 'OPENAI_BASE_URL') { [Environment]::SetEnvironmentVariable($name, $null) }
    }

    Context '-EvalId' {
        It 'covers every cmdlet but New-Eval, which has no -EvalId to complete' -ForEach @(@{ Covered = $cmdlets }) {
            $Covered.Count | Should -Be ($TestCmdlets.Count - 1)
            $Covered | Should -Not -Contain 'New-Eval'
        }

        It 'completes eval ids in <Command>, newest first, with their names as tooltips' -ForEach @($cmdlets | ForEach-Object { @{ Command = $_ } }) {
            $fake.AddEval('eval_first', 'Headline topics')
            $fake.AddEval('eval_second', 'Support tone')

            $offered = Get-Completion "$Command -EvalId "

            ($offered.CompletionText -join ',') | Should -Be 'eval_second,eval_first'
            ($offered.ToolTip -join ',') | Should -Be 'Support tone,Headline topics'
            $offered[0].ResultType | Should -Be 'ParameterValue'
            @(Get-RequestLine $fake) | Should -Be @('GET /v1/evals?limit=100&order=desc&order_by=created_at')
        }

        It 'keeps only the ids that start with the word typed, in any case; a name never swaps the word for another id' {
            $fake.AddEval('eval_abc', 'Headline topics')
            $fake.AddEval('eval_abd', 'Support tone')
            $fake.AddEval('eval_xyz', 'Refund policy eval_ab')

            (Get-Completion "Get-Eval -EvalId eval_ab").CompletionText -join ',' | Should -Be 'eval_abd,eval_abc'
            (Get-Completion "Get-Eval -EvalId EVAL_AB").CompletionText -join ',' | Should -Be 'eval_abd,eval_abc'
            (Get-Completion "Get-Eval -EvalId 'eval_ab").CompletionText -join ',' | Should -Be 'eval_abd,eval_abc'
            Get-Completion "Get-Eval -EvalId refund" | Should -HaveCount 0
        }

        It 'quotes an id that would not parse as a bare word' {
            $fake.AddEval('eval odd', 'Spaces')

            (Get-Completion "Get-Eval -EvalId ").CompletionText | Should -Be "'eval odd'"
        }

        It 'uses OPENAI_BASE_URL and OPENAI_API_KEY, sending the key as the command would' {
            $fake.AddEval('eval_env', 'From the environment')

            (Get-Completion 'Get-EvalRun -EvalId ').CompletionText | Should -Be 'eval_env'
            $fake.Requests[0].Headers['Authorization'] | Should -Be "Bearer $key"
        }

        It 'offers nothing and sends nothing when the line names <Named>, even the settings the command would use anyway' -ForEach @(
            # {0} is the fake's address and {1} the key: the same settings as the environment's, so only the rule stops the lookup.
            @{ Named = '-BaseUri'; Line = "Get-Eval -BaseUri '{0}' -EvalId " }
            @{ Named = '-ApiKey'; Line = "Get-Eval -ApiKey '{1}' -EvalId " }
            @{ Named = '-AllowUnencryptedAuthentication'; Line = 'Get-Eval -AllowUnencryptedAuthentication -EvalId ' }
            @{ Named = 'a prefix of -BaseUri'; Line = "Get-EvalRun -Base '{0}' -EvalId " }
            @{ Named = 'a prefix of -ApiKey, before -RunId'; Line = "Get-EvalRun -Api '{1}' -EvalId eval_line -RunId " }
        ) {
            $fake.AddEval('eval_line', 'On the line')
            $null = $fake.AddRun('eval_line', 'evalrun_line', 'completed', 'line')

            Get-Completion ($Line -f $fake.BaseUri, $key) | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 0
            # The same line without the parameter completes: the rule, not the settings, stopped it.
            (Get-Completion 'Get-EvalRun -EvalId eval_line -RunId ').CompletionText | Should -Be 'evalrun_line'
        }

        It 'never sends the key over plain http to another machine, whatever $PSDefaultParameterValues allows' {
            # A child PowerShell 7 whose HTTP proxy is the fake: a request for http://evals.test (another machine, by
            # name and by Uri.IsLoopback) reaches the fake, which records it, and never leaves this machine. There a
            # Tab press with AllowUnencryptedAuthentication in $PSDefaultParameterValues, then the command itself.
            $script = @"
Import-Module '$TestModuleDir' -ErrorAction Stop
`$env:OPENAI_BASE_URL = 'http://evals.test/v1'
`$env:OPENAI_API_KEY = '$key'
`$PSDefaultParameterValues['Get-Eval:AllowUnencryptedAuthentication'] = `$true
'offered ' + @((TabExpansion2 -inputScript 'Get-Eval -EvalId ' -cursorColumn 17).CompletionMatches).Count
'listed ' + @(Get-Eval -First 1).Count
"@
            $host7 = (Get-Process -Id $PID).Path
            $arguments = @(if ([IO.Path]::GetFileNameWithoutExtension($host7) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) +
                '-NoProfile', '-NonInteractive', '-EncodedCommand', [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($script))
            $fake.AddEval('eval_far', 'Far away')
            $saved = $env:HTTP_PROXY, $env:NO_PROXY
            try {
                $env:HTTP_PROXY = 'http://127.0.0.1:{0}' -f $fake.BaseUri.Port
                $env:NO_PROXY = $null
                $said = & $host7 @arguments 2>&1
            }
            finally {
                $env:HTTP_PROXY, $env:NO_PROXY = $saved
            }

            $said | Should -Be @('offered 0', 'listed 1')
            # Only the command's own request: the route works, and completion sent nothing over it.
            @(Get-RequestLine $fake) | Should -Be @('GET http://evals.test/v1/evals?limit=1&order=desc&order_by=created_at')
        }

        It 'uses the -BaseUri and -ApiKey that $PSDefaultParameterValues gives the command, as the command would' {
            $fake.AddEval('eval_defaults', 'From the defaults')
            $env:OPENAI_BASE_URL = $null
            $env:OPENAI_API_KEY = $null
            $saved = $global:PSDefaultParameterValues.Clone()
            try {
                $global:PSDefaultParameterValues['*-EvalRun:BaseUri'] = $fake.BaseUri.ToString()
                $global:PSDefaultParameterValues['Get-EvalRun:ApiKey'] = $key

                $forGetEvalRun = Get-Completion 'Get-EvalRun -EvalId '
                $forStopEvalRun = Get-Completion 'Stop-EvalRun -EvalId '
            }
            finally {
                $global:PSDefaultParameterValues = $saved
            }

            $forGetEvalRun.CompletionText | Should -Be 'eval_defaults'
            # No key is given to Stop-EvalRun (the environment has none here): it completes nothing and sends nothing.
            $forStopEvalRun | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 1
        }

        It 'asks the API once for completions repeated within a short while' {
            $fake.AddEval('eval_cached', 'Cached')

            $first = Get-Completion "Get-Eval -EvalId "
            $second = Get-Completion "Get-EvalRun -EvalId eval_c"

            $first.CompletionText | Should -Be 'eval_cached'
            $second.CompletionText | Should -Be 'eval_cached'
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context '-RunId' {
        It 'completes the run ids of the eval on the line in <Command>, with names and statuses as tooltips' -ForEach @(
            @{ Command = 'Get-EvalRun' }
            @{ Command = 'Stop-EvalRun' }
            @{ Command = 'Remove-EvalRun' }
            @{ Command = 'Wait-EvalRun' }
            @{ Command = 'Get-EvalRunOutputItem' }
        ) {
            $null = $fake.AddRun('eval_runs', 'evalrun_old', 'completed', 'nightly')
            $null = $fake.AddRun('eval_runs', 'evalrun_new', 'in_progress', 'candidate')
            $null = $fake.AddRun('eval_other', 'evalrun_elsewhere', 'queued', 'other')

            $offered = Get-Completion "$Command -EvalId eval_runs -RunId "

            ($offered.CompletionText -join ',') | Should -Be 'evalrun_new,evalrun_old'
            ($offered.ToolTip -join ',') | Should -Be 'candidate (in_progress),nightly (completed)'
            @(Get-RequestLine $fake) | Should -Be @('GET /v1/evals/eval_runs/runs?limit=100&order=desc')
        }

        It 'completes the run ids of a positional eval id' {
            $null = $fake.AddRun('eval_pos', 'evalrun_pos', 'completed', 'positional')

            (Get-Completion "Get-EvalRun eval_pos -RunId ").CompletionText | Should -Be 'evalrun_pos'
        }

        It 'completes nothing, and asks nothing, when no eval id is on the line' {
            $null = $fake.AddRun('eval_none', 'evalrun_none', 'completed', 'none')

            Get-Completion "Stop-EvalRun -RunId " | Should -HaveCount 0
            $fake.Requests | Should -HaveCount 0
        }
    }

    Context 'failures are silent' {
        It 'completes nothing and prints nothing without a key, and sends nothing' {
            $fake.AddEval('eval_nokey', 'No key')
            $errorsBefore = $global:Error.Count

            $env:OPENAI_API_KEY = $null
            $result = Invoke-Captured { Get-Completion "Get-Eval -EvalId " }

            $result.Output | Should -HaveCount 0
            $result.AllErrors | Should -HaveCount 0
            $result.Warning + $result.Verbose + $result.Information | Should -HaveCount 0
            $global:Error.Count | Should -Be $errorsBefore
            $fake.Requests | Should -HaveCount 0
        }

        It 'completes nothing and prints nothing when the key is refused' {
            $fake.AddEval('eval_refused', 'Refused')

            $env:OPENAI_API_KEY = 'sk-wrong'
            $result = Invoke-Captured { Get-Completion "Get-Eval -EvalId " }

            $result.Output | Should -HaveCount 0
            $result.AllErrors | Should -HaveCount 0
            $result.Warning | Should -HaveCount 0
            @($fake.Requests.ResponseStatus) | Should -Be @(401)
            Assert-NoKey $result -Secret 'sk-wrong'
        }

        It 'completes nothing within about 2 seconds when nothing answers' {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $port = $listener.LocalEndpoint.Port
            $listener.Stop()

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $env:OPENAI_BASE_URL = "http://127.0.0.1:$port/v1"
            $result = Invoke-Captured { Get-Completion "Get-Eval -EvalId " }
            $clock.Stop()

            $result.Output | Should -HaveCount 0
            $result.AllErrors | Should -HaveCount 0
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        }

        It 'gives up after about 2 seconds on a slow answer, and uses it on the next Tab press' {
            $fake.AddEval('eval_slow', 'Slow')
            $fake.Latency = [timespan]'0:0:3'

            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $first = Get-Completion "Get-Eval -EvalId "
            $clock.Stop()
            $null = Wait-Until { @($fake.Requests | Where-Object ResponseStatus -eq 200).Count -eq 1 } -TimeoutSec 10
            Start-Sleep -Milliseconds 200
            $second = Get-Completion "Get-Eval -EvalId "

            $first | Should -HaveCount 0
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.8
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            $second.CompletionText | Should -Be 'eval_slow'
            $fake.Requests | Should -HaveCount 1
        }
    }

    Context 'the lookups kept between Tab presses' {
        It 'asks again once an answer is older than the cache keeps it (30 s; 2 s here)' {
            $fake.AddEval('eval_fresh', 'Fresh')
            $kept = Set-LookupFreshness ([timespan]'0:0:2')
            try {
                $first = Get-Completion 'Get-Eval -EvalId '
                $fake.AddEval('eval_newer', 'Newer')
                $soon = Get-Completion 'Get-Eval -EvalId '
                $requestsWhileFresh = $fake.Requests.Count
                Start-Sleep -Milliseconds 2200
                $later = Get-Completion 'Get-Eval -EvalId '
            }
            finally {
                $null = Set-LookupFreshness $kept
            }

            $first.CompletionText | Should -Be 'eval_fresh'
            $soon.CompletionText | Should -Be 'eval_fresh' -Because 'a fresh answer is used as it is'
            $requestsWhileFresh | Should -Be 1
            ($later.CompletionText -join ',') | Should -Be 'eval_newer,eval_fresh'
            $fake.Requests | Should -HaveCount 2
        }

        It 'keeps 16 lookups: a 17th drops the oldest and cancels it while still in flight' {
            foreach ($i in 0..16) { $null = $fake.AddRun(('eval_kept_{0:d2}' -f $i), ('evalrun_kept_{0:d2}' -f $i), 'completed', 'kept') }
            # The oldest lookup's answer takes 5 s: the first Tab press gives up after 2 s and leaves it in flight.
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Slow([timespan]'0:0:5'), 1, 'eval_kept_00')
            $first = Get-Completion 'Get-EvalRun -EvalId eval_kept_00 -RunId '
            foreach ($i in 1..16) { $null = Get-Completion ('Get-EvalRun -EvalId eval_kept_{0:d2} -RunId ' -f $i) }
            $unansweredWhenDropped = $fake.Requests[0].ResponseStatus -eq 0
            $open = $fake.OpenConnections

            # Cancelled, the oldest lookup's connection is closed: the fake sees it once its slow answer is written. Had
            # it run on, the client would keep that connection for its next request.
            $closed = Wait-Until { $fake.OpenConnections -eq $open - 1 } -TimeoutSec 10
            $again = Get-Completion 'Get-EvalRun -EvalId eval_kept_00 -RunId '
            $stillKept = Get-Completion 'Get-EvalRun -EvalId eval_kept_16 -RunId '

            $first | Should -HaveCount 0
            $unansweredWhenDropped | Should -BeTrue -Because 'the oldest lookup was still in flight when the 17th dropped it'
            $open | Should -BeGreaterThan 1
            $closed | Should -BeTrue -Because 'the dropped lookup was cancelled, closing its connection'
            $again.CompletionText | Should -Be 'evalrun_kept_00'
            $stillKept.CompletionText | Should -Be 'evalrun_kept_16'
            @($fake.Requests | Where-Object RawPath -Like '*/eval_kept_00/runs') | Should -HaveCount 2
            $fake.Requests | Should -HaveCount 18 -Because 'the newer lookups are kept'
        }

        It 'asks again on the next Tab press after a failed lookup' {
            $fake.AddEval('eval_retry', 'Retry')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(500, 'Server busy.', 'server_error', [NullString]::Value, [NullString]::Value), 1, [NullString]::Value)

            $first = Get-Completion 'Get-Eval -EvalId '
            $second = Get-Completion 'Get-Eval -EvalId '

            $first | Should -HaveCount 0
            $second.CompletionText | Should -Be 'eval_retry'
            @($fake.Requests.ResponseStatus) | Should -Be @(500, 200)
        }

        It 'asks again at once when the lookup an earlier press left in flight has failed since' {
            $fake.AddEval('eval_late', 'Late failure')
            $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Error(500, 'Server busy.', 'server_error', [NullString]::Value, [NullString]::Value), 1, [NullString]::Value)
            $fake.Latency = [timespan]'0:0:3'

            $first = Get-Completion 'Get-Eval -EvalId '
            $failed = Wait-Until { @($fake.Requests | Where-Object ResponseStatus -EQ 500).Count -eq 1 } -TimeoutSec 10
            $fake.Latency = [timespan]::Zero
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $second = Get-Completion 'Get-Eval -EvalId '
            $clock.Stop()

            $first | Should -HaveCount 0
            $failed | Should -BeTrue
            $second.CompletionText | Should -Be 'eval_late'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2.5
            @($fake.Requests.ResponseStatus) | Should -Be @(500, 200)
        }

        It 'answers two completions at once (two runspaces) from one lookup' {
            $fake.AddEval('eval_shared', 'Shared')
            $fake.Latency = [timespan]'0:0:1.5'
            $shells = foreach ($i in 1..2) {
                $shell = [powershell]::Create()
                $null = $shell.AddScript("Import-Module '$TestModuleDir'").Invoke()
                $shell.Commands.Clear()
                $null = $shell.AddScript('@((TabExpansion2 -inputScript "Get-Eval -EvalId " -cursorColumn 17).CompletionMatches.CompletionText)')
                $shell
            }
            $pending = @()
            try {
                $pending = @($shells | ForEach-Object { $_.BeginInvoke() })
                $ended = @(for ($i = 0; $i -lt 2; $i++) { $pending[$i].AsyncWaitHandle.WaitOne([timespan]'0:0:10') })
                $offered = @(for ($i = 0; $i -lt 2; $i++) { if ($ended[$i]) { , @($shells[$i].EndInvoke($pending[$i])) } })
            }
            finally {
                # Disposing a shell whose completion never ended would wait for it: such a shell is left to the process's end.
                for ($i = 0; $i -lt 2; $i++) { if ($i -ge $pending.Count -or $pending[$i].IsCompleted) { $shells[$i].Dispose() } }
            }

            $ended | Should -Be @($true, $true)
            $offered | Should -HaveCount 2
            foreach ($one in $offered) { $one | Should -Be @('eval_shared') }
            $fake.Requests | Should -HaveCount 1
        }
    }
}
