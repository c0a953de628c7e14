using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace EvalsPS.Bench;

/// <summary>Performance targets: EvalsPS against the raw HttpClient + JsonDocument floor (and the OpenAI package) in the same run.</summary>
internal static class PerfBench
{
    private const string Eval = "e";
    private const int ListedRuns = 100_000;
    private const int Gets = 2_000;
    private const int GetWarmupRounds = 2;
    private const int ListWarmupRounds = 1;
    // JsonDocument.Parse runs once per document, so the floor's code reaches the JIT's tier 1 only after some 50 parses
    // (EvalsPS's per-item code does within its first): before that the floor measures ~35% slow.
    private const int ParseWarmup = 12;
    private const int ParseBatch = 6;
    // Live memory is sampled every this many listed runs.
    private const int MemoryEvery = 10_000;

    /// <summary>--quick: fewer rounds (medians of 3 to 5), for seeing ratios while working; the published run uses the full counts.</summary>
    internal static bool Quick { get; set; }

    private static int GetRounds => Quick ? 5 : 15;
    private static int ListRounds => Quick ? 3 : 7;
    private static int MemoryRounds => Quick ? 1 : 3;
    private static int ParseIterations => Quick ? 4 : 10;
    private static int EndToEndRounds => Quick ? 3 : 7;
    private static int ImportRounds => Quick ? 5 : 10;

    internal static Table Run(IFakeApi fake, HostedModule module, ModuleProbe probe, ISet<string> only)
    {
        var table = new Table("perf: EvalsPS against the raw floor, same process, same fake, same run");
        fake.Recreate();
        HostedModule.PointAt(fake.BaseUri);
        var ids = fake.AddRuns(Eval, ListedRuns, "completed");
        fake.AddRuns("warm", 5_000, "completed");

        if (only.Count == 0 || only.Contains("1")) Scenario(table, "1. parse", () => Parse(table, fake, module, probe));
        if (only.Count == 0 || only.Contains("2")) Scenario(table, "2. gets", () => Gets2000(table, fake, module, probe, ids));
        if (only.Count == 0 || only.Contains("3")) Scenario(table, "3. list", () => List(table, fake, module, probe));
        if (only.Count == 0 || only.Contains("4")) Scenario(table, "4. import", () => Import(table, fake, ids[0]));
        table.Note("OpenAI package cells: its time, and in parentheses its ratio to the raw floor. ratio column: EvalsPS / raw floor.");
        return table;
    }

    private static void Scenario(Table table, string name, Action measure)
    {
        try
        {
            measure();
        }
        catch (Exception e)
        {
            table.Failed(name, e);
        }
    }

    // ------------------------------------------------------------------ 1. parse one 20 MB run

