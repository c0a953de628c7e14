#Requires -Version 5.1
# The module as PowerShell sees it: exports, output types, parameter sets, the manifest, help, the files it
# ships, the Gallery package, re-importing.

BeforeDiscovery {
    # The module's cmdlets: the manifest's list, the one place they are named.
    $cmdlets = (Import-PowerShellDataFile (Join-Path (Split-Path -Parent $PSScriptRoot) 'EvalsPS.psd1')).CmdletsToExport

    # Everything the module folder and the package must hold.
    $shippedFiles = @(
        'EvalsPS.psd1', 'EvalsPS.dll', 'EvalsPS.format.ps1xml', 'en-US/EvalsPS.dll-Help.xml', 'en-US/about_EvalsPS.help.txt',
        'Dependencies/System.Text.Json.dll', 'Dependencies/System.Memory.dll', 'Dependencies/System.Runtime.CompilerServices.Unsafe.dll'
    )
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $fake = Start-TestFake
}

AfterAll {
    Stop-TestFake $fake
}

Describe 'EvalsPS module' {
    BeforeAll {
        # Every cmdlet has these; help does not list them. (ProgressAction exists from PowerShell 7.4 on.)
        $commonParameters = @(
            'Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ProgressAction', 'ErrorVariable',
            'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable'
        )
    }

    Context 'exports' {
        It 'exports exactly the cmdlets of its manifest, and no function, alias or variable' {
            $commands = @(Get-Command -Module EvalsPS | Sort-Object Name)

            ($commands.Name -join ',') | Should -Be (@($TestCmdlets | Sort-Object) -join ',')
            $commands | Should -Not -BeNullOrEmpty
            foreach ($command in $commands) { $command.CommandType | Should -Be 'Cmdlet' }
            $module = Get-Module EvalsPS
            $module.ExportedFunctions.Count | Should -Be 0
            $module.ExportedAliases.Count | Should -Be 0
            $module.ExportedVariables.Count | Should -Be 0
        }

        It '<_> declares its output type' -ForEach $cmdlets {
            # A cmdlet added to the manifest without its line here fails: every cmdlet declares what it writes.
            $expected = @{
                'Get-Eval' = 'EvalsPS.Eval'; 'Get-EvalRun' = 'EvalsPS.EvalRun'; 'Get-EvalRunOutputItem' = 'EvalsPS.EvalRunOutputItem'
                'Wait-EvalRun' = 'EvalsPS.EvalRun'; 'Stop-EvalRun' = 'EvalsPS.EvalRun'; 'Remove-EvalRun' = 'EvalsPS.EvalRunDeletion'
                'New-Eval' = 'EvalsPS.Eval'; 'Set-Eval' = 'EvalsPS.Eval'; 'Remove-Eval' = 'EvalsPS.EvalDeletion'; 'New-EvalRun' = 'EvalsPS.EvalRun'
                'Compare-EvalRun' = 'EvalsPS.EvalRunItemComparison,EvalsPS.EvalRunComparison'
            }
            $expected[$_] | Should -Not -BeNullOrEmpty -Because "$_ needs an expected output type here"
            ((Get-Command $_).OutputType.Name -join ',') | Should -BeExactly $expected[$_]
        }

        It 'completes -Status with the five statuses' {
            $line = 'Get-EvalRun -EvalId e -Status '

            $completions = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)

            (@($completions | Sort-Object) -join ',') | Should -Be 'canceled,completed,failed,in_progress,queued'
        }

        It 'loads the formatting of its types' {
            Get-FormatData -TypeName EvalsPS.EvalRun | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalRunDeletion | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.Eval | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalGrader | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalRunOutputItem | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalRunOutputItemResult | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalRunItemComparison | Should -Not -BeNullOrEmpty
            Get-FormatData -TypeName EvalsPS.EvalRunComparison | Should -Not -BeNullOrEmpty
        }

        It 'names only real properties in its views, and has a table and a list for runs' {
            $views = @(([xml](Get-Content -Raw (Join-Path $TestModuleDir 'EvalsPS.format.ps1xml'))).Configuration.ViewDefinitions.View)

            foreach ($view in $views) {
                $type = $view.ViewSelectedBy.TypeName -as [type]
                $type | Should -Not -BeNullOrEmpty -Because "view $($view.Name) selects $($view.ViewSelectedBy.TypeName)"
                foreach ($property in $view.SelectNodes('.//PropertyName')) {
                    $type.GetProperty($property.InnerText) | Should -Not -BeNullOrEmpty -Because "view $($view.Name) shows $($property.InnerText)"
                }
            }
            $runViews = @($views | Where-Object { $_.ViewSelectedBy.TypeName -eq 'EvalsPS.EvalRun' })
            @($runViews | Where-Object { $_.TableControl }) | Should -HaveCount 1
            @($runViews | Where-Object { $_.ListControl }) | Should -HaveCount 1
        }
    }

    Context 'parameter sets' {
        It '<Name> has the ById and InputObject sets, each with -WhatIf and -Confirm' -ForEach @(
            @{ Name = 'Stop-EvalRun' }
            @{ Name = 'Remove-EvalRun' }
        ) {
            $syntax = (Get-Command $Name -Syntax | Out-String) -split '\r?\n' | Where-Object { $_.Trim() }

            $syntax | Should -HaveCount 2
            @($syntax | Where-Object { $_.Contains("$Name [-EvalId] <string> [-RunId] <string[]>") }) | Should -HaveCount 1
            @($syntax | Where-Object { $_.Contains("$Name -InputObject <EvalRun[]>") }) | Should -HaveCount 1
            @($syntax | Where-Object { $_.Contains('[-WhatIf] [-Confirm]') }) | Should -HaveCount 2
            $command = Get-Command $Name
            (@($command.ParameterSets.Name | Sort-Object) -join ',') | Should -Be 'ById,InputObject'
            ($command.ParameterSets | Where-Object IsDefault).Name | Should -Be 'InputObject'
        }

        It 'Get-EvalRun has a default List set with paging and a ById set, neither with -WhatIf' {
            $syntax = (Get-Command Get-EvalRun -Syntax | Out-String) -split '\r?\n' | Where-Object { $_.Trim() }

            $syntax | Should -HaveCount 2
            @($syntax | Where-Object { $_.Contains('Get-EvalRun [-EvalId] <string> [-RunId] <string[]>') }) | Should -HaveCount 1
            $list = @($syntax | Where-Object { $_.Contains('[-Status <string>]') })
            $list | Should -HaveCount 1
            # Contains, not -BeLike: '[' opens a character class in a wildcard pattern.
            $list[0].Contains('[-Order <string>]') | Should -BeTrue
            $list[0].Contains('[-First <') | Should -BeTrue
            $list[0].Contains('[-Skip <') | Should -BeTrue
            $list[0].Contains('[-IncludeTotalCount]') | Should -BeTrue
            @($syntax | Where-Object { $_.Contains('-WhatIf') }) | Should -HaveCount 0
            $command = Get-Command Get-EvalRun
            ($command.ParameterSets | Where-Object IsDefault).Name | Should -Be 'List'
        }

        It '<Name> binds EvalId and RunId from the pipeline by property name, with the CSV aliases' -ForEach @(
            @{ Name = 'Get-EvalRun' }
            @{ Name = 'Stop-EvalRun' }
            @{ Name = 'Remove-EvalRun' }
            @{ Name = 'Wait-EvalRun' }
            @{ Name = 'Get-EvalRunOutputItem' }
        ) {
            $parameters = (Get-Command $Name).Parameters
            $parameters['EvalId'].Aliases | Should -Contain 'eval_id'
            $parameters['RunId'].Aliases | Should -Contain 'run_id'
            # Evals and output items have an Id too: piped to this cmdlet, it must not pass for a run id.
            $parameters['RunId'].Aliases | Should -Not -Contain 'Id'
            foreach ($parameter in 'EvalId', 'RunId') {
                @($parameters[$parameter].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ValueFromPipelineByPropertyName }) |
                    Should -Not -HaveCount 0
            }
        }
    }

    Context 'manifest' {
        BeforeAll {
            $manifest = Test-ModuleManifest -Path $TestModuleManifest -ErrorAction Stop
        }

        It 'passes Test-ModuleManifest with the name, version and GUID' {
            $manifest.Name | Should -Be 'EvalsPS'
            $manifest.Version | Should -Be ([version]'0.1.0')
            $manifest.Guid | Should -Be ([guid]'5f0c2a3e-7c1d-4a8e-9b57-2d6f1e0b9c41')
            $manifest.RootModule | Should -Be 'EvalsPS.dll'
        }

        It 'declares both editions, PowerShell 5.1 and an explicit export list' {
            (@($manifest.CompatiblePSEditions | Sort-Object) -join ',') | Should -Be 'Core,Desktop'
            $manifest.PowerShellVersion | Should -Be ([version]'5.1')
            (@($manifest.ExportedCmdlets.Keys | Sort-Object) -join ',') | Should -Be (@($TestCmdlets | Sort-Object) -join ',')
            $manifest.ExportedFunctions.Count | Should -Be 0
            $manifest.ExportedAliases.Count | Should -Be 0
        }

        It 'carries the gallery metadata' {
            $manifest.Author | Should -Be 'EvalsPS contributors'
            $manifest.CompanyName | Should -Be 'EvalsPS'
            $manifest.Copyright | Should -Not -BeNullOrEmpty
            $manifest.Description.Length | Should -BeGreaterThan 20
            # The project has no public site yet: the manifest names none rather than an address that does not exist.
            $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'ProjectUri'
            $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'LicenseUri'
            $manifest.ReleaseNotes | Should -Not -BeNullOrEmpty
            $manifest.Tags | Should -Contain 'OpenAI'
            $manifest.Tags | Should -Contain 'PSEdition_Desktop'
            $manifest.Tags | Should -Contain 'PSEdition_Core'
        }

        It 'tags the Gallery package with every cmdlet, so a search for one finds the module' {
            $package = Get-ChildItem -Path (Join-Path $TestRepoRoot 'out') -Filter 'EvalsPS.*.nupkg' | Select-Object -First 1
            $package | Should -Not -BeNullOrEmpty
            Add-Type -AssemblyName System.IO.Compression.FileSystem
            $zip = [System.IO.Compression.ZipFile]::OpenRead($package.FullName)
            try {
                $entry = $zip.Entries | Where-Object FullName -like '*.nuspec' | Select-Object -First 1
                $reader = [System.IO.StreamReader]::new($entry.Open())
                try { $tags = ([xml]$reader.ReadToEnd()).package.metadata.tags -split ' ' } finally { $reader.Dispose() }
            }
            finally { $zip.Dispose() }

            foreach ($name in $TestCmdlets) {
                $tags | Should -Contain "PSCmdlet_$name"
                $tags | Should -Contain "PSCommand_$name"
            }
            $tags | Should -Contain 'Evals'
        }

        It 'is the same file as the manifest at the repository root' {
            $built = Get-FileHash -Path $TestModuleManifest -Algorithm SHA256
            $source = Get-FileHash -Path (Join-Path $TestRepoRoot 'EvalsPS.psd1') -Algorithm SHA256
            $built.Hash | Should -Be $source.Hash -Because 'out/EvalsPS/EvalsPS.psd1 is copied from the root by the build'
        }

        It 'is packed for the Gallery with the module at the package root and the manifest metadata' -TestCases @(@{ Files = $shippedFiles }) {
            $package = Join-Path $TestRepoRoot "out/EvalsPS.$($manifest.Version).nupkg"
            $package | Should -Exist -Because 'dotnet build packs the module'
            Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
            $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
            try {
                $entries = @($zip.Entries.FullName)
                foreach ($file in $Files) { $entries | Should -Contain $file }
                @($entries | Where-Object { $_ -like 'lib/*' -or $_ -like 'content/*' }) | Should -HaveCount 0
                $reader = [System.IO.StreamReader]::new($zip.GetEntry('EvalsPS.nuspec').Open())
                $nuspec = ([xml]$reader.ReadToEnd()).package.metadata
                $reader.Dispose()
            }
            finally { $zip.Dispose() }

            $nuspec.id | Should -Be 'EvalsPS'
            $nuspec.version | Should -Be $manifest.Version.ToString()
            $nuspec.authors | Should -Be $manifest.Author
            $nuspec.description | Should -Be $manifest.Description
            $nuspec.releaseNotes | Should -BeLike 'First release*'
            $nuspec.projectUrl | Should -BeNullOrEmpty
            $nuspec.license.'#text' | Should -Be 'MIT'
            $tags = $nuspec.tags -split ' '
            foreach ($tag in 'PSModule', 'PSIncludes_Cmdlet', 'PSEdition_Desktop', 'PSEdition_Core', 'OpenAI',
                'PSCmdlet_Get-EvalRun', 'PSCmdlet_Stop-EvalRun', 'PSCmdlet_Remove-EvalRun',
                'PSCommand_Get-EvalRun', 'PSCommand_Stop-EvalRun', 'PSCommand_Remove-EvalRun') {
                $tags | Should -Contain $tag
            }
        }

        It 'agrees with the module as loaded' {
            $module = Get-Module EvalsPS
            $module.Version | Should -Be $manifest.Version
            $module.ModuleType | Should -Be 'Binary'
            (@($module.ExportedCmdlets.Keys | Sort-Object) -join ',') | Should -Be (@($TestCmdlets | Sort-Object) -join ',')
        }
    }

    Context 'the module folder' {
        It 'holds <_>' -ForEach $shippedFiles {
            Join-Path $TestModuleDir $_ | Should -Exist
        }

        It 'does not ship PowerShell itself' {
            Join-Path $TestModuleDir 'System.Management.Automation.dll' | Should -Not -Exist
            Join-Path $TestModuleDir 'Dependencies/System.Management.Automation.dll' | Should -Not -Exist
        }

        It 'can be removed and imported again while another runspace uses it' {
            $id = $fake.AddRun('eval_reimport', [NullString]::Value, 'completed', [NullString]::Value)
            $runspace = New-ModuleRunspace $fake
            try {
                Remove-Module EvalsPS
                Get-Module EvalsPS | Should -BeNullOrEmpty
                Import-Module $TestModuleDir -ErrorAction Stop

                (Get-EvalRun eval_reimport $id).Id | Should -Be $id
                $other = Invoke-InRunspace $runspace 'Remove-Module EvalsPS; Import-Module $dir -ErrorAction Stop; (Get-EvalRun eval_reimport $id).Id' -Variables @{ dir = $TestModuleDir; id = $id }
                try {
                    $other.Shell.HadErrors | Should -BeFalse
                    $other.Output | Should -HaveCount 1
                    [string]$other.Output[0] | Should -Be $id
                }
                finally { $other.Shell.Dispose() }
            }
            finally {
                $runspace.Dispose()
                if (-not (Get-Module EvalsPS)) { Import-Module $TestModuleDir }
            }
        }
    }

    Context 'help for <Name>' -ForEach @($cmdlets | ForEach-Object { @{ Name = $_ } }) {
        BeforeAll {
            $help = Get-Help $Name -Full
        }

        It 'has a written synopsis and description, not the generated syntax' {
            $help.Synopsis.Length | Should -BeGreaterThan 20
            # Without help files, Get-Help makes the synopsis from the syntax.
            $help.Synopsis.Contains("$Name [") | Should -BeFalse
            (@($help.description | ForEach-Object { $_.Text }) -join ' ').Length | Should -BeGreaterThan 20
        }

        It 'has at least three examples, each with code and an explanation' {
            $examples = @($help.examples.example)

            $examples.Count | Should -BeGreaterOrEqual 3
            foreach ($example in $examples) {
                $example.title | Should -BeLike '*Example*'
                $example.code | Should -BeLike "*$Name*"
                (@($example.remarks | ForEach-Object { $_.Text }) -join ' ').Trim().Length | Should -BeGreaterThan 10
            }
        }

        It 'describes every parameter the cmdlet has, and no other' {
            $actual = @((Get-Command $Name).Parameters.Keys | Where-Object { $commonParameters -notcontains $_ } | Sort-Object)
            $documented = @($help.parameters.parameter | Sort-Object -Property name)

            (@($documented.name) -join ',') | Should -Be ($actual -join ',')
            foreach ($parameter in $documented) {
                (@($parameter.description | ForEach-Object { $_.Text }) -join ' ').Trim().Length |
                    Should -BeGreaterThan 10 -Because "-$($parameter.name) needs a description"
            }
        }

        It 'documents the same parameters and parameter sets in docs/<Name>.md' {
            $command = Get-Command $Name
            $actual = @($command.Parameters.Keys | Where-Object { $commonParameters -notcontains $_ } | Sort-Object)
            $sets = @($command.ParameterSets | ForEach-Object { $_.Name + $(if ($_.IsDefault) { ' (Default)' }) } | Sort-Object)
            $markdown = Get-Content -Raw -Path (Join-Path $TestRepoRoot "docs/$Name.md")
            $inDocs = @([regex]::Matches($markdown, '(?m)^### -(\w+)\s*$') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
            $syntax = $markdown.Substring($markdown.IndexOf('## SYNTAX'), $markdown.IndexOf('## DESCRIPTION') - $markdown.IndexOf('## SYNTAX'))
            $setsInDocs = @([regex]::Matches($syntax, '(?m)^### (.+?)\s*$') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)

            ($inDocs -join ',') | Should -Be ($actual -join ',')
            ($setsInDocs -join ',') | Should -Be ($sets -join ',')
        }
    }

    Context 'help for the module' {
        It 'examples cover pipelines, -WhatIf and CSV files' {
            $code = (@('Get-EvalRun', 'Stop-EvalRun', 'Remove-EvalRun') | ForEach-Object { (Get-Help $_ -Examples).examples.example.code }) -join "`n"

            $code | Should -Match '\|\s*Stop-EvalRun'
            $code | Should -Match '\|\s*Remove-EvalRun'
            $code | Should -BeLike '*-WhatIf*'
            $code | Should -BeLike '*Import-Csv*'
            $code | Should -BeLike '*Export-Csv*'
        }

        It 'has an about_EvalsPS topic explaining <Needle>' -ForEach @(
            @{ Needle = 'OPENAI_API_KEY' }
            @{ Needle = 'OPENAI_BASE_URL' }
            @{ Needle = 'OPENAI_ORG_ID' }
            @{ Needle = 'OPENAI_PROJECT_ID' }
            @{ Needle = '-MaxRetries' }
            @{ Needle = 'retry-after' }
            @{ Needle = 'EvalRunNotFound' }
            @{ Needle = 'FakeEvalsApi' }
            @{ Needle = 'Wait-EvalRun' }
            @{ Needle = 'WaitTimeout' }
            @{ Needle = 'EvalRunOutputItemNotFound' }
            @{ Needle = 'TAB COMPLETION' }
        ) {
            $text = Get-Help about_EvalsPS -ErrorAction Stop | Out-String

            $text | Should -BeLike '*about_EvalsPS*'
            $text.Contains($Needle) | Should -BeTrue -Because "about_EvalsPS should mention $Needle"
        }
    }
}
