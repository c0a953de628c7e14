<#
    Shared setup for the Pester 5 suite. Dot-source it in each file's top-level BeforeAll:

        BeforeAll {
            . $PSScriptRoot/TestHelpers.ps1
            $fake = Start-TestFake
        }
        AfterAll { Stop-TestFake $fake }

    Dot-sourcing checks that the build output exists, loads the loopback fake (once per session),
    imports out/EvalsPS, and defines the helpers below in the caller's scope.

    Calling the fake from PowerShell: pass every argument, and pass [NullString]::Value (never $null) for a
    string argument meant to be null: PowerShell turns $null into '' for a string parameter of a .NET method,
    and the fake refuses an empty id. For example
        $fake.AddRun('eval_1', [NullString]::Value, 'queued', [NullString]::Value)
        $fake.Enqueue([EvalsPS.FakeApi.FakeResponse]::Empty(500), 5, [NullString]::Value)
#>

$TestRepoRoot = Split-Path -Parent $PSScriptRoot
$TestModuleDir = Join-Path $TestRepoRoot 'out/EvalsPS'
$TestModuleManifest = Join-Path $TestModuleDir 'EvalsPS.psd1'

# The key every fake of this suite expects; no stream, error or output may ever show it.
$TestKey = 'sk-test-7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b'

# -Verbose -Debug for every call whose streams are checked. Windows PowerShell 5.1 turns -Debug into
# Inquire (a prompt for each debug line, an error in a non-interactive run), PowerShell 7 into Continue:
# there, the same debug lines are written with $DebugPreference = 'Continue' (set by Invoke-Captured).
$Diag = if ($PSVersionTable.PSVersion.Major -ge 7) { @{ Verbose = $true; Debug = $true } } else { @{ Verbose = $true } }

# The module's cmdlets, from the one list there is: the manifest's CmdletsToExport. Files that need it at discovery
# (for -ForEach) read it the same way in BeforeDiscovery.
$TestCmdlets = (Import-PowerShellDataFile (Join-Path $TestRepoRoot 'EvalsPS.psd1')).CmdletsToExport

# The cmdlets Start-TestFake points at the fake, every *-EvalRun and *-Eval cmdlet and the output item reader, as patterns (tests take '*-EvalRun' out to test the environment).
$TestCommandPatterns = @('*-EvalRun', '*-Eval', 'Get-EvalRunOutputItem')
$TestDefaultNames = foreach ($pattern in $TestCommandPatterns) { "${pattern}:BaseUri"; "${pattern}:ApiKey" }

function Start-TestFake {
    <#
        Starts a fake that answers only $TestKey, and points every EvalsPS cmdlet at it through
        $PSDefaultParameterValues (what was there before is put back by Stop-TestFake).
    #>
    $fake = [EvalsPS.FakeApi.FakeEvalsApi]::new()
    $fake.ExpectedApiKey = $TestKey
    $null = $fake.Start()

    $defaults = $global:PSDefaultParameterValues
    $saved = @{}
    foreach ($name in $TestDefaultNames) {
        if ($defaults.Contains($name)) { $saved[$name] = $defaults[$name] }
    }
    $script:SavedEvalRunDefaults = $saved
    foreach ($pattern in $TestCommandPatterns) {
        $defaults["${pattern}:BaseUri"] = $fake.BaseUri.ToString()
        $defaults["${pattern}:ApiKey"] = $TestKey
    }
    $fake
}

function Stop-TestFake {
    <# Disposes the fake and puts back the $PSDefaultParameterValues entries Start-TestFake replaced. #>
    param($Fake)
    $saved = $script:SavedEvalRunDefaults
    if ($null -ne $saved) {
        $defaults = $global:PSDefaultParameterValues
        foreach ($name in $TestDefaultNames) {
            $defaults.Remove($name)
            if ($saved.Contains($name)) { $defaults[$name] = $saved[$name] }
        }
        $script:SavedEvalRunDefaults = $null
    }
    if ($Fake) { $Fake.Dispose() }
}

function Reset-TestFake {
    <# Forgets the requests and scripted answers of earlier tests, and removes any latency. #>
    param([Parameter(Mandatory)] $Fake)
    $Fake.ClearScript()
    $Fake.ClearRequests()
    $Fake.Latency = [TimeSpan]::Zero
}