    private static void Parse(Table table, IFakeApi fake, HostedModule module, ModuleProbe probe)
    {
        byte[] bytes = Payload.Build();
        var parser = new ModuleParser(HostedModule.Assembly);
        object EvalsPSParse() => parser.ParseRun(bytes);
        object FloorParse() => JsonDocument.Parse(bytes);

        CheckParse(EvalsPSParse(), bytes);

        var psTime = new Samples("s"); var psAlloc = new Samples("B");
        var floorTime = new Samples("s"); var floorAlloc = new Samples("B"); var psPause = new Samples("s");
        for (int i = 0; i < ParseWarmup; i++) { Batch(EvalsPSParse); Batch(FloorParse); }
        for (int i = 0; i < ParseIterations; i++)
        {
            var (t, a) = Batch(EvalsPSParse, psPause); psTime.Add(t); psAlloc.Add(a);
            (t, a) = Batch(FloorParse); floorTime.Add(t); floorAlloc.Add(a);
        }

        LiveMemory.FullCollect();
        long before = GC.GetTotalMemory(true);
        object kept = EvalsPSParse();
        LiveMemory.FullCollect();
        long retained = GC.GetTotalMemory(true) - before;
        GC.KeepAlive(kept);
        kept = null!;

        double timeRatio = psTime.Median / floorTime.Median;
        double allocRatio = psAlloc.Median / bytes.Length;
        table.Add(new Row($"1. parse one {Fmt.Bytes(bytes.Length)} run, {Fmt.Count(Payload.Items)} items: time", Fmt.Seconds(psTime.Median), Fmt.Seconds(floorTime.Median),
            "n/a", Fmt.Ratio(timeRatio), "-", Verdict.Info));
        table.Add(new Row("1. parse: bytes allocated", Fmt.Bytes(psAlloc.Median), Fmt.Bytes(floorAlloc.Median), "n/a",
            Fmt.Ratio(allocRatio) + " payload", "-", Verdict.Info));
        table.Add(new Row("1. parse: heap kept by the EvalRun", Fmt.Bytes(retained), "-", "n/a", Fmt.Ratio((double)retained / bytes.Length) + " payload", "-", Verdict.Info));

        // The same run end to end: one GET of 20 MB through the engine, against the raw GET + JsonDocument.
        string path = Path.Combine(Path.GetTempPath(), $"evalsps-bench-{Environment.ProcessId}.json");
        File.WriteAllBytes(path, bytes);
        try { fake.AddRunJsonFile("big", path); }
        finally { File.Delete(path); }
        using var raw = new RawClient(fake.BaseUri, probe.UserAgent);
        var (psE2E, rawE2E) = EndToEnd(module, raw, Payload.RunId);
        double endToEnd = psE2E.Median / rawE2E.Median;
        table.Add(new Row("1. the same run via GET, end to end", Fmt.Seconds(psE2E.Median), Fmt.Seconds(rawE2E.Median), "n/a",
            Fmt.Ratio(endToEnd), "<= 1.50x", Verdict.AtMost(endToEnd, 1.5)));

        // Many small parts: 65,000 items, each with a sample, in ~20 MB. A cost per part (a copy, an object) shows here.
        byte[] small = Payload.BuildSmall();
        File.WriteAllBytes(path, small);
        try { fake.AddRunJsonFile("big", path); }
        finally { File.Delete(path); }
        CheckSmall(module, small);
        var (psSmall, rawSmall) = EndToEnd(module, raw, Payload.SmallRunId);
        double smallRatio = psSmall.Median / rawSmall.Median;
        table.Add(new Row($"1. a {Fmt.Bytes(small.Length)} run of {Fmt.Count(Payload.SmallItems)} small items via GET, not touched", Fmt.Seconds(psSmall.Median),
            Fmt.Seconds(rawSmall.Median), "n/a", Fmt.Ratio(smallRatio), "<= 1.10x", Verdict.AtMost(smallRatio, 1.1)));

        table.Note($"1. payload: one EvalRun, {bytes.Length:N0} bytes, data_source completions / file_content with {Payload.Items:N0} items of");
        table.Note("   {item:{input,ground_truth}, sample:{input[], output[], finish_reason, model, usage{}, error, temperature, max_completion_tokens, top_p, seed}}.");
        table.Note("   EvalsPS: JsonDocument.Parse(bytes), then new EvalRun(JsonFields.Root(...)), what the client does with a 2xx body, on the assembly");
        table.Note($"   the engine loaded from out/EvalsPS (reached by reflection: both are internal); floor: JsonDocument.Parse(bytes) and Dispose. Manual harness, as");
        table.Note($"   BenchmarkDotNet does it: {ParseWarmup} warm-up iterations each, then {ParseIterations} interleaved iterations each; an iteration is a full GC, then {ParseBatch}");
        table.Note($"   parses back to back, timed together, so a parse pays for collecting the garbage of the one before; figures are per parse.");
        table.Note($"   Allocation = GC.GetAllocatedBytesForCurrentThread() delta (JsonDocument rents its metadata from ArrayPool, so its allocations are near zero");
        table.Note($"   once warm). Cross-check: mode parse-bdn.");
        table.Note("   EvalsPS time:  " + psTime.Describe(Fmt.Seconds));
        table.Note("   floor time:    " + floorTime.Describe(Fmt.Seconds));
        table.Note("   EvalsPS GC pauses within its time: " + psPause.Describe(Fmt.Seconds));
        table.Note("   EvalsPS alloc: " + psAlloc.Describe(Fmt.Bytes));
        table.Note("   floor alloc:   " + floorAlloc.Describe(Fmt.Bytes));
        table.Note("   kept: GC.GetTotalMemory(true) with the deserialized EvalRun alive, minus before. While its items are unread the run keeps the");
        table.Note("   document it was parsed from, which reads the payload array in place (alive here anyway) and rents its metadata from ArrayPool:");
        table.Note("   neither counts as growth here. Through Get-EvalRun the run keeps its pooled body buffer too, until its last item is read.");
        table.Note($"   end to end: `Get-EvalRun -EvalId big -RunId <id> | Out-Null` vs the raw floor: GET, the whole body as bytes, then JsonDocument.Parse;");
        table.Note($"   {EndToEndRounds} rounds after 1 warm-up, a full GC before each call. The small-items run ({small.Length:N0} bytes): {Payload.SmallItems:N0} items of");
        table.Note("   {item:{input,ground_truth}, sample:{output[], finish_reason, model, usage{}, error, seed}}, checked once through Get-EvalRun (count and last item).");
        table.Note("   EvalsPS e2e: " + psE2E.Describe(Fmt.Seconds) + "; raw e2e: " + rawE2E.Describe(Fmt.Seconds));
        table.Note("   small items, EvalsPS: " + psSmall.Describe(Fmt.Seconds) + "; raw: " + rawSmall.Describe(Fmt.Seconds));
    }

