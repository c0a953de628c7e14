using System;
using System.Linq;
using System.Text;

namespace EvalsPS.Bench;

/// <summary>
/// Compare-EvalRun on two runs of 10,000 output items each, against listing the same two runs' output items with
/// Get-EvalRunOutputItem, one run after the other, as a script would before comparing them itself. Target: the
/// comparison takes at most 1.2x the listing.
/// </summary>
internal static class CompareBench
{
    private const int Items = 10_000;
    private const string Eval = "cmp";
    private const int Rounds = 9;
    private const double Target = 1.2;

    // Writes each item as it comes; what would show on screen is thrown away, as with the listing.
    private const string Listing = "Get-EvalRunOutputItem -EvalId cmp -RunId {0} | Out-Null; Get-EvalRunOutputItem -EvalId cmp -RunId {1} | Out-Null";
    private const string Comparing = "Compare-EvalRun -EvalId cmp -ReferenceRun {0} -DifferenceRun {1} | Out-Null";
    private const string Summarizing = "Compare-EvalRun -EvalId cmp -ReferenceRun {0} -DifferenceRun {1} -Summary | Out-Null";

    internal static Table Run(IFakeApi fake, HostedModule module)
    {
        var table = new Table($"compare: two runs of {Fmt.Count(Items)} output items each, Compare-EvalRun vs listing both with Get-EvalRunOutputItem");
        try
        {
            Measure(fake, module, table);
        }
        catch (Exception e)
        {
            table.Failed("compare", e);
        }
        return table;
    }

    private static void Measure(IFakeApi fake, HostedModule module, Table table)
    {
        fake.Recreate();
        var runs = fake.AddRuns(Eval, 2, "completed");
        // The difference run: one item in 10 flips (half regress, half are fixed), and one row each is removed and added.
        fake.AddGradedOutputItems(Eval, runs[0], Outcomes(flip: false) + "p.", 1);
        fake.AddGradedOutputItems(Eval, runs[1], Outcomes(flip: true) + ".p", 1);
        HostedModule.PointAt(fake.BaseUri);
        string list = string.Format(Listing, runs[0], runs[1]);
        string compare = string.Format(Comparing, runs[0], runs[1]);
        string summary = string.Format(Summarizing, runs[0], runs[1]);

        // Warm-up (JIT, connections), then the three rotated each round.
        module.Run(list);
        module.Run(compare);
        module.Run(summary);
        Check(fake, module, runs);

        var listed = new Samples("s");
        var compared = new Samples("s");
        var summarized = new Samples("s");
        // The machine's load drifts between rounds: each round's own ratio compares runs made moments apart.
        var ratios = new Samples("x");
        var summaryRatios = new Samples("x");
        for (int round = 0; round < Rounds; round++)
        {
            var order = new (Samples Samples, string Script)[] { (listed, list), (compared, compare), (summarized, summary) };
            foreach (var (samples, script) in order.Skip(round % 3).Concat(order.Take(round % 3)))
            {
                fake.ClearRequests();
                samples.Add(module.Time(script, out _));
                var requests = fake.Summary();
                int pages = 2 * ((Items + 1 + 99) / 100);
                if (requests.NotOk != 0 || requests.Count < pages)
                    throw new InvalidOperationException($"{script}: {requests.Count} requests, {requests.NotOk} not 200; expected at least {pages}.");
            }
            ratios.Add(compared.Last / listed.Last);
            summaryRatios.Add(summarized.Last / listed.Last);
        }

        double ratio = ratios.Median;
        table.Add(new Row("listing both runs' output items (Get-EvalRunOutputItem, one run then the other)", Fmt.Seconds(listed.Median), "-", "n/a", "-", "-", Verdict.Info));
        table.Add(new Row("Compare-EvalRun (the changed items)", Fmt.Seconds(compared.Median), "-", "n/a", Fmt.Ratio(ratio), $"<= {Target:0.0}x the listing", Verdict.AtMost(ratio, Target)));
        table.Add(new Row("Compare-EvalRun -Summary (information)", Fmt.Seconds(summarized.Median), "-", "n/a", Fmt.Ratio(summaryRatios.Median), "-", Verdict.Info));
        table.Note($"Runs of {Fmt.Count(Items)} items (+1 removed, +1 added); one item in 10 changes (half regress, half are fixed). Pages of 100: {2 * ((Items + 100) / 100)} GETs per variant.");
        table.Note("ratio column: the median over rounds of (the comparison's time / the listing's time in the same round); rounds rotate the order.");
        table.Note("ratios:  " + ratios.Describe(Fmt.Ratio));
        table.Note("samples: listing:  " + listed.Describe(Fmt.Seconds));
        table.Note("         compare:  " + compared.Describe(Fmt.Seconds));
        table.Note("         -Summary: " + summarized.Describe(Fmt.Seconds));
    }

    /// <summary>The comparison finds exactly the items that were made to differ.</summary>
    private static void Check(IFakeApi fake, HostedModule module, string[] runs)
    {
        var result = module.Run($"$s = Compare-EvalRun -EvalId {Eval} -ReferenceRun {runs[0]} -DifferenceRun {runs[1]} -Summary; '{{0}} {{1}} {{2}} {{3}} {{4}}' -f $s.Matched, $s.Regressed, $s.Fixed, $s.Added, $s.Removed");
        string got = result.Output[0].BaseObject.ToString()!;
        string expected = $"{Items} {Items / 20} {Items / 20} 1 1";
        if (got != expected) throw new InvalidOperationException($"Compare-EvalRun -Summary: matched, regressed, fixed, added, removed = {got}, expected {expected}.");
    }

    /// <summary>Item n passes when n is odd; with flip, items 20k+1 (which then regress) and 20k (fixed) have the other outcome.</summary>
    private static string Outcomes(bool flip)
    {
        var outcomes = new StringBuilder(Items);
        for (int n = 1; n <= Items; n++)
        {
            bool passes = n % 2 == 1;
            if (flip && (n % 20 == 0 || n % 20 == 1)) passes = !passes;
            outcomes.Append(passes ? 'p' : 'f');
        }
        return outcomes.ToString();
    }
}