function Get-RequestLine {
    <# "METHOD /raw/target" for each request the fake received, in arrival order. #>
    param([Parameter(Mandatory)] $Fake)
    foreach ($request in $Fake.Requests) { '{0} {1}' -f $request.Method, $request.RawTarget }
}

function Get-RunPolls {
    <# The requests the fake received for one run (its polls, for Wait-EvalRun). #>
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [string] $RunId)
    @($Fake.Requests | Where-Object { $_.RawPath -like "*/runs/$RunId" })
}

function Get-ChangeLine {
    <# Compare-EvalRun's changes as one line, "item:Change,...", in the order written. #>
    param($Changes)
    ($Changes | ForEach-Object { "$($_.DatasourceItemId):$($_.Change)" }) -join ','
}

function Get-RequestGap {
    <# Milliseconds between the arrival of request $First and request $Second. #>
    param([Parameter(Mandatory)] $Fake, [int] $First, [int] $Second)
    $requests = $Fake.Requests
    ($requests[$Second].ReceivedAtUtc - $requests[$First].ReceivedAtUtc).TotalMilliseconds
}

function Wait-Until {
    <# Polls $Condition every 20 ms; $true as soon as it holds, $false after $TimeoutSec. #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSec = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 20
    }
    [bool](& $Condition)
}

function Invoke-Captured {
    <#
        Runs $ScriptBlock with every stream redirected (*>&1) and returns what each stream got:
        Output, Errors (non-terminating, in order), Terminating (the error that ended it, or $null),
        AllErrors, Verbose, Debug, Warning, Information (as strings), AllText (everything a user could
        see, for checking that the key never appears) and Elapsed.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)

    # Seen by the script block, which runs in a child scope of this one.
    $ErrorActionPreference = 'Continue'
    if ($PSVersionTable.PSVersion.Major -lt 7) { $DebugPreference = 'Continue' }

    # Prefixed names: the script block runs in a child scope of this one and must not find these.
    $__capturedRecords = [System.Collections.Generic.List[object]]::new()
    $__capturedTerminating = $null
    $__capturedClock = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        & $ScriptBlock *>&1 | ForEach-Object { $__capturedRecords.Add($_) }
    }
    catch {
        $__capturedTerminating = $_
    }
    $__capturedClock.Stop()
    $records = $__capturedRecords
    $terminating = $__capturedTerminating
    $clock = $__capturedClock

    $output = [System.Collections.Generic.List[object]]::new()
    $errors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
    $verbose = [System.Collections.Generic.List[string]]::new()
    $debug = [System.Collections.Generic.List[string]]::new()
    $warning = [System.Collections.Generic.List[string]]::new()
    $information = [System.Collections.Generic.List[string]]::new()
    foreach ($record in $records) {
        if ($record -is [System.Management.Automation.ErrorRecord]) { $errors.Add($record) }
        elseif ($record -is [System.Management.Automation.VerboseRecord]) { $verbose.Add($record.Message) }
        elseif ($record -is [System.Management.Automation.DebugRecord]) { $debug.Add($record.Message) }
        elseif ($record -is [System.Management.Automation.WarningRecord]) { $warning.Add($record.Message) }
        elseif ($record -is [System.Management.Automation.InformationRecord]) { $information.Add([string]$record.MessageData) }
        else { $output.Add($record) }
    }

    $allErrors = @($errors) + @($terminating | Where-Object { $null -ne $_ })
    $text = [System.Collections.Generic.List[string]]::new()
    foreach ($item in $output) { $text.Add([string]$item) }
    if ($output.Count -gt 0) { $text.Add(($output | Out-String -Width 250)) }
    foreach ($err in $allErrors) {
        $text.Add($err.ToString())
        $text.Add($err.FullyQualifiedErrorId)
        $text.Add($err.CategoryInfo.ToString())
        if ($err.ErrorDetails) { $text.Add([string]$err.ErrorDetails.Message); $text.Add([string]$err.ErrorDetails.RecommendedAction) }
        $text.Add([string]$err.TargetObject)
        for ($ex = $err.Exception; $null -ne $ex; $ex = $ex.InnerException) { $text.Add($ex.ToString()) }
        $text.Add(($err | Out-String -Width 250))
    }
    foreach ($list in $verbose, $debug, $warning, $information) { foreach ($line in $list) { $text.Add($line) } }

    [pscustomobject]@{
        Output      = $output.ToArray()
        Errors      = $errors.ToArray()
        Terminating = $terminating
        AllErrors   = $allErrors
        Verbose     = $verbose.ToArray()
        Debug       = $debug.ToArray()
        Warning     = $warning.ToArray()
        Information = $information.ToArray()
        AllText     = $text -join "`n"
        Elapsed     = $clock.Elapsed
    }
}