    /// <summary>Get-EvalRun of one run, untouched, against the raw GET + bytes + JsonDocument.Parse, alternating, after one warm-up round.</summary>
    private static (Samples EvalsPS, Samples Raw) EndToEnd(HostedModule module, RawClient raw, string runId)
    {
        var ps = new Samples("s"); var floor = new Samples("s");
        for (int i = 0; i <= EndToEndRounds; i++)
        {
            LiveMemory.FullCollect();
            double t = module.Time($"Get-EvalRun -EvalId big -RunId {runId} | Out-Null", out _);
            LiveMemory.FullCollect();
            var clock = Stopwatch.StartNew();
            bool found = raw.GetRunBytesAsync("big", runId).GetAwaiter().GetResult();
            double r = clock.Elapsed.TotalSeconds;
            if (!found) throw new InvalidOperationException($"raw GET of {runId} failed.");
            if (i == 0) continue; // warm-up
            ps.Add(t); floor.Add(r);
        }
        return (ps, floor);
    }

    /// <summary>Through Get-EvalRun as a user reads it: every item there, the last one's input as sent.</summary>
    private static void CheckSmall(HostedModule module, byte[] small)
    {
        var result = module.Run($"$c = (Get-EvalRun -EvalId big -RunId {Payload.SmallRunId}).DataSource.Source.Content; $c.Count; $c[-1].Item.input; $c[-1].Sample.model; $c = $null");
        using var document = JsonDocument.Parse(small);
        var last = document.RootElement.GetProperty("data_source").GetProperty("source").GetProperty("content")[Payload.SmallItems - 1];
        string got = string.Join("|", result.Output.Select(o => Convert.ToString(o.BaseObject, CultureInfo.InvariantCulture)));
        string expected = $"{Payload.SmallItems}|{last.GetProperty("item").GetProperty("input").GetString()}|{last.GetProperty("sample").GetProperty("model").GetString()}";
        if (got != expected) throw new InvalidOperationException($"Get-EvalRun read the small-items run as {got}, not {expected}.");
    }

    /// <summary>One iteration: a full GC, then <see cref="ParseBatch"/> calls back to back; time, allocation and GC pause per call.</summary>
    private static (double Seconds, double Allocated) Batch(Func<object> action, Samples? pauses = null)
    {
        LiveMemory.FullCollect();
        var gc = GcSnapshot.Now();
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < ParseBatch; i++)
        {
            object result = action();
            (result as IDisposable)?.Dispose();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        pauses?.Add(GcSnapshot.Now().Since(gc).Pause.TotalSeconds / ParseBatch);
        return (seconds / ParseBatch, (double)allocated / ParseBatch);
    }

    /// <summary>
    /// Through the public surface PowerShell users see: every item read (run.DataSource.Source.Content.Count), and the
    /// last one's fields as sent. A parse that skipped work would fail here.
    /// </summary>
    private static void CheckParse(object run, byte[] bytes)
    {
        object? Get(object? o, string name) => o?.GetType().GetProperty(name)?.GetValue(o);
        var content = Get(Get(Get(run, "DataSource"), "Source"), "Content") as System.Collections.IList;
        if (content?.Count != Payload.Items) throw new InvalidOperationException($"EvalsPS read {content?.Count ?? -1} items, not {Payload.Items}.");
        using var document = JsonDocument.Parse(bytes);
        var expected = document.RootElement.GetProperty("data_source").GetProperty("source").GetProperty("content")[Payload.Items - 1].GetProperty("item");
        var item = Get(content[Payload.Items - 1], "Item") as System.Management.Automation.PSObject;
        foreach (var field in expected.EnumerateObject())
        {
            object? actual = item?.Properties[field.Name]?.Value;
            if (actual as string != field.Value.GetString())
                throw new InvalidOperationException($"EvalsPS read the last item's {field.Name} as {actual}, not {field.Value.GetString()}.");
        }
    }

