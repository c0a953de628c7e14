using System;
using System.IO;
using System.Management.Automation;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using EvalsPS.FakeApi;
using EvalsPS.Hosting;

// Usage: dotnet run --project tools/EvalsPS.Try [-- '<PowerShell text>']
// Without arguments it runs a short tour of the cmdlets against an offline fake of the API.
using var fake = new FakeEvalsApi().Start();
fake.AddRuns("eval_demo", 3, "completed");
fake.AddRuns("eval_demo", 2, "queued");
fake.AddRun("eval_demo", status: "failed", name: "nightly regression");
fake.AddRunJson("eval_demo", Fixtures.Get("seed-completions-run"));
fake.AddEval("eval_demo", "Headline topics");
fake.AddRun("eval_demo", "evalrun_moving", "queued", "prompt-v2");
fake.SetStatusSequence("eval_demo", "evalrun_moving", new[] { "in_progress", "completed" });
fake.AddOutputItems("eval_demo", "evalrun_moving", 9);
fake.AddTicketsEval("eval_tickets");
fake.PollAfterMs = 200;
// The JSONL file the runbook below reads, in a folder of its own that the session starts in.
string folder = Path.Combine(Path.GetTempPath(), "EvalsPS.Try-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(folder);
File.WriteAllText(Path.Combine(folder, "tickets.jsonl"), FakeEvalsApi.TicketsJsonl);
Environment.SetEnvironmentVariable("OPENAI_BASE_URL", fake.BaseUri.ToString());
Environment.SetEnvironmentVariable("OPENAI_API_KEY", "sk-offline-demo");

// Colour only for a person at a console that wants it (https://no-color.org); a file or pipe gets plain text.
bool plain = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) || Console.IsOutputRedirected;
var host = new ScriptedHost(plain ? new PlainTextWriter(Console.Out) : Console.Out);
using var session = new ModuleSession(host);
Console.WriteLine($"EvalsPS imported from {ModuleSession.ModulePath}; offline fake API at {fake.BaseUri}");
// Through the engine: the hosted session has no Set-Location (Microsoft.PowerShell.Management is not loaded).
session.Runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(folder));

string[] tour = args.Length > 0
    ? new[] { string.Join(" ", args) }
    : new[]
    {
        "Get-Eval",
        "Get-EvalRun -EvalId eval_demo",
        "Wait-EvalRun eval_demo evalrun_moving | Get-EvalRunOutputItem -Status fail",
        "Get-EvalRun -EvalId eval_demo -Status queued | Stop-EvalRun -PassThru",
        "Get-EvalRun -EvalId eval_demo -Status failed | Remove-EvalRun -WhatIf",
        "(Get-EvalRun -EvalId eval_demo -First 1).ResultCounts.ToString()",
        "Get-EvalRun eval_demo evalrun_missing",
        // The release runbook: start a run over a JSONL file, wait for it, find the baseline, and compare the two:
        // the figures first (is the drop more than noise?), then the items that got worse. The first baseline is
        // taken with @(...)[0]: the hosted session has no Select-Object (Microsoft.PowerShell.Utility is not loaded).
        "$run = Get-Eval -EvalId eval_tickets | New-EvalRun -Path ./tickets.jsonl -Model gpt-4o-mini -Template 'developer: Classify the ticket.', 'user: {{item.input}}' -Name nightly; $run",
        "$done = $run | Wait-EvalRun -Timeout 60; $done",
        "$base = @(Get-EvalRun -EvalId eval_tickets -Status completed | Where-Object Name -like 'baseline*')[0]; $base",
        "Compare-EvalRun -ReferenceRun $base -DifferenceRun $done -Summary",
        "Compare-EvalRun -ReferenceRun $base -DifferenceRun $done | Where-Object Change -EQ Regressed",
    };

int failures = 0;
foreach (var line in tour)
{
    Console.WriteLine();
    Console.WriteLine("PS> " + line);
    var result = session.Run(line + " | Out-Default");
    foreach (var error in result.AllErrors)
    {
        Console.WriteLine($"{Shown(error.ToString())}\n    + CategoryInfo          : {Shown(error.CategoryInfo.ToString())}\n    + FullyQualifiedErrorId : {Shown(error.FullyQualifiedErrorId)}");
        if (args.Length > 0) failures++;
    }
}
Console.WriteLine();
Directory.Delete(folder, recursive: true);
int requests = fake.Requests.Count;
Console.WriteLine($"{requests} {(requests == 1 ? "request" : "requests")} reached the fake API.");
return failures == 0 ? 0 : 1;

// Error text as the module's views show server text: an error's target (in its CategoryInfo) can be a name or id the
// server sent, and its message anything the typed text wrote, so control characters print as \uXXXX instead of
// acting on the terminal. Through the module's own ViewText, in the session that imported it.
string Shown(string text)
{
    using var shell = PowerShell.Create();
    shell.Runspace = session.Runspace;
    shell.AddScript("param($text) [EvalsPS.ViewText]::Text($text)").AddArgument(text);
    return string.Concat(shell.Invoke().Select(line => line.ToString()));
}

/// <summary>Writes through to another writer without ANSI escape sequences (colours, styles).</summary>
internal sealed class PlainTextWriter : TextWriter
{
    private static readonly Regex Escape = new Regex("\u001b\\[[0-9;?]*[ -/]*[@-~]", RegexOptions.Compiled);
    private readonly TextWriter inner;

    internal PlainTextWriter(TextWriter inner) => this.inner = inner;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => inner.Write(value);

    public override void Write(string? value) => inner.Write(value is null ? null : Escape.Replace(value, ""));

    public override void WriteLine(string? value) => inner.WriteLine(value is null ? null : Escape.Replace(value, ""));

    public override void Flush() => inner.Flush();
}
