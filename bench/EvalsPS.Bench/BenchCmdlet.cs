using System;
using System.Management.Automation;
using System.Text.Json;
using System.Threading.Tasks;

namespace EvalsPS.Bench;

/// <summary>
/// Get-BenchRun -Client Raw|OpenAI -EvalId e: the floor's and the OpenAI package's listing as a compiled cmdlet, so
/// their runs go through the same PowerShell pipeline (`| ForEach-Object`) as Get-EvalRun's and the comparison
/// measures the client, not the pipeline. Each run is written as its JsonElement while its page's document is alive
/// (WriteObject returns only once the downstream command has taken it); pages are fetched one after another, the
/// pipeline thread waiting for each.
/// </summary>
[Cmdlet(VerbsCommon.Get, "BenchRun")]
public sealed class GetBenchRunCommand : PSCmdlet
{
    /// <summary>Set by the benchmark before the cmdlet is used.</summary>
    internal static RawClient? Raw { get; set; }
    internal static OpenAIPackage? Package { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateSet("Raw", "OpenAI")]
    public string Client { get; set; } = "";

    [Parameter(Mandatory = true)]
    public string EvalId { get; set; } = "";

    protected override void ProcessRecord()
    {
        Func<string, string?, Task<JsonDocument>> page = Client == "Raw"
            ? (Raw ?? throw new InvalidOperationException("Get-BenchRun: no raw client.")).ListPageAsync
            : (Package ?? throw new InvalidOperationException("Get-BenchRun: no OpenAI client.")).ListPageAsync;
        string? after = null;
        while (true)
        {
            // Each page is awaited here, so every run is written on the pipeline thread, as a cmdlet must.
            using var document = page(EvalId, after).GetAwaiter().GetResult();
            var data = document.RootElement.GetProperty("data");
            foreach (var run in data.EnumerateArray()) WriteObject(run);
            if (data.GetArrayLength() == 0 || !document.RootElement.GetProperty("has_more").GetBoolean()) return;
            after = document.RootElement.GetProperty("last_id").GetString();
        }
    }
}