    // ------------------------------------------------------------------ 2. 2,000 single-run gets

    private static void Gets2000(Table table, IFakeApi fake, HostedModule module, ModuleProbe probe, string[] allIds)
    {
        var ids = Enumerable.Range(0, Gets).Select(i => allIds[i * (allIds.Length / Gets)]).ToArray();
        var warm = ids.Take(200).ToArray();
        using var raw = new RawClient(fake.BaseUri, probe.UserAgent);
        var openai = new OpenAIPackage(fake.BaseUri);

        module.Session.SetVariable("ids", ids);
        module.Session.SetVariable("warmIds", warm);
        var check = module.Run($"(Get-EvalRun -EvalId {Eval} -RunId $warmIds | Where-Object {{ $_.Id -in $warmIds }}).Count");
        if (Convert.ToInt32(check.Output[0].BaseObject) != warm.Length) throw new InvalidOperationException("Get-EvalRun -RunId returned the wrong runs.");
        if (raw.GetRunsAsync(Eval, warm).GetAwaiter().GetResult() != warm.Length) throw new InvalidOperationException("raw warm-up failed.");
        if (openai.GetRunsAsync(Eval, warm).GetAwaiter().GetResult() != warm.Length) throw new InvalidOperationException("OpenAI package warm-up failed.");

        var ps = new Samples("s"); var floor = new Samples("s"); var pkg = new Samples("s");
        var psAlloc = new Samples("B"); var floorAlloc = new Samples("B");
        RequestSummary? psRequests = null;
        var variants = new Action[]
        {
            () =>
            {
                LiveMemory.FullCollect();
                fake.ClearRequests();
                var gc = GcSnapshot.Now();
                ps.Add(module.Time($"Get-EvalRun -EvalId {Eval} -RunId $ids | Out-Null", out _));
                psAlloc.Add(GcSnapshot.Now().Since(gc).Allocated);
                psRequests = fake.Summary();
                if (psRequests.Count != Gets || psRequests.NotOk != 0) throw new InvalidOperationException($"EvalsPS sent {psRequests.Count} requests, {psRequests.NotOk} not 200.");
            },
            () =>
            {
                LiveMemory.FullCollect();
                var gc = GcSnapshot.Now();
                floor.Add(Timed(() => raw.GetRunsAsync(Eval, ids).GetAwaiter().GetResult(), Gets, "raw"));
                floorAlloc.Add(GcSnapshot.Now().Since(gc).Allocated);
            },
            () =>
            {
                LiveMemory.FullCollect();
                pkg.Add(Timed(() => openai.GetRunsAsync(Eval, ids).GetAwaiter().GetResult(), Gets, "OpenAI package"));
            },
        };
        Rotated(variants, GetRounds, GetWarmupRounds, () => { ps.Clear(); floor.Clear(); pkg.Clear(); psAlloc.Clear(); floorAlloc.Clear(); });
        module.Run("$ids = $null; $warmIds = $null");

        double ratio = ps.Median / floor.Median;
        table.Add(new Row($"2. {Fmt.Count(Gets)} single-run gets", Fmt.Seconds(ps.Median), Fmt.Seconds(floor.Median), WithRatio(pkg.Median, floor.Median),
            Fmt.Ratio(ratio), "<= OpenAI", Verdict.AtMost(ps.Median, pkg.Median)));
        table.Add(new Row("2. per get", Fmt.Seconds(ps.Median / Gets), Fmt.Seconds(floor.Median / Gets), Fmt.Seconds(pkg.Median / Gets),
            (ps.Median >= floor.Median ? "+" : "-") + Fmt.Seconds(Math.Abs(ps.Median - floor.Median) / Gets), "-", Verdict.Info));
        table.Note($"2. EvalsPS: `Get-EvalRun -EvalId e -RunId $ids | Out-Null` ({Gets:N0} ids spread over the 100,000 runs; one cmdlet call, which keeps");
        table.Note($"   two GETs ahead of the one it waits for; each run a full ~1.4 KB completions EvalRun); raw: HttpClient GET loop, one after another, same headers ({probe.HeaderNames}),");
        table.Note("   body streamed into JsonDocument.ParseAsync; OpenAI: EvaluationClient.GetEvaluationRunAsync(evalId, runId, null) + JsonDocument.Parse(content).");
        table.Note($"   200 gets, then {GetWarmupRounds} full rounds of warm-up, forgotten; then {GetRounds} rounds, order rotating; EvalsPS's {Gets:N0} requests checked on the fake each round (all 200).");
        table.Note("   EvalsPS: " + ps.Describe(Fmt.Seconds));
        table.Note($"            allocated per get (all threads): median {Fmt.Bytes(psAlloc.Median / Gets)}");
        table.Note("   raw:     " + floor.Describe(Fmt.Seconds));
        table.Note($"            allocated per get (all threads): median {Fmt.Bytes(floorAlloc.Median / Gets)}");
        table.Note("   OpenAI:  " + pkg.Describe(Fmt.Seconds));
    }