function Assert-NoKey {
    <# Fails when the key (or, with -Secret, another secret) shows anywhere in what Invoke-Captured saw. #>
    param([Parameter(Mandatory)] $Result, [string] $Secret = $TestKey)
    $Result.AllText.Contains($Secret) | Should -BeFalse -Because 'the API key must never appear in any stream, error or output'
}

function Assert-SingleError {
    <#
        Asserts that $Result holds exactly one error (terminating or not), with this ErrorId, category
        and TargetObject, and returns it.
    #>
    param(
        [Parameter(Mandatory)] $Result,
        [Parameter(Mandatory)] [string] $ErrorId,
        [Parameter(Mandatory)] [System.Management.Automation.ErrorCategory] $Category,
        [Parameter(Mandatory)] [AllowNull()] $Target
    )
    $all = @($Result.AllErrors)
    $all | Should -HaveCount 1 -Because "one error was expected, got: $($all | ForEach-Object { $_.FullyQualifiedErrorId })"
    $err = $all[0]
    $err.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
    $err.CategoryInfo.Category | Should -Be $Category
    $err.TargetObject | Should -Be $Target
    $err
}

function New-ModuleRunspace {
    <#
        A separate runspace with EvalsPS imported and pointed at the fake, for what the current one cannot
        observe: the progress stream, stopping a pipeline (Ctrl+C) from outside, and, with -PSHost, prompts
        and what-if messages. Dispose it after use.
    #>
    param([Parameter(Mandatory)] $Fake, [System.Management.Automation.Host.PSHost] $PSHost)
    $runspace = if ($PSHost) { [runspacefactory]::CreateRunspace($PSHost) } else { [runspacefactory]::CreateRunspace() }
    $runspace.Open()
    $runspace.SessionStateProxy.SetVariable('fakeUri', $Fake.BaseUri.ToString())
    $runspace.SessionStateProxy.SetVariable('testKey', $TestKey)
    $runspace.SessionStateProxy.SetVariable('testPatterns', $TestCommandPatterns)
    $shell = [powershell]::Create()
    $shell.Runspace = $runspace
    $null = $shell.AddScript("Import-Module '$TestModuleDir' -ErrorAction Stop; foreach (`$p in `$testPatterns) { `$PSDefaultParameterValues[`"`${p}:BaseUri`"] = `$fakeUri; `$PSDefaultParameterValues[`"`${p}:ApiKey`"] = `$testKey }")
    $null = $shell.Invoke()
    if ($shell.HadErrors) { throw "Could not prepare a runspace with EvalsPS: $($shell.Streams.Error | Select-Object -First 1)" }
    $shell.Dispose()
    $runspace
}

function New-ScriptedHost {
    <#
        A host for New-ModuleRunspace -PSHost that answers prompts as a user would, from its Answers queue
        ('Y', 'A', 'N', 'L' for Yes, Yes to All, No, No to All), and keeps what it was asked (Prompts) and
        what was written to it (Text). It is tools/EvalsPS.Hosting's, built for .NET 10: PowerShell 7 only.
    #>
    if (-not ('EvalsPS.Hosting.ScriptedHost' -as [type])) {
        $dll = Get-ChildItem -Path (Join-Path $TestRepoRoot 'tools/EvalsPS.Hosting/bin/*/net10.0/EvalsPS.Hosting.dll') |
            Sort-Object -Property LastWriteTimeUtc -Descending | Select-Object -First 1
        if (-not $dll) { throw "tools/EvalsPS.Hosting is not built. Run 'dotnet build' in '$TestRepoRoot' first." }
        Add-Type -Path $dll.FullName
    }
    [EvalsPS.Hosting.ScriptedHost]::new($null, 120)
}

