using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using EvalsPS.Hosting;

namespace EvalsPS.Bench;

/// <summary>Times Import-Module of out/EvalsPS in a fresh runspace, and the first Get-EvalRun after it.</summary>
internal static class ImportProbe
{
    internal readonly record struct Result(double Open, double Import, double FirstGet);

    /// <summary>A fresh runspace in this process. The engine has already run a trivial script, as any prompt has.</summary>
    internal static Result Measure(string runId, bool warmEngine = false)
    {
        string? warmDir = null;
        try
        {
            var clock = Stopwatch.StartNew();
            using var session = new ModuleSession(importModule: false);
            Check(session.Run("$null = 1"));
            double open = clock.Elapsed.TotalSeconds;
            if (warmEngine) warmDir = WarmEngine(session);

            clock.Restart();
            var imported = session.Run($"Import-Module '{ModuleSession.ModulePath}' -ErrorAction Stop");
            double import = clock.Elapsed.TotalSeconds;
            Check(imported);

            clock.Restart();
            var got = session.Run($"Get-EvalRun -EvalId e -RunId {runId} | Out-Null");
            double first = clock.Elapsed.TotalSeconds;
            Check(got);
            return new Result(open, import, first);
        }
        finally
        {
            // Only after the session: the engine reads every loaded format file again whenever another module adds one.
            if (warmDir != null) Directory.Delete(warmDir, recursive: true);
        }
    }

    /// <summary>This program started again in mode __import-probe; the fake's address comes through the environment.</summary>
    internal static Result InChildProcess(string runId, bool warmEngine)
    {
        var start = ChildProcessFake.SelfStart("__import-probe", runId, warmEngine ? "warm" : "cold");
        start.RedirectStandardInput = false;
        using var child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the import probe.");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith("RESULT ", StringComparison.Ordinal)) continue;
            var f = line.Trim().Split(' ');
            return new Result(Parse(f[1]), Parse(f[2]), Parse(f[3]));
        }
        throw new InvalidOperationException($"The import probe (exit code {child.ExitCode}) printed: {output}");
    }

    /// <summary>The child's side.</summary>
    internal static int RunChild(string[] args)
    {
        var r = Measure(args[1], warmEngine: args.Length > 2 && args[2] == "warm");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {r.Open:R} {r.Import:R} {r.FirstGet:R}"));
        return 0;
    }

    /// <summary>
    /// Runs the engine's module-loading code once on another binary module with a manifest and a format file,
    /// so its JIT cost (absent in pwsh, whose engine is ReadyToRun-compiled) is not charged to EvalsPS.
    /// </summary>
    private static string WarmEngine(ModuleSession session)
    {
        string root = Path.Combine(Path.GetTempPath(), $"evalsps-bench-warm-{Environment.ProcessId}");
        string dir = Path.Combine(root, "BenchWarm");
        Directory.CreateDirectory(dir);
        {
            string dll = typeof(EvalsPS.FakeApi.FakeEvalsApi).Assembly.Location;
            File.WriteAllText(Path.Combine(dir, "BenchWarm.format.ps1xml"),
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Configuration><ViewDefinitions><View><Name>Req</Name>" +
                "<ViewSelectedBy><TypeName>EvalsPS.FakeApi.RecordedRequest</TypeName></ViewSelectedBy><TableControl><TableHeaders>" +
                "<TableColumnHeader><Label>Method</Label><Width>8</Width></TableColumnHeader><TableColumnHeader><Label>Target</Label></TableColumnHeader>" +
                "</TableHeaders><TableRowEntries><TableRowEntry><TableColumnItems><TableColumnItem><PropertyName>Method</PropertyName></TableColumnItem>" +
                "<TableColumnItem><ScriptBlock>$_.RawTarget</ScriptBlock></TableColumnItem></TableColumnItems></TableRowEntry></TableRowEntries>" +
                "</TableControl></View></ViewDefinitions></Configuration>");
            File.WriteAllText(Path.Combine(dir, "BenchWarm.psd1"),
                $"@{{ RootModule = '{dll}'; ModuleVersion = '1.0.0'; GUID = '0b6f3c52-58b1-4f4e-9d0c-2a7e51c9a001'; " +
                "FormatsToProcess = @('BenchWarm.format.ps1xml'); CmdletsToExport = @(); FunctionsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }");
            Check(session.Run($"Import-Module '{dir}' -ErrorAction Stop"));
        }
        return root;
    }

    private static void Check(SessionResult result) => result.ThrowOnError();

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