    /// <summary>Runs every variant once per round, starting each round one variant later, so none always follows the same one.</summary>
    /// <summary>
    /// Warm-up rounds run every variant in full and are then forgotten (onWarm clears the samples): the module's
    /// code path is longer than the floor's, so tiered JIT needs more calls before it settles.
    /// </summary>
    private static void Rotated(Action[] variants, int rounds, int warmupRounds, Action forgetWarmup)
    {
        for (int round = 0; round < warmupRounds + rounds; round++)
        {
            if (round == warmupRounds) forgetWarmup();
            for (int k = 0; k < variants.Length; k++)
                variants[(round + k) % variants.Length]();
        }
    }

    private static double Timed(Func<long> action, long expected, string what)
    {
        var clock = Stopwatch.StartNew();
        long got = action();
        double seconds = clock.Elapsed.TotalSeconds;
        if (got != expected) throw new InvalidOperationException($"{what}: got {got}, expected {expected}.");
        return seconds;
    }

    private static string WithRatio(double value, double floor) => $"{Fmt.Seconds(value)} ({Fmt.Ratio(value / floor)})";

    // ------------------------------------------------------------------ 3. list 100,000 runs

    /// <summary>Time, CPU, allocation and GC activity of one way of listing, over the rounds.</summary>
    private sealed class Listing
    {
        private readonly IFakeApi fake;

        internal Listing(IFakeApi fake) => this.fake = fake;

        internal Samples Time { get; } = new("s");
        internal Samples Cpu { get; } = new("s");
        internal Samples FakeCpu { get; } = new("s");
        internal Samples Allocated { get; } = new("B");
        internal Samples Pause { get; } = new("s");
        internal Samples Retained { get; } = new("B");
        internal string LastGcs { get; private set; } = "";

        internal void Clear()
        {
            Time.Clear(); Cpu.Clear(); FakeCpu.Clear(); Allocated.Clear(); Pause.Clear(); Retained.Clear();
        }

        internal void Measure(Func<double> timed)
        {
            long baseline = LiveMemory.Now();
            var before = GcSnapshot.Now();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var fakeCpu = fake.ProcessorTime;
            double seconds = timed();
            var delta = GcSnapshot.Now().Since(before);
            Cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            if (fakeCpu is TimeSpan fakeBefore && fake.ProcessorTime is TimeSpan fakeAfter) FakeCpu.Add((fakeAfter - fakeBefore).TotalSeconds);
            Retained.Add(LiveMemory.Now() - baseline);
            Time.Add(seconds); Allocated.Add(delta.Allocated); Pause.Add(delta.Pause.TotalSeconds);
            LastGcs = delta.Collections;
        }

        internal string Describe(string name) =>
            $"   {name}: time {Time.Describe(Fmt.Seconds)}\n" +
            $"   {new string(' ', name.Length)}  CPU of this process median {Fmt.Seconds(Cpu.Median)}" +
            (FakeCpu.Count > 0 ? $", of the fake's process median {Fmt.Seconds(FakeCpu.Median)}\n" : "\n") +
            $"   {new string(' ', name.Length)}  allocated (all threads) median {Fmt.Bytes(Allocated.Median)} ({Fmt.Bytes(Allocated.Median / ListedRuns)} per run), GC pauses median {Fmt.Seconds(Pause.Median)}, last round {LastGcs}\n" +
            $"   {new string(' ', name.Length)}  still held after a full GC once done: median {Fmt.Bytes(Retained.Median)}";
    }

