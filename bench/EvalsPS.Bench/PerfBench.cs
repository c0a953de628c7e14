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
    private const int GetRounds = 15;
    private const int GetWarmupRounds = 2;
    private const int ListRounds = 7;
    private const int ListWarmupRounds = 1;
    // JsonDocument.Parse runs once per document, so the floor's code reaches the JIT's tier 1 only after some 50 parses
    // (EvalsPS's per-item code does within its first): before that the floor measures ~35% slow.
    private const int ParseWarmup = 12;
    private const int ParseIterations = 10;
    private const int ParseBatch = 6;
    private const int EndToEndRounds = 5;
    private const int ImportRounds = 10;

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
            table.Add(new Row(name, "-", "-", "-", "-", "-", Verdict.Error));
            table.Note($"ERROR in {name}: {e}");
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

        HeapSampler.FullCollect();
        long before = GC.GetTotalMemory(true);
        object kept = EvalsPSParse();
        HeapSampler.FullCollect();
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
        var psE2E = new Samples("s"); var rawE2E = new Samples("s");
        for (int i = 0; i <= EndToEndRounds; i++)
        {
            HeapSampler.FullCollect();
            double ps = module.Time($"Get-EvalRun -EvalId big -RunId {Payload.RunId} | Out-Null", out _);
            HeapSampler.FullCollect();
            var clock = Stopwatch.StartNew();
            int found = raw.GetRunsAsync("big", new[] { Payload.RunId }).GetAwaiter().GetResult();
            double r = clock.Elapsed.TotalSeconds;
            if (found != 1) throw new InvalidOperationException("raw GET of the big run failed.");
            if (i == 0) continue; // warm-up
            psE2E.Add(ps); rawE2E.Add(r);
        }
        double endToEnd = psE2E.Median / rawE2E.Median;
        table.Add(new Row("1. the same run via GET, end to end", Fmt.Seconds(psE2E.Median), Fmt.Seconds(rawE2E.Median), "n/a",
            Fmt.Ratio(endToEnd), "<= 1.50x", Verdict.AtMost(endToEnd, 1.5)));

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
        table.Note("   kept: GC.GetTotalMemory(true) with the deserialized EvalRun alive, minus before.");
        table.Note($"   end to end: `Get-EvalRun -EvalId big -RunId {Payload.RunId} | Out-Null` vs raw GET + JsonDocument.ParseAsync; {EndToEndRounds} rounds after 1 warm-up.");
        table.Note("   EvalsPS e2e: " + psE2E.Describe(Fmt.Seconds) + "; raw e2e: " + rawE2E.Describe(Fmt.Seconds));
    }

    /// <summary>One iteration: a full GC, then <see cref="ParseBatch"/> calls back to back; time, allocation and GC pause per call.</summary>
    private static (double Seconds, double Allocated) Batch(Func<object> action, Samples? pauses = null)
    {
        HeapSampler.FullCollect();
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
                HeapSampler.FullCollect();
                fake.ClearRequests();
                var gc = GcSnapshot.Now();
                ps.Add(module.Time($"Get-EvalRun -EvalId {Eval} -RunId $ids | Out-Null", out _));
                psAlloc.Add(GcSnapshot.Now().Since(gc).Allocated);
                psRequests = fake.Summary();
                if (psRequests.Count != Gets || psRequests.NotOk != 0) throw new InvalidOperationException($"EvalsPS sent {psRequests.Count} requests, {psRequests.NotOk} not 200.");
            },
            () =>
            {
                HeapSampler.FullCollect();
                var gc = GcSnapshot.Now();
                floor.Add(Timed(() => raw.GetRunsAsync(Eval, ids).GetAwaiter().GetResult(), Gets, "raw"));
                floorAlloc.Add(GcSnapshot.Now().Since(gc).Allocated);
            },
            () =>
            {
                HeapSampler.FullCollect();
                pkg.Add(Timed(() => openai.GetRunsAsync(Eval, ids).GetAwaiter().GetResult(), Gets, "OpenAI package"));
            },
        };
        Rotated(variants, GetRounds, GetWarmupRounds, () => { ps.Clear(); floor.Clear(); pkg.Clear(); psAlloc.Clear(); floorAlloc.Clear(); });
        module.Run("$ids = $null; $warmIds = $null");

        double ratio = ps.Median / floor.Median;
        table.Add(new Row($"2. {Fmt.Count(Gets)} single-run gets", Fmt.Seconds(ps.Median), Fmt.Seconds(floor.Median), WithRatio(pkg.Median, floor.Median),
            Fmt.Ratio(ratio), "<= 1.50x", Verdict.AtMost(ratio, 1.5)));
        table.Add(new Row("2. per get", Fmt.Seconds(ps.Median / Gets), Fmt.Seconds(floor.Median / Gets), Fmt.Seconds(pkg.Median / Gets),
            "+" + Fmt.Seconds((ps.Median - floor.Median) / Gets), "-", Verdict.Info));
        table.Note($"2. EvalsPS: `Get-EvalRun -EvalId e -RunId $ids | Out-Null` ({Gets:N0} ids spread over the 100,000 runs; one cmdlet call, requests one after");
        table.Note($"   another, each run a full ~1.4 KB completions EvalRun); raw: HttpClient GET loop, same headers ({probe.HeaderNames}),");
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

    /// <summary>Time, peak heap growth and GC activity of one way of listing, over the rounds.</summary>
    private sealed class Listing
    {
        private readonly IFakeApi fake;

        internal Listing(IFakeApi fake) => this.fake = fake;

        internal Samples Time { get; } = new("s");
        internal Samples Cpu { get; } = new("s");
        internal Samples FakeCpu { get; } = new("s");
        internal Samples Heap { get; } = new("B");
        internal Samples Allocated { get; } = new("B");
        internal Samples Pause { get; } = new("s");
        internal Samples Retained { get; } = new("B");
        internal string LastGcs { get; private set; } = "";

        internal void Clear()
        {
            Time.Clear(); Cpu.Clear(); FakeCpu.Clear(); Heap.Clear(); Allocated.Clear(); Pause.Clear(); Retained.Clear();
        }

        internal void Measure(Func<double> timed)
        {
            using var heap = HeapSampler.Start();
            var before = GcSnapshot.Now();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var fakeCpu = fake.ProcessorTime;
            double seconds = timed();
            var delta = GcSnapshot.Now().Since(before);
            Cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            if (fakeCpu is TimeSpan fakeBefore && fake.ProcessorTime is TimeSpan fakeAfter) FakeCpu.Add((fakeAfter - fakeBefore).TotalSeconds);
            heap.Dispose();
            HeapSampler.FullCollect();
            Retained.Add(GC.GetTotalMemory(true) - heap.Baseline);
            Time.Add(seconds); Heap.Add(heap.PeakGrowth); Allocated.Add(delta.Allocated); Pause.Add(delta.Pause.TotalSeconds);
            LastGcs = delta.Collections;
        }

        internal string Describe(string name) =>
            $"   {name}: time {Time.Describe(Fmt.Seconds)}\n" +
            $"   {new string(' ', name.Length)}  CPU of this process median {Fmt.Seconds(Cpu.Median)}" +
            (FakeCpu.Count > 0 ? $", of the fake's process median {Fmt.Seconds(FakeCpu.Median)}\n" : "\n") +
            $"   {new string(' ', name.Length)}  heap peak growth {Heap.Describe(Fmt.Bytes)}\n" +
            $"   {new string(' ', name.Length)}  allocated (all threads) median {Fmt.Bytes(Allocated.Median)}, GC pauses median {Fmt.Seconds(Pause.Median)}, last round {LastGcs}\n" +
            $"   {new string(' ', name.Length)}  still held after a full GC once done: median {Fmt.Bytes(Retained.Median)}";
    }

    private static void List(Table table, IFakeApi fake, HostedModule module, ModuleProbe probe)
    {
        const string Counting = "Get-EvalRun -EvalId {0} | ForEach-Object -Begin {{ $n = 0 }} -Process {{ $n++ }} -End {{ $n }}";
        const string Discarding = "Get-EvalRun -EvalId {0} | Out-Null";
        const string ReadingDataSources = "Get-EvalRun -EvalId {0} | ForEach-Object -Begin {{ $n = 0 }} -Process {{ if ($null -ne $_.DataSource.Model) {{ $n++ }} }} -End {{ $n }}";
        // The control: the verdict's ForEach-Object over as many runs already in memory, with no EvalsPS call at all.
        const string PowerShellAlone = "$inMemory | ForEach-Object -Begin { $n = 0 } -Process { $n++ } -End { $n }";
        using var raw = new RawClient(fake.BaseUri, probe.UserAgent);
        var openai = new OpenAIPackage(fake.BaseUri);

        // Warm-up: every path over 5,000 runs (50 pages).
        if (CountOf(module.Run(string.Format(Counting, "warm"))) != 5_000) throw new InvalidOperationException("EvalsPS warm-up listing is wrong.");
        module.Run(string.Format(Discarding, "warm"));
        if (CountOf(module.Run(string.Format(ReadingDataSources, "warm"))) != 5_000) throw new InvalidOperationException("EvalsPS warm-up listing with data sources is wrong.");
        if (raw.ListAllAsync("warm").GetAwaiter().GetResult() != 5_000) throw new InvalidOperationException("raw warm-up listing is wrong.");
        long warmBytes = raw.BytesReceived;
        if (openai.ListAllAsync("warm").GetAwaiter().GetResult() != 5_000) throw new InvalidOperationException("OpenAI warm-up listing is wrong.");

        // 100,000 references to one listed run: 0.8 MB, alive before every round, so not counted as growth.
        module.Run($"$one = Get-EvalRun -EvalId warm -First 1; $inMemory = [object[]]::new({ListedRuns}); for ($i = 0; $i -lt {ListedRuns}; $i++) {{ $inMemory[$i] = $one }}");
        if (CountOf(module.Run(PowerShellAlone)) != ListedRuns) throw new InvalidOperationException("the PowerShell-alone control is wrong.");

        var ps = new Listing(fake); var psOut = new Listing(fake); var psData = new Listing(fake); var floor = new Listing(fake); var pkg = new Listing(fake);
        var alone = new Listing(fake);
        RequestSummary? requests = null;
        var variants = new Action[]
        {
            () =>
            {
                fake.ClearRequests();
                ps.Measure(() =>
                {
                    double t = module.Time(string.Format(Counting, Eval), out var result);
                    if (CountOf(result) != ListedRuns) throw new InvalidOperationException($"EvalsPS listed {result.Output.FirstOrDefault()} runs.");
                    return t;
                });
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
            () => floor.Measure(() => Timed(() => raw.ListAllAsync(Eval).GetAwaiter().GetResult(), ListedRuns, "raw")),
            () => pkg.Measure(() => Timed(() => openai.ListAllAsync(Eval).GetAwaiter().GetResult(), ListedRuns, "OpenAI package")),
            () => alone.Measure(() =>
            {
                double t = module.Time(PowerShellAlone, out var result);
                if (CountOf(result) != ListedRuns) throw new InvalidOperationException($"the control counted {result.Output.FirstOrDefault()} runs.");
                return t;
            }),
        };
        Rotated(variants, ListRounds, ListWarmupRounds, () => { ps.Clear(); psOut.Clear(); psData.Clear(); floor.Clear(); pkg.Clear(); alone.Clear(); });
        module.Run("$one = $null; $inMemory = $null");
        long jsonBytes = (raw.BytesReceived - warmBytes) / (ListRounds + ListWarmupRounds);

        double ratio = ps.Time.Median / floor.Time.Median;
        table.Add(new Row($"3. list {Fmt.Count(ListedRuns)} runs, pages of 100 | ForEach-Object count", Fmt.Seconds(ps.Time.Median), Fmt.Seconds(floor.Time.Median),
            WithRatio(pkg.Time.Median, floor.Time.Median), Fmt.Ratio(ratio), "<= 1.50x", Verdict.AtMost(ratio, 1.5)));
        table.Add(new Row("3. list | Out-Null (no ForEach-Object)", Fmt.Seconds(psOut.Time.Median), Fmt.Seconds(floor.Time.Median),
            WithRatio(pkg.Time.Median, floor.Time.Median), Fmt.Ratio(psOut.Time.Median / floor.Time.Median), "-", Verdict.Info));
        table.Add(new Row("3. list | ForEach-Object reading every DataSource", Fmt.Seconds(psData.Time.Median), Fmt.Seconds(floor.Time.Median),
            WithRatio(pkg.Time.Median, floor.Time.Median), Fmt.Ratio(psData.Time.Median / floor.Time.Median), "-", Verdict.Info));
        table.Add(new Row("3. list: peak managed heap growth, median (max)", $"{Fmt.Bytes(ps.Heap.Median)} ({Fmt.Bytes(ps.Heap.Max)})",
            $"{Fmt.Bytes(floor.Heap.Median)} ({Fmt.Bytes(floor.Heap.Max)})", $"{Fmt.Bytes(pkg.Heap.Median)} ({Fmt.Bytes(pkg.Heap.Max)})",
            "-", "<= 64 MiB", Verdict.AtMost(ps.Heap.Max, 64.0 * 1024 * 1024)));
        table.Add(new Row("3. control, no EvalsPS: the same ForEach-Object over 100,000 runs in memory: peak heap growth, median (max)",
            $"{Fmt.Bytes(alone.Heap.Median)} ({Fmt.Bytes(alone.Heap.Max)})", "-", "n/a", "-", "-", Verdict.Info));
        table.Add(new Row("3. list: bytes allocated, all threads", Fmt.Bytes(ps.Allocated.Median), Fmt.Bytes(floor.Allocated.Median), Fmt.Bytes(pkg.Allocated.Median),
            Fmt.Ratio(ps.Allocated.Median / floor.Allocated.Median), "-", Verdict.Info));
        table.Note($"3. EvalsPS: `{string.Format(Counting, Eval)}` (verdict), `{string.Format(Discarding, Eval)}` (info) and");
        table.Note($"   `{string.Format(ReadingDataSources, Eval)}` (info). A listed run reads its data_source when first used;");
        table.Note("   the third touches every run's DataSource, so pays for reading it (what Format-List or Export-Csv of every run would do).");
        table.Note($"   the module asked limit={requests?.Limits} and sent {requests?.Count:N0} requests per listing, all 200. raw: HttpClient paging");
        table.Note("   ?limit=100&order=desc&after=<last_id> while has_more, each page streamed into JsonDocument.ParseAsync, data counted;");
        table.Note("   OpenAI: EvaluationClient.GetEvaluationRunsAsync(evalId, 100, \"desc\", after, null, null) + JsonDocument.Parse, same paging.");
        table.Note($"   Every run is a full completions EvalRun (~{jsonBytes / ListedRuns:N0} bytes), one listing moves {Fmt.Bytes(jsonBytes)} of JSON. Warm-up: 5,000 runs each and");
        table.Note($"   {ListWarmupRounds} full round, forgotten; then {ListRounds} rounds (order rotating). Heap: GC.GetTotalMemory(false) every ~10 ms on a sampler thread, peak minus the heap after a");
        table.Note("   forced full GC just before (garbage not yet collected counts); the verdict uses the largest peak of the rounds.");
        table.Note("   Allocated: GC.GetTotalAllocatedBytes(precise) delta, every thread of this process (engine, module, HttpClient; the fake is elsewhere).");
        foreach (var line in ps.Describe("EvalsPS | ForEach-Object").Split('\n')) table.Note(line);
        foreach (var line in psOut.Describe("EvalsPS | Out-Null      ").Split('\n')) table.Note(line);
        foreach (var line in psData.Describe("EvalsPS, DataSource read").Split('\n')) table.Note(line);
        foreach (var line in floor.Describe("raw                     ").Split('\n')) table.Note(line);
        foreach (var line in pkg.Describe("OpenAI package          ").Split('\n')) table.Note(line);
        table.Note($"   control: `{PowerShellAlone}`, $inMemory being 100,000 references to one listed run: what PowerShell's own pipeline");
        table.Note("   allocates and leaves for the collector with no module code at all, under the same GC and the same heap measure.");
        foreach (var line in alone.Describe("control, no EvalsPS     ").Split('\n')) table.Note(line);
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

        table.Add(new Row("4. Import-Module, fresh runspace", Fmt.Seconds(import.Median), "-", "n/a", "-", "<= 300 ms", Verdict.AtMost(import.Median, 0.3)));
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
