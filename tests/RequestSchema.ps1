<#
    Checks request bodies against the API description's schemas (../shared/openapi-evals.json beside the repository,
    the /evals part of the OpenAPI description), dot-sourced by TestHelpers.ps1. A small validator of the JSON Schema
    the description uses: $ref, type, enum, required, properties, additionalProperties (false or a schema), items,
    minItems/maxItems, maxLength, minimum/maximum, allOf, anyOf; oneOf is read as anyOf, as the API contract says
    (its unions overlap: a short template message matches two branches).
#>

$TestApiDescriptionPath = Join-Path $TestRepoRoot '../shared/openapi-evals.json'

function Get-ApiDescription {
    <# The API description, read once per session. #>
    if (-not $script:TestApiDescription) {
        if (-not (Test-Path -LiteralPath $TestApiDescriptionPath -PathType Leaf)) {
            throw "The API description is not at '$TestApiDescriptionPath' (../shared/openapi-evals.json beside the repository)."
        }
        $script:TestApiDescription = Get-Content -LiteralPath $TestApiDescriptionPath -Raw | ConvertFrom-Json
    }
    $script:TestApiDescription
}

function Get-ApiRequestSchema {
    <# The JSON request body schema of an operation, such as '/evals/{eval_id}' post (the update's is inline). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Method)
    $schema = (Get-ApiDescription).paths.$Path.$Method.requestBody.content.'application/json'.schema
    if ($null -eq $schema) { throw "The API description has no JSON request body for $Method $Path." }
    $schema
}

function Get-ApiSchema {
    <# The schema named $Name under components.schemas of the API description. #>
    param([Parameter(Mandatory)] [string] $Name)
    $schema = (Get-ApiDescription).components.schemas.$Name
    if ($null -eq $schema) { throw "The API description has no schema '$Name'." }
    $schema
}

function Test-JsonSchema {
    <#
        What is wrong with $Value (as ConvertFrom-Json gives it) under $Schema: one string per problem, with the JSON
        path ('$.data_source.source.content[0]'); nothing when it is valid.
    #>
    param([AllowNull()] $Value, [Parameter(Mandatory)] $Schema, [string] $Path = '$')

    if ($null -ne $Schema.'$ref') {
        return Test-JsonSchema -Value $Value -Schema (Get-ApiSchema ($Schema.'$ref' -replace '^#/components/schemas/', '')) -Path $Path
    }
    $problems = [System.Collections.Generic.List[string]]::new()
    foreach ($part in @($Schema.allOf | Where-Object { $null -ne $_ })) {
        foreach ($problem in @(Test-JsonSchema -Value $Value -Schema $part -Path $Path)) { $problems.Add($problem) }
    }
    $union = @($Schema.anyOf | Where-Object { $null -ne $_ }) + @($Schema.oneOf | Where-Object { $null -ne $_ })
    if ($union.Count -gt 0) {
        $branches = @(foreach ($branch in $union) { , @(Test-JsonSchema -Value $Value -Schema $branch -Path $Path) })
        if (@($branches | Where-Object { $_.Count -eq 0 }).Count -eq 0) {
            $problems.Add("$Path matches none of the $($union.Count) allowed shapes: " + (@($branches | ForEach-Object { $_ -join '; ' }) -join ' | '))
        }
    }

    $isObject = $Value -is [System.Management.Automation.PSCustomObject]
    $isArray = $Value -is [array]
    if ($null -ne $Schema.type) {
        $fits = switch ($Schema.type) {
            'object' { $isObject }
            'array' { $isArray }
            'string' { $Value -is [string] }
            'integer' { $Value -is [int] -or $Value -is [long] -or $Value -is [System.Numerics.BigInteger] }
            'number' { $Value -is [int] -or $Value -is [long] -or $Value -is [double] -or $Value -is [decimal] }
            'boolean' { $Value -is [bool] }
            'null' { $null -eq $Value }
            default { $true }
        }
        if (-not $fits) {
            $problems.Add("$Path is $(if ($null -eq $Value) { 'null' } else { $Value.GetType().Name }), not $($Schema.type)")
            return $problems.ToArray()
        }
    }
    if ($null -ne $Schema.enum -and @($Schema.enum) -cnotcontains $Value) {
        $problems.Add("$Path is '$Value', not one of $(@($Schema.enum) -join ', ')")
    }
    if ($Value -is [string] -and $null -ne $Schema.maxLength -and $Value.Length -gt $Schema.maxLength) {
        $problems.Add("$Path is longer than $($Schema.maxLength)")
    }
    if (($Value -is [int] -or $Value -is [long] -or $Value -is [double]) -and (
            ($null -ne $Schema.minimum -and $Value -lt $Schema.minimum) -or ($null -ne $Schema.maximum -and $Value -gt $Schema.maximum))) {
        $problems.Add("$Path is $Value, outside $($Schema.minimum)..$($Schema.maximum)")
    }
    if ($isObject) {
        $names = @($Value.PSObject.Properties.Name)
        foreach ($required in @($Schema.required | Where-Object { $null -ne $_ })) {
            if ($names -cnotcontains $required) { $problems.Add("$Path lacks the required '$required'") }
        }
        $declared = @(if ($null -ne $Schema.properties) { $Schema.properties.PSObject.Properties.Name })
        foreach ($name in $names) {
            if ($declared -ccontains $name) {
                foreach ($problem in @(Test-JsonSchema -Value $Value.$name -Schema $Schema.properties.$name -Path "$Path.$name")) { $problems.Add($problem) }
            }
            elseif ($Schema.additionalProperties -is [bool] -and -not $Schema.additionalProperties) {
                $problems.Add("$Path has '$name', which its schema does not allow")
            }
            elseif ($Schema.additionalProperties -is [System.Management.Automation.PSCustomObject]) {
                foreach ($problem in @(Test-JsonSchema -Value $Value.$name -Schema $Schema.additionalProperties -Path "$Path.$name")) { $problems.Add($problem) }
            }
        }
    }
    if ($isArray) {
        if ($null -ne $Schema.minItems -and $Value.Count -lt $Schema.minItems) { $problems.Add("$Path has fewer than $($Schema.minItems) items") }
        if ($null -ne $Schema.maxItems -and $Value.Count -gt $Schema.maxItems) { $problems.Add("$Path has more than $($Schema.maxItems) items") }
        if ($null -ne $Schema.items) {
            for ($i = 0; $i -lt $Value.Count; $i++) {
                foreach ($problem in @(Test-JsonSchema -Value $Value[$i] -Schema $Schema.items -Path "$Path[$i]")) { $problems.Add($problem) }
            }
        }
    }
    $problems.ToArray()
}

function Assert-RequestBody {
    <#
        Asserts that a recorded request's body is valid JSON that fits the schema $Schema (a components.schemas name,
        or a schema object such as the update request's inline one), and returns the body as ConvertFrom-Json gives it.
    #>
    param([Parameter(Mandatory)] $Request, [Parameter(Mandatory)] $Schema)
    $body = $Request.Body | ConvertFrom-Json
    $resolved = if ($Schema -is [string]) { Get-ApiSchema $Schema }
                elseif ($Schema -is [hashtable]) { $Schema | ConvertTo-Json -Depth 20 | ConvertFrom-Json }
                else { $Schema }
    $problems = @(Test-JsonSchema -Value $body -Schema $resolved)
    ($problems -join "`n") | Should -BeNullOrEmpty -Because "the body must fit $(if ($Schema -is [string]) { $Schema } else { 'the schema' }): $($Request.Body)"
    $body
}