    /// <summary>
    /// Live memory while a listing streams: the listing's own pipeline samples it every 10,000 runs (a full collection
    /// each time), against the level just before it began; the largest growth over the rounds.
    /// </summary>
    private static (long MaxGrowth, string Samples) LiveGrowth(HostedModule module, string listing)
    {
        long max = long.MinValue;
        var text = new List<string>();
        string script = listing + $" | ForEach-Object -Begin {{ $n = 0 }} -Process {{ if ((++$n % {MemoryEvery}) -eq 0) {{ [EvalsPS.Bench.LiveMemory]::Sample() }} }} -End {{ $n }}";
        for (int round = 0; round < MemoryRounds; round++)
        {
            LiveMemory.Take();
            long before = LiveMemory.Now();
            if (CountOf(module.Run(script)) != ListedRuns) throw new InvalidOperationException($"`{listing}` did not list {ListedRuns:N0} runs.");
            long[] samples = LiveMemory.Take();
            if (samples.Length != ListedRuns / MemoryEvery) throw new InvalidOperationException($"`{listing}`: {samples.Length} memory samples.");
            max = Math.Max(max, samples.Max() - before);
            text.Add(string.Join(" ", samples.Select(v => Fmt.Bytes(v - before))));
        }
        return (max, string.Join("; ", text));
    }

