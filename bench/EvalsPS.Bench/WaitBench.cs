using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using EvalsPS.FakeApi;

namespace EvalsPS.Bench;

/// <summary>
/// Memory while waiting: Wait-EvalRun on 40 runs that stay in progress for 3 polls each, then complete, once with
/// runs of about 3 MB (inline data source items) and once with small runs. Live managed memory is sampled after a forced
/// full collection between rounds of polls (all 40 polls of a round answered, and no request for half a second, so
/// nothing is in flight), and compared with the level before the wait. Target: the large runs add less than 20 MiB
/// over the small ones, since the wait keeps per run only its ids, status and counts.
/// The fake runs in a child process, so only the client's memory is measured.
/// </summary>
internal static class WaitBench
{
    private const int Runs = 40;
    private const int PollsInProgress = 3;
    private const int IntervalSec = 6;
    private const int BigRunBytes = 3 * 1024 * 1024;
    private const double TargetBytes = 20 * 1024 * 1024;

    internal static Table Run(HostedModule module)
    {
        var table = new Table($"wait: Wait-EvalRun on {Runs} runs, {PollsInProgress} polls in progress then completed, -PollingIntervalSec {IntervalSec}; " +
                              "live managed memory after a full GC between rounds of polls, over the level before the wait");
        try
        {
            Measure(module, big: false, table); // warm-up: JIT and connections, not recorded
            double small = Measure(module, big: false, table);
            double large = Measure(module, big: true, table);
            table.Add(new Row($"{Runs} small runs: growth", Fmt.Bytes(small), "-", "n/a", "-", "-", Verdict.Info));
            table.Add(new Row($"{Runs} runs of {Fmt.Bytes(BigRunBytes)}: growth", Fmt.Bytes(large), "-", "n/a", "-", "-", Verdict.Info));
            table.Add(new Row("large over small", Fmt.Bytes(large - small), "-", "n/a", "-", "< " + Fmt.Bytes(TargetBytes),
                large - small < TargetBytes ? Verdict.Met : Verdict.Missed));
        }
        catch (Exception e)
        {
            table.Failed("wait", e);
        }
        return table;
    }

    /// <summary>The largest growth of live memory between rounds, in bytes.</summary>
    private static double Measure(HostedModule module, bool big, Table table)
    {
        using var fake = new WaitFake(big);
        HostedModule.PointAt(fake.BaseUri);
        var ids = Enumerable.Range(0, Runs).Select(RunId);

        double before = LiveBytes();
        var samples = new List<double>();
        bool done = false;
        var sampler = new Thread(() =>
        {
            int round = 1;
            int last = -1;
            var still = System.Diagnostics.Stopwatch.StartNew();
            while (!Volatile.Read(ref done) && round <= PollsInProgress)
            {
                Thread.Sleep(50);
                int count = fake.Requests();
                if (count != last) { last = count; still.Restart(); continue; }
                if (count == Runs * round && still.ElapsedMilliseconds >= 500)
                {
                    lock (samples) samples.Add(LiveBytes() - before);
                    round++;
                }
            }
        }) { IsBackground = true };
        sampler.Start();
        module.Run($"Wait-EvalRun -EvalId wait -RunId {string.Join(",", ids)} -PollingIntervalSec {IntervalSec} | Out-Null");
        Volatile.Write(ref done, true);
        sampler.Join();

        int requests = fake.Requests();
        if (requests != Runs * (PollsInProgress + 1))
            throw new InvalidOperationException($"Expected {Runs * (PollsInProgress + 1)} polls, the fake saw {requests}.");
        if (samples.Count != PollsInProgress)
            throw new InvalidOperationException($"Expected a sample between each of {PollsInProgress} rounds, took {samples.Count}: rounds overlapped.");
        table.Note($"{(big ? "large" : "small")} runs: growth between rounds {string.Join(", ", samples.Select(Fmt.Bytes))} (before: {Fmt.Bytes(before)})");
        return samples.Max();
    }

    private static string RunId(int i) => $"evalrun_wait_{i:00}";

    /// <summary>
    /// The fake for this scenario, in a child process (this program, mode "__wait-fake"), so that what it holds and
    /// allocates (40 runs of 3 MB, re-rendered at each poll) stays out of the memory measured. One command: COUNT.
    /// </summary>
    private sealed class WaitFake : IDisposable
    {
        private readonly System.Diagnostics.Process child;

        internal WaitFake(bool big)
        {
            child = System.Diagnostics.Process.Start(ChildProcessFake.SelfStart("__wait-fake", big ? "big" : "small"))
                    ?? throw new InvalidOperationException("Could not start the fake's process.");
            string? ready = child.StandardOutput.ReadLine();
            if (ready is null || !ready.StartsWith("READY\t", StringComparison.Ordinal)) throw new InvalidOperationException("The fake answered: " + ready);
            BaseUri = new Uri(ready.Substring("READY\t".Length));
        }

        internal Uri BaseUri { get; }

        internal int Requests()
        {
            lock (child)
            {
                child.StandardInput.WriteLine("COUNT");
                child.StandardInput.Flush();
                return int.Parse(child.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The fake's process ended."));
            }
        }

        public void Dispose()
        {
            try
            {
                child.StandardInput.WriteLine("QUIT");
                child.StandardInput.Flush();
            }
            catch (System.IO.IOException) { }
            if (!child.WaitForExit(10_000)) child.Kill();
            child.Dispose();
        }
    }

    /// <summary>The child's side: 40 runs that answer in_progress to their first polls, then completed; COUNT answers the request count.</summary>
    internal static int ServeFake(string size)
    {
        using var fake = new FakeEvalsApi().Start();
        var statuses = Enumerable.Repeat("in_progress", PollsInProgress).Append("completed").ToArray();
        for (int i = 0; i < Runs; i++)
        {
            string id = size == "big" ? fake.AddRunJson("wait", BigRun(RunId(i))) : fake.AddRun("wait", RunId(i), "in_progress");
            fake.SetStatusSequence("wait", id, statuses);
        }
        Console.Out.WriteLine("READY\t" + fake.BaseUri);
        Console.Out.Flush();
        string? line;
        while ((line = Console.In.ReadLine()) != null && line != "QUIT")
        {
            Console.Out.WriteLine(fake.Requests.Count);
            Console.Out.Flush();
        }
        return 0;
    }

    private static double LiveBytes()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>An in-progress run of about 3 MB: a file_content data source of inline items.</summary>
    private static string BigRun(string id)
    {
        var text = new StringBuilder(BigRunBytes + 4096);
        text.Append("{\"object\":\"eval.run\",\"id\":\"").Append(id).Append("\",\"name\":\"Large run\",\"status\":\"in_progress\",")
            .Append("\"created_at\":1743092069,\"model\":\"gpt-4o-mini\",")
            .Append("\"result_counts\":{\"total\":0,\"errored\":0,\"failed\":0,\"passed\":0},")
            .Append("\"data_source\":{\"type\":\"completions\",\"source\":{\"type\":\"file_content\",\"content\":[");
        string filler = new string('x', 400);
        for (int i = 0; text.Length < BigRunBytes; i++)
        {
            if (i > 0) text.Append(',');
            text.Append("{\"item\":{\"input\":\"headline ").Append(i).Append(' ').Append(filler).Append("\",\"ground_truth\":\"Technology\"}}");
        }
        text.Append("]}}}");
        return text.ToString();
    }
}
