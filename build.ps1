<#
.SYNOPSIS
    Builds, documents and tests EvalsPS.
.DESCRIPTION
    Build   : dotnet build, then checks that out/EvalsPS holds every file the module ships.
    Docs    : regenerates en-US help with PlatyPS when it is installed (the build's own generator
              makes the same files from docs/*.md otherwise).
    Test    : builds, runs the C# unit tests (tests/EvalsPS.UnitTests), then the Pester suite in a child
              process. The one test command: dotnet tool restore && dotnet pwsh -NoProfile -File ./build.ps1 -Task Test
    Package : the PowerShell Gallery package out/EvalsPS.<version>.nupkg, checked against the same
              allow-list as the module folder.
    Pester  : only the Pester suite, in a child process so the module dll is not locked here.
              Uses an installed Pester 5, or restores the pinned one from NuGet (tools/TestTools).
    Clean   : removes out/ and every bin/ and obj/.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Pester', 'Package', 'Clean')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'out/EvalsPS'

# Everything the module folder must hold; the build fails loudly when one is missing.
$shippedFiles = @(
    'EvalsPS.psd1'
    'EvalsPS.dll'
    'EvalsPS.format.ps1xml'
    'en-US/EvalsPS.dll-Help.xml'
    'en-US/about_EvalsPS.help.txt'
    'Dependencies/System.Text.Json.dll'
)

function Invoke-Dotnet {
    & dotnet @args | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Assert-ModuleLayout {
    $missing = $shippedFiles | Where-Object { -not (Test-Path (Join-Path $moduleDir $_)) }
    if ($missing) { throw "out/EvalsPS is missing: $($missing -join ', ')" }
    Write-Host "out/EvalsPS holds all $($shippedFiles.Count) expected files."
}

function Get-PesterManifest {
    # An installed Pester 5 if there is one; otherwise the copy tools/TestTools restores from NuGet.
    $installed = Get-Module -ListAvailable Pester | Where-Object Version -ge '5.0' | Sort-Object Version -Descending | Select-Object -First 1
    if ($installed) { return $installed.Path }
    Invoke-Dotnet restore (Join-Path $root 'tools/TestTools/TestTools.csproj')
    $restored = Get-ChildItem (Join-Path $root 'out/testtools/pester/*/tools/Pester.psd1') | Select-Object -Last 1
    if (-not $restored) { throw 'Pester could not be restored from NuGet.' }
    $restored.FullName
}

# A test that hangs must fail the suite, not stall it: the child writes a line to a progress file as each test and
# block starts and ends (a Pester plugin, below), and the suite is killed when that file has not changed for this long.
# The slowest test takes ~20 s on a busy 2-core machine; EVALSPS_TEST_HANG_SECONDS overrides.
$hangSeconds = if ($env:EVALSPS_TEST_HANG_SECONDS) { [int]$env:EVALSPS_TEST_HANG_SECONDS } else { 150 }