    private static void List(Table table, IFakeApi fake, HostedModule module, ModuleProbe probe)
    {
        // Every variant pays the same pipeline: the same ForEach-Object over runs written by a cmdlet (Get-EvalRun, or
        // Get-BenchRun for the floor and the OpenAI package), so the comparison measures the client.
        const string Count = " | ForEach-Object -Begin { $n = 0 } -Process { $n++ } -End { $n }";
        const string EvalsPS = "Get-EvalRun -EvalId {0}";
        const string Floor = "Get-BenchRun -Client Raw -EvalId {0}";
        const string Package = "Get-BenchRun -Client OpenAI -EvalId {0}";
        const string Discarding = "Get-EvalRun -EvalId {0} | Out-Null";
        const string ReadingDataSources = "Get-EvalRun -EvalId {0} | ForEach-Object -Begin {{ $n = 0 }} -Process {{ if ($null -ne $_.DataSource.Model) {{ $n++ }} }} -End {{ $n }}";
        using var raw = new RawClient(fake.BaseUri, probe.UserAgent);
        var openai = new OpenAIPackage(fake.BaseUri);
        GetBenchRunCommand.Raw = raw;
        GetBenchRunCommand.Package = openai;
        module.Session.SetVariable("benchAssembly", typeof(GetBenchRunCommand).Assembly);
        module.Run("Import-Module -Assembly $benchAssembly -ErrorAction Stop");

        // Warm-up: every path over 5,000 runs (50 pages).
        foreach (var listing in new[] { EvalsPS, Floor, Package })
            if (CountOf(module.Run(string.Format(listing, "warm") + Count)) != 5_000) throw new InvalidOperationException($"warm-up `{listing}` is wrong.");
        module.Run(string.Format(Discarding, "warm"));
        if (CountOf(module.Run(string.Format(ReadingDataSources, "warm"))) != 5_000) throw new InvalidOperationException("EvalsPS warm-up listing with data sources is wrong.");
        long warmBytes = raw.BytesReceived;

        var ps = new Listing(fake); var psOut = new Listing(fake); var psData = new Listing(fake); var floor = new Listing(fake); var pkg = new Listing(fake);
        RequestSummary? requests = null;
        Func<double> Counted(string listing, string what) => () =>
        {
            double t = module.Time(string.Format(listing, Eval) + Count, out var result);
            if (CountOf(result) != ListedRuns) throw new InvalidOperationException($"{what} listed {result.Output.FirstOrDefault()} runs.");
            return t;
        };
        var variants = new Action[]
        {
            () =>
            {
                fake.ClearRequests();
                ps.Measure(Counted(EvalsPS, "EvalsPS"));
                requests = fake.Summary();
                if (requests.Count != ListedRuns / 100 || requests.NotOk != 0) throw new InvalidOperationException($"EvalsPS listing sent {requests.Count} requests ({requests.NotOk} not 200).");
            },
            () => psOut.Measure(() => module.Time(string.Format(Discarding, Eval), out _)),
            () => psData.Measure(() =>
            {
                double t = module.Time(string.Format(ReadingDataSources, Eval), out var result);
                if (CountOf(result) != ListedRuns) throw new InvalidOperationException($"EvalsPS read {result.Output.FirstOrDefault()} data sources.");
                return t;
            }),
            () => floor.Measure(Counted(Floor, "raw")),
            () => pkg.Measure(Counted(Package, "OpenAI package")),
        };
        Rotated(variants, ListRounds, ListWarmupRounds, () => { ps.Clear(); psOut.Clear(); psData.Clear(); floor.Clear(); pkg.Clear(); });
        long jsonBytes = (raw.BytesReceived - warmBytes) / (ListRounds + ListWarmupRounds);

        var (psLive, psLiveSamples) = LiveGrowth(module, string.Format(EvalsPS, Eval));
        var (pkgLive, pkgLiveSamples) = LiveGrowth(module, string.Format(Package, Eval));

        double ratio = ps.Time.Median / floor.Time.Median;
        table.Add(new Row($"3. list {Fmt.Count(ListedRuns)} runs, pages of 100 | ForEach-Object count", Fmt.Seconds(ps.Time.Median), Fmt.Seconds(floor.Time.Median),
            WithRatio(pkg.Time.Median, floor.Time.Median), Fmt.Ratio(ratio), "<= 1.15x", Verdict.AtMost(ratio, 1.15)));
        table.Add(new Row("3. list: EvalsPS against the OpenAI package, same pipeline", Fmt.Seconds(ps.Time.Median), "-", Fmt.Seconds(pkg.Time.Median),
            Fmt.Ratio(ps.Time.Median / pkg.Time.Median) + " pkg", "<= OpenAI", Verdict.AtMost(ps.Time.Median, pkg.Time.Median)));
        table.Add(new Row("3. list | Out-Null (no ForEach-Object)", Fmt.Seconds(psOut.Time.Median), "-", "-", "-", "-", Verdict.Info));
        table.Add(new Row("3. list | ForEach-Object reading every DataSource", Fmt.Seconds(psData.Time.Median), Fmt.Seconds(floor.Time.Median),
            WithRatio(pkg.Time.Median, floor.Time.Median), Fmt.Ratio(psData.Time.Median / floor.Time.Median), "-", Verdict.Info));
        table.Add(new Row($"3. list: live memory growth, full GC every {Fmt.Count(MemoryEvery)} runs, max", Fmt.Bytes(psLive), "-", Fmt.Bytes(pkgLive),
            "-", "<= 16 MiB", Verdict.AtMost(psLive, 16.0 * 1024 * 1024)));
        table.Add(new Row("3. list: bytes allocated per listed run, all threads", Fmt.Bytes(ps.Allocated.Median / ListedRuns), Fmt.Bytes(floor.Allocated.Median / ListedRuns),
            Fmt.Bytes(pkg.Allocated.Median / ListedRuns), Fmt.Ratio(ps.Allocated.Median / pkg.Allocated.Median) + " pkg", "-", Verdict.Info));
        table.Note($"3. EvalsPS: `{string.Format(EvalsPS, Eval) + Count}` (verdicts), `{string.Format(Discarding, Eval)}` (info) and");
        table.Note($"   `{string.Format(ReadingDataSources, Eval)}` (info). A listed run reads its data_source when first used;");
        table.Note("   the third touches every run's DataSource, so pays for reading it (what Format-List or Export-Csv of every run would do).");
        table.Note($"   the module asked limit={requests?.Limits} and sent {requests?.Count:N0} requests per listing, all 200.");
        table.Note($"   raw: `{string.Format(Floor, Eval) + Count}`, a cmdlet of this benchmark: HttpClient paging ?limit=100&order=desc&after=<last_id>");
        table.Note("   while has_more, each page streamed into JsonDocument.ParseAsync, each run written to the pipeline as its JsonElement;");
        table.Note($"   OpenAI: `{string.Format(Package, Eval) + Count}`: EvaluationClient.GetEvaluationRunsAsync(evalId, 100, \"desc\", after, null, null)");
        table.Note("   + JsonDocument.Parse, same paging, same writing. Both fetch on the pipeline thread, one page after another.");
        table.Note($"   Every run is a full completions EvalRun (~{jsonBytes / ListedRuns:N0} bytes), one listing moves {Fmt.Bytes(jsonBytes)} of JSON. Warm-up: 5,000 runs each and");
        table.Note($"   {ListWarmupRounds} full round, forgotten; then {ListRounds} rounds (order rotating).");
        table.Note("   Allocated: GC.GetTotalAllocatedBytes(precise) delta, every thread of this process (engine, module, HttpClient; the fake is elsewhere).");
        table.Note($"   Live memory: the listing's ForEach-Object calls [EvalsPS.Bench.LiveMemory]::Sample() every {MemoryEvery:N0} runs (GC.Collect, WaitForPendingFinalizers,");
        table.Note($"   Collect, GC.GetTotalMemory(true)), minus the same measure just before the listing; {MemoryRounds} round(s) each, untimed. Growth per sample:");
        table.Note("   EvalsPS: " + psLiveSamples);
        table.Note("   OpenAI:  " + pkgLiveSamples);
        foreach (var line in ps.Describe("EvalsPS | ForEach-Object").Split('\n')) table.Note(line);
        foreach (var line in psOut.Describe("EvalsPS | Out-Null      ").Split('\n')) table.Note(line);
        foreach (var line in psData.Describe("EvalsPS, DataSource read").Split('\n')) table.Note(line);
        foreach (var line in floor.Describe("raw | ForEach-Object    ").Split('\n')) table.Note(line);
        foreach (var line in pkg.Describe("OpenAI | ForEach-Object ").Split('\n')) table.Note(line);
    }

