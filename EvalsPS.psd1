@{
    RootModule           = 'EvalsPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c2a3e-7c1d-4a8e-9b57-2d6f1e0b9c41'
    Author               = 'EvalsPS contributors'
    CompanyName          = 'EvalsPS'
    Copyright            = '(c) EvalsPS contributors. MIT License.'
    Description          = 'Manage OpenAI Evals from PowerShell: create, change and delete evals, start runs over JSONL files or pipeline objects, read, wait for, cancel, delete and compare runs item by item (with an exact McNemar p-value) and read their graded output items as typed objects, with -WhatIf/-Confirm, retries that never start a run twice, tab completion of ids and full help.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('EvalsPS.format.ps1xml')
    CmdletsToExport      = @('Get-Eval', 'New-Eval', 'Set-Eval', 'Remove-Eval', 'Get-EvalRun', 'New-EvalRun', 'Get-EvalRunOutputItem', 'Wait-EvalRun', 'Stop-EvalRun', 'Remove-EvalRun', 'Compare-EvalRun')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpenAI', 'Evals', 'Eval', 'EvalRun', 'OutputItems', 'Grader', 'Evaluation', 'JSONL', 'Regression', 'LLM', 'AI', 'Azure-Automation', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ReleaseNotes = 'First release: Get-Eval, New-Eval, Set-Eval, Remove-Eval, Get-EvalRun, New-EvalRun, Get-EvalRunOutputItem, Wait-EvalRun, Stop-EvalRun, Remove-EvalRun, Compare-EvalRun. See CHANGELOG.md.'
        }
    }
}
