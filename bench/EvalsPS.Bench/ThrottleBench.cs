using System;
using System.Diagnostics;

namespace EvalsPS.Bench;

/// <summary>
/// Bulk cancel throughput: 1,000 queued runs piped into Stop-EvalRun -Force against the fake with 25 ms latency,
/// -ThrottleLimit 1 against the default (8). Each measurement gets a new fake holding 1,000 fresh queued runs.
/// </summary>
internal static class ThrottleBench
{
    private const int Runs = 1000;
    private const int LatencyMs = 25;
    private const int DefaultThrottle = 8;
    private const int DefaultRounds = 3;

    internal static Table Run(IFakeApi fake, HostedModule module, ModuleProbe probe)
    {
        var table = new Table($"throttle: {Fmt.Count(Runs)} queued runs | Stop-EvalRun -Force, fake latency {LatencyMs} ms per request");
        try
        {
            Measure(fake, module, probe.UserAgent, table);
        }
        catch (Exception e)
        {
            table.Failed("throttle", e);
        }
        return table;
    }

    private static void Measure(IFakeApi fake, HostedModule module, string userAgent, Table table)
    {
        // Warm up both paths (JIT, connection pool) on a few runs without latency.
        EvalsPSStop(fake, module, 40, "-ThrottleLimit 1", latencyMs: 0);
        EvalsPSStop(fake, module, 40, "", latencyMs: 0);
        RawStop(fake, userAgent, 40, 1, latencyMs: 0);
        RawStop(fake, userAgent, 40, DefaultThrottle, latencyMs: 0);

        var psOne = new Samples("s");
        var psDefault = new Samples("s");
        var rawOne = new Samples("s");
        var rawDefault = new Samples("s");

        psOne.Add(EvalsPSStop(fake, module, Runs, "-ThrottleLimit 1", LatencyMs));
        rawOne.Add(RawStop(fake, userAgent, Runs, 1, LatencyMs));
        for (int i = 0; i < DefaultRounds; i++)
        {
            psDefault.Add(EvalsPSStop(fake, module, Runs, "", LatencyMs));
            rawDefault.Add(RawStop(fake, userAgent, Runs, DefaultThrottle, LatencyMs));
        }

        double ideal1 = Runs * LatencyMs / 1000.0, ideal8 = ideal1 / DefaultThrottle;
        double speedup = psOne.Median / psDefault.Median, rawSpeedup = rawOne.Median / rawDefault.Median;
        table.Add(new Row("Stop-EvalRun -ThrottleLimit 1", Fmt.Seconds(psOne.Median), Fmt.Seconds(rawOne.Median), "n/a",
            Fmt.Ratio(psOne.Median / rawOne.Median), "-", Verdict.Info));
        table.Add(new Row($"Stop-EvalRun (default -ThrottleLimit {DefaultThrottle})", Fmt.Seconds(psDefault.Median), Fmt.Seconds(rawDefault.Median), "n/a",
            Fmt.Ratio(psDefault.Median / rawDefault.Median), "-", Verdict.Info));
        table.Add(new Row($"speedup: default / -ThrottleLimit 1", Fmt.Ratio(speedup), Fmt.Ratio(rawSpeedup), "n/a",
            Fmt.Ratio(speedup), ">= 6x faster", Verdict.AtLeast(speedup, 6)));

        table.Note("EvalsPS: `$runs | Stop-EvalRun -Force [-ThrottleLimit 1]` in the hosted engine, where `$runs = Get-EvalRun -EvalId e -First 1000` was");
        table.Note("  listed beforehand (not timed, latency 0) from a new fake holding 1,000 queued runs; latency set to 25 ms only for the timed pipeline.");
        table.Note($"  Checked after each: no error, 1,000 POSTs all answered 200, and all 1,000 runs now canceled on the fake. User-Agent sent: {userAgent}");
        table.Note($"raw floor: HttpClient POSTing the same 1,000 cancels with Parallel.ForEachAsync, 1 and {DefaultThrottle} at a time, each answer parsed with JsonDocument.");
        table.Note($"  Pure latency bound: {Fmt.Seconds(ideal1)} sequential, {Fmt.Seconds(ideal8)} at {DefaultThrottle} in flight (ideal speedup {DefaultThrottle}x).");
        table.Note("OpenAI package: n/a: EvaluationClient has CancelEvaluationRun(Async) for one run and no pipeline or throttle of its own; its");
        table.Note("  concurrency is whatever loop the caller writes, which is what the raw floor column measures.");
        table.Note("ratio column: EvalsPS / raw floor for the two timings; speedup row: (-ThrottleLimit 1 time) / (default time).");
        table.Note("samples: EvalsPS -ThrottleLimit 1: " + psOne.Describe(Fmt.Seconds));
        table.Note("         EvalsPS default:          " + psDefault.Describe(Fmt.Seconds));
        table.Note("         raw sequential:           " + rawOne.Describe(Fmt.Seconds));
        table.Note($"         raw {DefaultThrottle} in flight:          " + rawDefault.Describe(Fmt.Seconds));
    }

    /// <summary>A new fake with `runs` queued runs; lists them with Get-EvalRun (untimed), then times the Stop-EvalRun pipeline.</summary>
    private static double EvalsPSStop(IFakeApi fake, HostedModule module, int runs, string throttle, int latencyMs)
    {
        fake.Recreate();
        fake.AddRuns("e", runs, "queued");
        HostedModule.PointAt(fake.BaseUri);
        var listed = module.Run($"$runs = Get-EvalRun -EvalId e -First {runs}; $runs.Count");
        if (Convert.ToInt32(listed.Output[0].BaseObject) != runs) throw new InvalidOperationException($"Get-EvalRun listed {listed.Output[0]} runs, not {runs}.");
        fake.SetLatency(latencyMs);
        fake.ClearRequests();

        double seconds = module.Time($"$runs | Stop-EvalRun -Force {throttle}".TrimEnd(), out _);

        var summary = fake.Summary();
        int canceled = fake.CountStatus("e", "canceled");
        if (summary.Count != runs || summary.NotOk != 0 || summary.Methods != "POST" || canceled != runs)
            throw new InvalidOperationException($"Stop-EvalRun {throttle}: {summary.Count} requests ({summary.Methods}), {summary.NotOk} not 200, {canceled} of {runs} canceled.");
        module.Run("$runs = $null");
        return seconds;
    }

    private static double RawStop(IFakeApi fake, string userAgent, int runs, int concurrency, int latencyMs)
    {
        fake.Recreate();
        var ids = fake.AddRuns("e", runs, "queued");
        fake.SetLatency(latencyMs);
        using var raw = new RawClient(fake.BaseUri, userAgent);
        var clock = Stopwatch.StartNew();
        int canceled = raw.CancelAllAsync("e", ids, concurrency).GetAwaiter().GetResult();
        double seconds = clock.Elapsed.TotalSeconds;
        if (canceled != runs) throw new InvalidOperationException($"raw cancel: {canceled} of {runs} canceled.");
        return seconds;
    }
}