    private static long CountOf(EvalsPS.Hosting.SessionResult result) =>
        result.Output.Count == 1 ? Convert.ToInt64(result.Output[0].BaseObject, CultureInfo.InvariantCulture) : -1;

    // ------------------------------------------------------------------ 4. import and first call

    private static void Import(Table table, IFakeApi fake, string runId)
    {
        HostedModule.PointAt(fake.BaseUri);
        var import = new Samples("s"); var first = new Samples("s"); var open = new Samples("s");
        for (int i = 0; i < ImportRounds; i++)
        {
            var r = ImportProbe.Measure(runId);
            open.Add(r.Open); import.Add(r.Import); first.Add(r.FirstGet);
        }

        var coldImport = new Samples("s"); var coldFirst = new Samples("s");
        var warmImport = new Samples("s"); var warmFirst = new Samples("s");
        for (int i = 0; i < ImportRounds; i++)
        {
            var cold = ImportProbe.InChildProcess(runId, warmEngine: false);
            coldImport.Add(cold.Import); coldFirst.Add(cold.FirstGet);
            var warm = ImportProbe.InChildProcess(runId, warmEngine: true);
            warmImport.Add(warm.Import); warmFirst.Add(warm.FirstGet);
        }

        table.Add(new Row("4. Import-Module, fresh runspace", Fmt.Seconds(import.Median), "-", "n/a", "-", "<= 50 ms", Verdict.AtMost(import.Median, 0.05)));
        table.Add(new Row("4. first Get-EvalRun after it", Fmt.Seconds(first.Median), "-", "n/a", "-", "-", Verdict.Info));
        table.Add(new Row("4. Import-Module, fresh process, engine pre-warmed", Fmt.Seconds(warmImport.Median), "-", "n/a", "-", "<= 300 ms", Verdict.AtMost(warmImport.Median, 0.3)));
        table.Add(new Row("4. first Get-EvalRun after it", Fmt.Seconds(warmFirst.Median), "-", "n/a", "-", "-", Verdict.Info));
        table.Add(new Row("4. Import-Module, fresh process, all cold", Fmt.Seconds(coldImport.Median), "-", "n/a", "-", "-", Verdict.Info));
        table.Add(new Row("4. first Get-EvalRun after it", Fmt.Seconds(coldFirst.Median), "-", "n/a", "-", "-", Verdict.Info));
        table.Note($"4. `Import-Module '<repo>/out/EvalsPS' -ErrorAction Stop` timed alone (runspace already open), then `Get-EvalRun -EvalId e -RunId {runId} | Out-Null`.");
        table.Note($"   fresh runspace: {ImportRounds} new runspaces in this process (EvalsPS.dll already loaded by earlier scenarios, as in a second runspace");
        table.Note("   of one pwsh). fresh process: this program started again per sample, so EvalsPS.dll is loaded and JIT-compiled for the first time;");
        table.Note("   'all cold' also pays JIT for the engine's own module-loading code, because the System.Management.Automation.dll of the NuGet");
        table.Note("   package is IL-only while pwsh ships it ReadyToRun-compiled: an overestimate. 'engine pre-warmed' first imports another binary module");
        table.Note("   (EvalsPS.FakeApi.dll) and loads a small format file in that process, so what remains is EvalsPS's own cost: the closest to a new pwsh.");
        table.Note("   runspace open (untimed): " + open.Describe(Fmt.Seconds));
        table.Note("   import, fresh runspace:  " + import.Describe(Fmt.Seconds));
        table.Note("   first get, runspace:     " + first.Describe(Fmt.Seconds));
        table.Note("   import, pre-warmed proc: " + warmImport.Describe(Fmt.Seconds));
        table.Note("   first get, pre-warmed:   " + warmFirst.Describe(Fmt.Seconds));
        table.Note("   import, cold process:    " + coldImport.Describe(Fmt.Seconds));
        table.Note("   first get, cold process: " + coldFirst.Describe(Fmt.Seconds));
    }
}
