using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime;
using System.Runtime.InteropServices;
using EvalsPS.Bench;
using EvalsPS.Hosting;

// Usage: dotnet run -c Release --project bench/EvalsPS.Bench -- [throttle|perf|wait|compare|all|parse-bdn] [--inproc-fake] [--only=1,2,3,4] [--quick]
// A measurement, not a test: it exits 0 whether targets are met or missed (1 only when a measurement could not be made).
string mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
switch (mode)
{
    case "__fake": return ChildProcessFake.Serve();
    case "__import-probe": return ImportProbe.RunChild(args);
    case "__wait-fake": return WaitBench.ServeFake(args[1]);
    case "parse-bdn": ParseBenchmarks.Run(); return 0;
    case "throttle":
    case "compare":
    case "perf":
    case "wait":
    case "all":
        break;
    default:
        Console.Error.WriteLine("usage: dotnet run -c Release --project bench/EvalsPS.Bench -- [throttle|perf|wait|compare|all|parse-bdn] [--inproc-fake] [--only=1,2,3,4] [--quick]");
        return 2;
}

// --only=1,3 runs just those perf scenarios (for working on one); the default runs all four.
var only = new HashSet<string>(args.Where(a => a.StartsWith("--only=", StringComparison.Ordinal))
    .SelectMany(a => a.Substring("--only=".Length).Split(',', StringSplitOptions.RemoveEmptyEntries)));
// --quick: fewer rounds per figure, to see ratios while working; the published figures come from a full run.
PerfBench.Quick = args.Contains("--quick");
var total = Stopwatch.StartNew();
Console.WriteLine("EvalsPS benchmark, mode " + mode + (PerfBench.Quick ? " (--quick: fewer rounds)" : ""));
Console.WriteLine(MachineInfo.Describe());

using IFakeApi fake = args.Contains("--inproc-fake") ? new InProcessFake() : new ChildProcessFake();
using var module = new HostedModule();
var probe = ModuleProbe.Run(fake, module);
Console.WriteLine($"module:  {ModuleSession.ModulePath} ({HostedModule.Assembly.GetName().Version}), imported through EvalsPS.Hosting.ModuleSession");
Console.WriteLine($"fake:    EvalsPS.FakeApi on loopback, in {fake.Where}");
Console.WriteLine($"OpenAI:  OpenAI package {OpenAIPackage.Version} (OpenAI.Evals.EvaluationClient, protocol methods)");

var tables = new List<Table>();
// perf first: scenario 1 measures allocation-heavy code whose time depends on the GC's state, so it runs in a near-fresh process.
if (mode is "perf" or "all")
{
    var table = PerfBench.Run(fake, module, probe, only);
    table.Print(Console.Out);
    tables.Add(table);
}
if (mode is "throttle" or "all")
{
    var table = ThrottleBench.Run(fake, module, probe);
    table.Print(Console.Out);
    tables.Add(table);
}
if (mode is "wait" or "all")
{
    var table = WaitBench.Run(module);
    table.Print(Console.Out);
    tables.Add(table);
}
if (mode is "compare" or "all")
{
    var table = CompareBench.Run(fake, module);
    table.Print(Console.Out);
    tables.Add(table);
}

int met = tables.Sum(t => t.Rows.Count(r => r.Verdict == Verdict.Met));
int missed = tables.Sum(t => t.Rows.Count(r => r.Verdict == Verdict.Missed));
bool failed = tables.Any(t => t.HasErrors);
Console.WriteLine();
Console.WriteLine($"Overall: {met} target(s) met, {missed} missed{(failed ? "; some measurements FAILED" : "")}. Total time {Fmt.Seconds(total.Elapsed.TotalSeconds)}.");
return failed ? 1 : 0;

namespace EvalsPS.Bench
{
    /// <summary>What the module sends, read off the fake after one call, so the raw floor can send the same headers.</summary>
    internal sealed record ModuleProbe(string UserAgent, string HeaderNames)
    {
        internal static ModuleProbe Run(IFakeApi fake, HostedModule module)
        {
            fake.Recreate();
            var id = fake.AddRuns("probe", 1, "completed")[0];
            HostedModule.PointAt(fake.BaseUri);
            module.Run($"Get-EvalRun -EvalId probe -RunId {id} | Out-Null");
            var s = fake.Summary();
            return new ModuleProbe(s.UserAgent, s.HeaderNames);
        }
    }

    internal static class MachineInfo
    {
        internal static string Describe()
        {
            string cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
            double memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            string memText = ReadFirst("/proc/meminfo", "MemTotal") is string kb && double.TryParse(kb.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out var k)
                ? Fmt.Bytes(k * 1024)
                : Fmt.Bytes(memory);
            string sma = FileVersionInfo.GetVersionInfo(typeof(System.Management.Automation.PSObject).Assembly.Location).ProductVersion?.Split('+', ' ')[0] ?? "?";
            return $"machine: {Environment.ProcessorCount} cores ({cpu}), {memText} memory, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}\n" +
                   $"runtime: {RuntimeInformation.FrameworkDescription}, GC {(GCSettings.IsServerGC ? "server" : "workstation")} " +
                   $"{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}, PowerShell engine (System.Management.Automation) {sma}";
        }

        private static string? ReadFirst(string path, string key)
        {
            try
            {
                return File.ReadLines(path).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l.Split(':', 2)[1].Trim()).FirstOrDefault();
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
    }
}