# Run in the child before Invoke-Pester. Pester 5 has no public hook per test; its plugin list takes extra plugins
# through $script:additionalPlugins (what the VS Code adapter uses). Where that is missing the suite runs unwatched.
$progressPlugin = {
    param($ProgressFile)
    $pester = Get-Module Pester
    $hooked = & $pester {
        param($ProgressFile)
        if (-not (Get-Command New-PluginObject -ErrorAction Ignore)) { return $false }
        $script:progressFile = $ProgressFile
        $mark = { param($What) [IO.File]::AppendAllText($script:progressFile, "$([DateTime]::UtcNow.ToString('HH:mm:ss')) $What`n") }.GetNewClosure()
        $script:additionalPlugins = @(New-PluginObject -Name 'EvalsPSProgress' `
            -ContainerRunStart { param($Context) & $mark "file $($Context.Block.BlockContainer.Item)" }.GetNewClosure() `
            -EachBlockSetupStart { param($Context) & $mark "block $($Context.Block.Path -join ' > ')" }.GetNewClosure() `
            -EachTestSetupStart {
                param($Context)
                $data = $Context.Test.Data
                $with = if ($data -is [System.Collections.IDictionary]) { ' (' + (($data.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', ') + ')' }
                & $mark "test $($Context.Test.Path -join ' > ')$with"
            }.GetNewClosure() `
            -EachTestTeardownEnd { param($Context) & $mark 'done' }.GetNewClosure() `
            -OneTimeBlockTeardownEnd { param($Context) & $mark 'done' }.GetNewClosure())
        $true
    } $ProgressFile
    if (-not $hooked) { Write-Warning "This Pester ($($pester.Version)) has no plugin hook: the suite runs without its hang watchdog." }
}

function Invoke-PesterSuite {
    $pester = Get-PesterManifest
    # A child process, so this session never loads (and locks) the module dll.
    $pwsh = Join-Path $PSHOME $(if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { 'pwsh.exe' } else { 'pwsh' })
    $launcher = @(if (Test-Path $pwsh) { $pwsh } else { 'dotnet'; Join-Path $PSHOME 'pwsh.dll' })
    $progressFile = Join-Path ([IO.Path]::GetTempPath()) "evalsps-pester-$PID.progress"
    Set-Content -Path $progressFile -Value '' -NoNewline
    $script = "Import-Module '$pester'; & { $progressPlugin } '$progressFile'; `$c = New-PesterConfiguration; `$c.Run.Path = '$root/tests'; `$c.Run.Exit = `$true; `$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"

    $start = [Diagnostics.ProcessStartInfo]::new($launcher[0])
    foreach ($argument in @($launcher | Select-Object -Skip 1) + @('-NoProfile', '-Command', $script)) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false  # the child writes straight to this console
    $child = [Diagnostics.Process]::Start($start)
    try {
        while (-not $child.WaitForExit(1000)) {
            $quiet = [DateTime]::UtcNow - (Get-Item $progressFile).LastWriteTimeUtc
            if ($quiet.TotalSeconds -lt $hangSeconds) { continue }
            # Lines are "HH:mm:ss file|block|test <name>" as each starts, and "HH:mm:ss done" as a test or block ends.
            $lines = @(Get-Content $progressFile | Where-Object { $_ })
            $file = @($lines | Where-Object { $_ -match '^\S+ file ' } | Select-Object -Last 1) -replace '^\S+ file ', ''
            $started = @($lines | Where-Object { $_ -notmatch ' done$' } | Select-Object -Last 1)
            $where = if (-not $started) { 'in test discovery' }
                     elseif ($lines[-1] -match ' done$') { "after $($started -replace '^(\S+) (\w+) (.*)$', '$2 ''$3'' (started $1 UTC)'), in a teardown or the next setup" }
                     else { "in $($started -replace '^(\S+) (\w+) (.*)$', '$2 ''$3'' (started $1 UTC)')" }
            $child.Kill($true)
            $child.WaitForExit()
            throw "HANG: the Pester suite made no progress for $hangSeconds s and was stopped. It hung $where, in $file."
        }
        if ($child.ExitCode -ne 0) { throw "The Pester suite failed ($($child.ExitCode))." }
    }
    finally {
        $child.Dispose()
        Remove-Item $progressFile -ErrorAction Ignore
    }
}

foreach ($step in $Task) {
    switch ($step) {
        'Build' {
            Invoke-Dotnet build (Join-Path $root 'EvalsPS.sln') -c $Configuration
            Assert-ModuleLayout
        }
        'Docs' {
            if (Get-Module -ListAvailable platyPS) {
                Import-Module platyPS
                New-ExternalHelp -Path (Join-Path $root 'docs') -OutputPath (Join-Path $moduleDir 'en-US') -Force | Out-Null
                Write-Host 'Help regenerated with PlatyPS.'
            }
            else {
                Write-Host 'PlatyPS is not installed: the help in out/EvalsPS/en-US comes from the build''s own generator (tools/EvalsPS.HelpGen).'
            }
        }
        'Test' {
            Invoke-Dotnet build (Join-Path $root 'EvalsPS.sln') -c $Configuration
            Assert-ModuleLayout
            # Both suites run even when the first fails, so one run reports every failure.
            $unitFailed = $null
            # --blame-hang-timeout: a hung unit test fails the run, naming the test, instead of stalling it.
            try { Invoke-Dotnet test (Join-Path $root 'tests/EvalsPS.UnitTests/EvalsPS.UnitTests.csproj') -c $Configuration --no-build --blame-hang-timeout 2m --blame-hang-dump-type none }
            catch { $unitFailed = $_ }
            Invoke-PesterSuite
            if ($unitFailed) { throw $unitFailed }
        }
        'Pester' {
            Invoke-Dotnet build (Join-Path $root 'EvalsPS.sln') -c $Configuration
            Invoke-PesterSuite
        }
        'Package' {
            Invoke-Dotnet build (Join-Path $root 'tools/EvalsPS.Package/EvalsPS.Package.csproj') -c $Configuration
            Assert-ModuleLayout
            $version = (Import-PowerShellDataFile (Join-Path $root 'EvalsPS.psd1')).ModuleVersion
            $package = Join-Path $root "out/EvalsPS.$version.nupkg"
            if (-not (Test-Path $package)) { throw "The package $package was not produced." }
            Add-Type -AssemblyName System.IO.Compression.FileSystem
            $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
            try {
                $entries = $zip.Entries.FullName
                $missing = $shippedFiles | Where-Object { $entries -notcontains $_ }
                if ($missing) { throw "The package is missing: $($missing -join ', ')" }
            }
            finally { $zip.Dispose() }
            Write-Host "Packed $package."
        }
        'Clean' {
            Remove-Item -Recurse -Force -ErrorAction SilentlyContinue (Join-Path $root 'out')
            Get-ChildItem $root -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force
        }
    }
}
