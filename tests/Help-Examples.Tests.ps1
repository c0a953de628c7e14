#Requires -Version 5.1
# The help as a user runs it: the code of every example in Get-Help, and the code blocks of about_EvalsPS
# ERRORS, run as written against the loopback fake; and the docs/*.md front matter that PlatyPS 1.x
# (Microsoft.PowerShell.PlatyPS) expects, so its Import-MarkdownCommandHelp and Test-MarkdownCommandHelp
# accept the pages and its Measure-PlatyPSMarkdown recognises the about page.

BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    # Every cmdlet the module exports: a new cmdlet's page and examples are checked without a change here.
    $commands = (Get-Command -Module EvalsPS -CommandType Cmdlet).Name | Sort-Object
    $examples = foreach ($command in $commands) {
        foreach ($example in @((Get-Help $command -Examples).examples.example)) {
            @{ Command = $command; Title = $example.title.Trim('- '); Code = $example.code }
        }
    }
    $cmdletPages = $commands | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # The ids the examples use, in the states they expect.
    $docsEval = 'eval_67abd54d9b0081909a86353f6fb9317a'
    $docsRuns = [ordered]@{
        evalrun_683e5a7c6b9c8190a1f4d2e3c5b7a901 = 'completed'
        evalrun_683d08fc1b6481909bd5c0a3e4f2d611 = 'completed'
        evalrun_683c8e2a95d08190b7e1f0c4a2d3e8b5 = 'in_progress'
    }

    # Runs $Code in a runspace of its own (no console: a prompt there would be an error), in an empty folder
    # holding the CSV files the examples read, against a new fake seeded with the examples' runs. Nobody
    # is at a prompt, so $ConfirmPreference = 'None' answers Yes as a user would. Returns the PowerShell
    # object (Streams, HadErrors) and the output as text.
    function Invoke-Example([string] $Code) {
        $fake = Start-TestFake
        $runspace = $null
        $pending = $null
        try {
            foreach ($id in $docsRuns.Keys) { $null = $fake.AddRun($docsEval, $id, $docsRuns[$id], 'docs run') }
            # Graded items for the output-item examples, among them the one they name; the run in progress
            # ends on its second poll, which the fake asks for after 50 ms, so the waiting examples end too.
            $null = $fake.AddOutputItems($docsEval, 'evalrun_683e5a7c6b9c8190a1f4d2e3c5b7a901', 6)
            $item = '{"object":"eval.run.output_item","id":"outputitem_683e5b1f2c4881909d3e5a7b9c1d3e5f","created_at":1748797200,' +
                '"status":"fail","datasource_item_id":7,"datasource_item":{"input":"Derby ends in a draw"},' +
                '"results":[{"name":"Match output to human label","type":"string-check-grader","score":0,"passed":false}],' +
                '"sample":{"input":[{"role":"user","content":"Derby ends in a draw"}],"output":[{"role":"assistant","content":"Sports"}],' +
                '"finish_reason":"stop","model":"o4-mini","usage":{"total_tokens":12,"completion_tokens":1,"prompt_tokens":11,"cached_tokens":0},' +
                '"error":null,"temperature":1,"max_completion_tokens":2048,"top_p":1,"seed":42}}'
            $null = $fake.AddOutputItemJson($docsEval, 'evalrun_683e5a7c6b9c8190a1f4d2e3c5b7a901', $item)
            # Compare-EvalRun's examples: the older completed run is the baseline (rows 1 to 6); against it the newer
            # one regresses item 3, fixes item 5 and adds item 7, and the run in progress only fixes item 5.
            $null = $fake.AddGradedOutputItems($docsEval, 'evalrun_683d08fc1b6481909bd5c0a3e4f2d611', 'ppppff', 1)
            $null = $fake.AddGradedOutputItems($docsEval, 'evalrun_683c8e2a95d08190b7e1f0c4a2d3e8b5', 'pppppf', 1)
            $fake.SetStatusSequence($docsEval, 'evalrun_683c8e2a95d08190b7e1f0c4a2d3e8b5', [string[]]@('in_progress', 'completed'))
            $fake.PollAfterMs = 50
            $null = $fake.AddRuns($docsEval, 2, 'failed')
            $null = $fake.AddRuns($docsEval, 2, 'canceled')
            $folder = Join-Path $TestDrive ([guid]::NewGuid())
            $null = New-Item -ItemType Directory -Path $folder
            $rows = "eval_id,run_id`n" + (($docsRuns.Keys | ForEach-Object { "$docsEval,$_" }) -join "`n")
            Set-Content -Path (Join-Path $folder 'runs-to-delete.csv') -Value $rows
            $unfinished = @($docsRuns.Keys | Where-Object { $docsRuns[$_] -eq 'in_progress' })
            Set-Content -Path (Join-Path $folder 'runs-to-cancel.csv') -Value ("eval_id,run_id`n" + (($unfinished | ForEach-Object { "$docsEval,$_" }) -join "`n"))
            Set-Content -Path (Join-Path $folder 'runs.csv') -Value ("eval_id,run_id`n" + (($docsRuns.Keys | ForEach-Object { "$docsEval,$_" }) -join "`n"))
            # The items New-EvalRun's examples read, in the fields the fake's eval requires.
            Set-Content -Path (Join-Path $folder 'tickets.jsonl') -Value ([EvalsPS.FakeApi.FakeEvalsApi]::TicketsJsonl)
            Set-Content -Path (Join-Path $folder 'tickets.csv') -Value "input,ground_truth`nCharged twice,Billing`nApp crashes on start,Bug"

            $runspace = New-ModuleRunspace $fake
            $shell = [powershell]::Create()
            $shell.Runspace = $runspace
            $null = $shell.AddScript("Set-Location -LiteralPath '$folder'; `$ConfirmPreference = 'None'").AddStatement()
            $null = $shell.AddScript($Code).AddCommand('Out-String').AddParameter('Width', 200)
            # Bounded: an example that never ends (a wait that is never satisfied) fails here instead of hanging the suite.
            $pending = $shell.BeginInvoke()
            Wait-Bounded -Shell $shell -Async $pending -BoundSec 60 -Message "The example did not finish within 60 s: $Code"
            $text = -join $shell.EndInvoke($pending)
            [pscustomobject]@{ Shell = $shell; Text = $text; Requests = $fake.Requests.Count }
        }
        finally {
            # Disposing a runspace whose example never ended would wait for it: left to the process's end instead.
            if ($runspace -and (-not $pending -or $pending.IsCompleted)) { $runspace.Dispose() }
            Stop-TestFake $fake
        }
    }

    # The "## " headings of a docs page, outside code blocks.
    function Get-Heading([string] $Path, [string] $Prefix = '## ') {
        $inCode = $false
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($line.StartsWith('```')) { $inCode = -not $inCode }
            elseif (-not $inCode -and $line.StartsWith($Prefix)) { $line.Substring($Prefix.Length).Trim() }
        }
    }

    # The YAML front matter of a docs page: the "key: value" lines between the first two '---' lines.
    function Get-FrontMatter([string] $Path) {
        $lines = Get-Content -LiteralPath $Path
        $lines[0] | Should -Be '---'
        $end = [array]::IndexOf($lines, '---', 1)
        $front = [ordered]@{}
        foreach ($line in $lines[1..($end - 1)]) {
            $key, $value = $line -split ':\s*', 2
            $front[$key] = $value
        }
        $front
    }
}

