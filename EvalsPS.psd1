@{
    RootModule           = 'EvalsPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5f0c2a3e-7c1d-4a8e-9b57-2d6f1e0b9c41'
    Author               = 'EvalsPS contributors'
    CompanyName          = 'EvalsPS'
    Copyright            = '(c) EvalsPS contributors. MIT License.'
    Description          = 'Manage OpenAI Evals runs from PowerShell: list evals, read, wait for, cancel and delete eval runs and read their graded output items as typed objects, with -WhatIf/-Confirm, retries, tab completion of ids and full help.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('EvalsPS.format.ps1xml')
    CmdletsToExport      = @('Get-Eval', 'Get-EvalRun', 'Get-EvalRunOutputItem', 'Wait-EvalRun', 'Stop-EvalRun', 'Remove-EvalRun', 'Compare-EvalRun')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('OpenAI', 'Evals', 'Eval', 'EvalRun', 'OutputItems', 'Grader', 'LLM', 'AI', 'PSEdition_Desktop', 'PSEdition_Core')
            ProjectUri   = 'https://github.com/evalsps/EvalsPS'
            LicenseUri   = 'https://github.com/evalsps/EvalsPS/blob/main/LICENSE'
            ReleaseNotes = 'First release: Get-Eval, Get-EvalRun, Get-EvalRunOutputItem, Wait-EvalRun, Stop-EvalRun, Remove-EvalRun. See CHANGELOG.md.'
        }
    }
}