function Invoke-InRunspace {
    <# Runs $Script synchronously in $Runspace; returns the PowerShell object, whose Streams hold what it wrote. #>
    param([Parameter(Mandatory)] $Runspace, [Parameter(Mandatory)] [string] $Script, [hashtable] $Variables = @{})
    foreach ($name in $Variables.Keys) { $Runspace.SessionStateProxy.SetVariable($name, $Variables[$name]) }
    $shell = [powershell]::Create()
    $shell.Runspace = $Runspace
    $null = $shell.AddScript($Script)
    $output = $shell.Invoke()
    [pscustomobject]@{ Shell = $shell; Output = @($output) }
}

function Invoke-CtrlCWhen {
    <#
        Starts $Script in a runspace of its own, waits until $InFlight holds (the call has reached the fake),
        then stops the pipeline as Ctrl+C does. Asserts that it ended Stopped; returns how long stopping took.
    #>
    param([Parameter(Mandatory)] $Fake, [Parameter(Mandatory)] [string] $Script, [Parameter(Mandatory)] [scriptblock] $InFlight, [hashtable] $Variables = @{})
    $runspace = New-ModuleRunspace $Fake
    foreach ($name in $Variables.Keys) { $runspace.SessionStateProxy.SetVariable($name, $Variables[$name]) }
    $shell = [powershell]::Create()
    $stopped = $true
    try {
        $shell.Runspace = $runspace
        $null = $shell.AddScript($Script)
        $null = $shell.BeginInvoke()
        Wait-Until $InFlight -TimeoutSec 10 | Should -BeTrue -Because 'the call must reach the fake before it is stopped'

        # Bounded: a cmdlet that ignores Ctrl+C fails this test instead of hanging the suite.
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $stopping = $shell.BeginStop($null, $null)
        $stopped = $stopping.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(30))
        $clock.Stop()
        $stopped | Should -BeTrue -Because 'Ctrl+C must end the call within 30 s'
        $shell.EndStop($stopping)

        $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        $clock.Elapsed
    }
    finally {
        # Disposing a pipeline that would not stop waits for it: leave it to the process's end instead.
        if ($stopped) {
            $shell.Dispose()
            $runspace.Dispose()
        }
    }
}

function Wait-Bounded {
    <#
        Waits at most $BoundSec for the pipeline $Shell started ($Async, from BeginInvoke). If it has not ended, asks it
        to stop without waiting for that, and throws $Message: a command that ignores the stop fails the test instead
        of hanging the suite. The caller must then not dispose the shell or its runspace (disposing waits for the
        pipeline): dispose them only when $Async.IsCompleted.
    #>
    param([Parameter(Mandatory)] [powershell] $Shell, [Parameter(Mandatory)] [IAsyncResult] $Async,
        [Parameter(Mandatory)] [double] $BoundSec, [Parameter(Mandatory)] [string] $Message)
    if ($Async.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($BoundSec))) { return }
    $null = $Shell.BeginStop($null, $null)
    throw $Message
}

# Last, so that the helpers above (Stop-TestFake in an AfterAll) exist even when the build is missing.
. $PSScriptRoot/RequestSchema.ps1

if (-not (Test-Path -LiteralPath $TestModuleManifest -PathType Leaf)) {
    throw "The module is not built: '$TestModuleManifest' does not exist. Run 'dotnet build' in '$TestRepoRoot' first."
}

if (-not ('EvalsPS.FakeApi.FakeEvalsApi' -as [type])) {
    $fakeDll = Get-ChildItem -Path (Join-Path $TestRepoRoot 'tools/EvalsPS.FakeApi/bin/*/netstandard2.0/EvalsPS.FakeApi.dll') -ErrorAction SilentlyContinue |
        Sort-Object -Property LastWriteTimeUtc -Descending |
        Select-Object -First 1
    if (-not $fakeDll) {
        throw "The fake API is not built: no tools/EvalsPS.FakeApi/bin/*/netstandard2.0/EvalsPS.FakeApi.dll under '$TestRepoRoot'. Run 'dotnet build' in '$TestRepoRoot' first."
    }
    Add-Type -Path $fakeDll.FullName
}

Import-Module $TestModuleDir -Force -ErrorAction Stop