Describe 'Help examples' {
    It '<Command> <Title> runs as written against the fake' -TestCases $examples {
        $Code | Should -Not -BeNullOrEmpty

        $result = Invoke-Example $Code

        $errors = @($result.Shell.Streams.Error)
        $errors | Should -HaveCount 0 -Because "the example's code must run: $($errors | Select-Object -First 1)"
        $result.Shell.InvocationStateInfo.State | Should -Be 'Completed'
        $result.Requests | Should -BeGreaterThan 0 -Because 'every example talks to the API'
    }

    It 'about_EvalsPS: the code blocks of ERRORS run as written' {
        $markdown = Get-Content -Raw -LiteralPath (Join-Path $TestRepoRoot 'docs/about_EvalsPS.md')
        $errorsSection = [regex]::Match($markdown, '(?s)\n## ERRORS\n(.*?)\n## ').Groups[1].Value
        $blocks = @([regex]::Matches($errorsSection, '(?s)```powershell\n(.*?)```') | ForEach-Object { $_.Groups[1].Value })

        foreach ($block in $blocks) {
            $result = Invoke-Example $block
            @($result.Shell.Streams.Error) | Should -HaveCount 0 -Because "this block must run: $block"
            $result.Shell.InvocationStateInfo.State | Should -Be 'Completed'
        }
        $blocks.Count | Should -Be 2 -Because 'ERRORS shows catching by type and collecting with -ErrorVariable'
        $catch = Invoke-Example ($blocks | Where-Object { $_ -match 'catch \[EvalsPS' })
        $catch.Text | Should -BeLike '*HTTP 404, request id req_*'
        $collect = Invoke-Example ($blocks | Where-Object { $_ -match 'ErrorVariable' })
        $collect.Text | Should -BeLike '*evalrun_missing*EvalRunNotFound,EvalsPS.Commands.StopEvalRunCommand*'
    }
}

Describe 'PlatyPS 1.x front matter' {
    It 'docs/<Name>.md has every key a PlatyPS 1.x command page requires' -TestCases $cmdletPages {
        $front = Get-FrontMatter (Join-Path $TestRepoRoot "docs/$Name.md")

        # The keys Test-MarkdownCommandHelp requires of a command page (schema 2024-05-01).
        foreach ($key in 'document type', 'title', 'Module Name', 'Locale', 'PlatyPS schema version', 'HelpUri', 'ms.date', 'external help file') {
            $front.Contains($key) | Should -BeTrue -Because "PlatyPS 1.x requires '$key'"
        }
        $front['document type'] | Should -Be 'cmdlet'
        $front['title'] | Should -Be $Name
        $front['Module Name'] | Should -Be 'EvalsPS'
        $front['Locale'] | Should -Be 'en-US'
        $front['PlatyPS schema version'] | Should -Be '2024-05-01'
        $front['ms.date'] | Should -Match '^\d\d/\d\d/\d{4}$'
        $front['HelpUri'] | Should -Be $front['online version']
    }

    It 'docs/<Name>.md has the sections of a PlatyPS 1.x command page, in order, ALIASES included' -TestCases $cmdletPages {
        $headings = @(Get-Heading (Join-Path $TestRepoRoot "docs/$Name.md"))

        # Import-MarkdownCommandHelp warns when ALIASES is missing; PlatyPS 1.x writes it empty for a cmdlet without aliases.
        $headings | Should -Be @('SYNOPSIS', 'SYNTAX', 'ALIASES', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
    }

    It 'docs/EvalsPS.md is the PlatyPS 1.x module page, listing every cmdlet with its synopsis' {
        $path = Join-Path $TestRepoRoot 'docs/EvalsPS.md'
        $front = Get-FrontMatter $path
        $manifest = Import-PowerShellDataFile -Path $TestModuleManifest

        # The keys Import-MarkdownModuleFile reads (schema 2024-05-01).
        foreach ($key in 'document type', 'Help Version', 'HelpInfoUri', 'Locale', 'Module Guid', 'Module Name', 'ms.date', 'PlatyPS schema version', 'title') {
            $front.Contains($key) | Should -BeTrue -Because "a PlatyPS 1.x module page has '$key'"
        }
        $front['document type'] | Should -Be 'module'
        $front['Module Name'] | Should -Be 'EvalsPS'
        $front['Module Guid'] | Should -Be $manifest.GUID
        $front['Help Version'] | Should -Be "$($manifest.ModuleVersion).0"
        $front['Locale'] | Should -Be 'en-US'
        $front['PlatyPS schema version'] | Should -Be '2024-05-01'
        $front['title'] | Should -Be 'EvalsPS Module'
        $front['ms.date'] | Should -Match '^\d\d/\d\d/\d{4}$'
        @(Get-Heading $path '# ') | Should -Be @('EvalsPS Module')
        @(Get-Heading $path) | Should -Be @('Description', 'EvalsPS Cmdlets')

        # Each cmdlet: "### [Name](Name.md)" and then one paragraph, its page's synopsis.
        $lines = @(Get-Content -LiteralPath $path)
        $listed = for ($i = 0; $i -lt $lines.Count; $i++) {
            if ($lines[$i] -match '^### \[([^\]]+)\]\(([^)]+)\)$') {
                $Matches[2] | Should -Be "$($Matches[1]).md"
                $name = $Matches[1]
                $j = $i + 1
                while ($j -lt $lines.Count -and $lines[$j] -eq '') { $j++ }
                $synopsis = @(Get-Content -LiteralPath (Join-Path $TestRepoRoot "docs/$name.md"))
                $synopsis = $synopsis[[array]::IndexOf($synopsis, '## SYNOPSIS') + 1]
                $lines[$j] | Should -BeExactly $synopsis -Because "the module page describes $name with its synopsis"
                $name
            }
        }
        $listed | Should -Be @((Get-Command -Module EvalsPS -CommandType Cmdlet).Name | Sort-Object)
    }

    It 'docs/<Page> links to no invented address, and names no online version' -TestCases @(
        Get-ChildItem -Path (Join-Path (Split-Path -Parent $PSScriptRoot) 'docs') -Filter *.md | ForEach-Object { @{ Page = $_.Name } }
    ) {
        $path = Join-Path $TestRepoRoot "docs/$Page"
        $front = Get-FrontMatter $path

        # There is no published online help: Get-Help -Online must not open an address that does not exist.
        foreach ($key in 'HelpUri', 'online version', 'HelpInfoUri') {
            if ($front.Contains($key)) { $front[$key] | Should -BeNullOrEmpty -Because "$key would be opened by Get-Help -Online or Update-Help" }
        }
        $hosts = [regex]::Matches((Get-Content -Raw -LiteralPath $path), 'https?://([^/\s)`''">]+)') | ForEach-Object { $_.Groups[1].Value }
        foreach ($hostName in $hosts) {
            $hostName | Should -BeIn @('api.openai.com', 'platform.openai.com', 'go.microsoft.com', 'learn.microsoft.com')
        }
    }

    It 'docs/about_EvalsPS.md is recognised as an about topic' {
        $front = Get-FrontMatter (Join-Path $TestRepoRoot 'docs/about_EvalsPS.md')

        # Measure-PlatyPSMarkdown: a page without "document type" whose title starts with "about" is an about topic.
        $front.Contains('document type') | Should -BeFalse
        $front['title'] | Should -Be 'about_EvalsPS'
        $front['Locale'] | Should -Be 'en-US'
        $front['ms.date'] | Should -Match '^\d\d/\d\d/\d{4}$'
    }
}
