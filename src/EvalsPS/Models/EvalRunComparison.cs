using System.Globalization;
using System.Text.RegularExpressions;

namespace EvalsPS
{
    /// <summary>
    /// How an item's grading changed from the reference run to the difference run. Decided by the item's status: an
    /// item passes only when its status is pass, so fail, error or any other status counts as not passing.
    /// </summary>
    public enum EvalRunChange
    {
        /// <summary>Passing in both runs, or not passing in both (its status may still differ, such as fail and error).</summary>
        Unchanged,

        /// <summary>Passed in the reference run, does not pass in the difference run.</summary>
        Regressed,

        /// <summary>Did not pass in the reference run, passes in the difference run.</summary>
        Fixed,

        /// <summary>Only the difference run has the item.</summary>
        Added,

        /// <summary>Only the reference run has the item.</summary>
        Removed,
    }

    /// <summary>One item of two runs compared: the data source row both were graded on, and what changed.</summary>
    public sealed class EvalRunItemComparison
    {
        internal EvalRunItemComparison(long datasourceItemId, EvalRunChange change, string referenceRunId, string differenceRunId,
            string? referenceStatus, string? differenceStatus, string? referenceOutputItemId, string? differenceOutputItemId,
            EvalsList<EvalRunCriterionComparison> criteria)
        {
            DatasourceItemId = datasourceItemId;
            Change = change;
            ReferenceRunId = referenceRunId;
            DifferenceRunId = differenceRunId;
            ReferenceStatus = referenceStatus;
            DifferenceStatus = differenceStatus;
            ReferenceOutputItemId = referenceOutputItemId;
            DifferenceOutputItemId = differenceOutputItemId;
            Criteria = criteria;
        }

        /// <summary>The row number of the item in the runs' data source: what the two runs are matched by.</summary>
        public long DatasourceItemId { get; }

        public EvalRunChange Change { get; }

        /// <summary>The item's status in the reference run (pass, fail, ...); empty when Added.</summary>
        public string? ReferenceStatus { get; }

        /// <summary>The item's status in the difference run; empty when Removed.</summary>
        public string? DifferenceStatus { get; }

        public string? ReferenceOutputItemId { get; }
        public string? DifferenceOutputItemId { get; }
        public string ReferenceRunId { get; }
        public string DifferenceRunId { get; }

        /// <summary>One entry per testing criterion (grader result), matched by name; one line of text in a CSV file.</summary>
        public EvalsList<EvalRunCriterionComparison> Criteria { get; }

        public override string ToString() =>
            $"{DatasourceItemId.ToString(CultureInfo.InvariantCulture)}: {Change} ({Side(ReferenceStatus)} -> {Side(DifferenceStatus)})";

        internal static string Side(string? status) => status ?? "-";
    }

    /// <summary>One testing criterion of one item in the two runs: passed and score on each side, and the score's change.</summary>
    public sealed class EvalRunCriterionComparison
    {
        // A result is named after its criterion, "<name>-<uuid>"; ToString shows the name alone, as the views do.
        private static readonly Regex CriterionId = new Regex("-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant);

        internal EvalRunCriterionComparison(string name, bool inReference, bool? referencePassed, double? referenceScore,
            bool inDifference, bool? differencePassed, double? differenceScore)
        {
            Name = name;
            InReference = inReference;
            ReferencePassed = referencePassed;
            ReferenceScore = referenceScore;
            InDifference = inDifference;
            DifferencePassed = differencePassed;
            DifferenceScore = differenceScore;
        }

        /// <summary>The result's name, as the API gives it: the criterion's name and id.</summary>
        public string Name { get; }

        /// <summary>Whether the reference run graded the item on this criterion.</summary>
        public bool InReference { get; }

        public bool? ReferencePassed { get; }
        public double? ReferenceScore { get; }

        /// <summary>Whether the difference run graded the item on this criterion.</summary>
        public bool InDifference { get; }

        public bool? DifferencePassed { get; }
        public double? DifferenceScore { get; }

        /// <summary>DifferenceScore minus ReferenceScore; empty unless both runs scored the item.</summary>
        public double? ScoreDelta => ReferenceScore is double before && DifferenceScore is double after ? after - before : (double?)null;

        /// <summary>"Name: pass -> fail, score 1 -> 0 (-1)"; a side without this criterion is "-".</summary>
        public override string ToString()
        {
            string text = $"{ShortName(Name)}: {Outcome(InReference, ReferencePassed)} -> {Outcome(InDifference, DifferencePassed)}";
            if (ReferenceScore is null && DifferenceScore is null) return text;
            text += $", score {Number(ReferenceScore)} -> {Number(DifferenceScore)}";
            return ScoreDelta is double delta ? text + $" ({(delta > 0 ? "+" : "")}{Number(delta)})" : text;
        }

        internal static string ShortName(string name) => CriterionId.Replace(name, "");

        internal static string Number(double? value) => value is double number ? number.ToString("0.####", CultureInfo.InvariantCulture) : "-";

        private static string Outcome(bool graded, bool? passed) => !graded ? "-" : passed is bool p ? p ? "pass" : "fail" : "?";
    }

    /// <summary>What -Summary writes: two runs compared over the items they both have.</summary>
    public sealed class EvalRunComparison
    {
        internal EvalRunComparison(string referenceEvalId, string differenceEvalId, string referenceRunId, string differenceRunId,
            int matched, int unchanged, int regressed, int @fixed, int added, int removed, int referencePassed, int differencePassed,
            double pValue, EvalsList<EvalRunCriterionSummary> criteria)
        {
            ReferenceEvalId = referenceEvalId;
            DifferenceEvalId = differenceEvalId;
            ReferenceRunId = referenceRunId;
            DifferenceRunId = differenceRunId;
            Matched = matched;
            Unchanged = unchanged;
            Regressed = regressed;
            Fixed = @fixed;
            Added = added;
            Removed = removed;
            ReferencePassRate = Rate(referencePassed, matched);
            DifferencePassRate = Rate(differencePassed, matched);
            PassRateDelta = DifferencePassRate - ReferencePassRate;
            PValue = pValue;
            Criteria = criteria;
        }

        public string ReferenceEvalId { get; }
        public string DifferenceEvalId { get; }
        public string ReferenceRunId { get; }
        public string DifferenceRunId { get; }

        /// <summary>How many items both runs have (matched by DatasourceItemId).</summary>
        public int Matched { get; }

        public int Unchanged { get; }
        public int Regressed { get; }
        public int Fixed { get; }
        public int Added { get; }
        public int Removed { get; }

        /// <summary>The share of the matched items that passed in the reference run, from 0 to 1; empty when none matched.</summary>
        public double? ReferencePassRate { get; }

        /// <summary>The share of the matched items that pass in the difference run, from 0 to 1; empty when none matched.</summary>
        public double? DifferencePassRate { get; }

        /// <summary>DifferencePassRate minus ReferencePassRate.</summary>
        public double? PassRateDelta { get; }

        /// <summary>
        /// The exact two-sided McNemar p-value of Regressed against Fixed: how likely a difference at least this large
        /// is if neither run were better. Small (such as below 0.05) means the change is unlikely to be noise; 1 when
        /// no item changed.
        /// </summary>
        public double PValue { get; }

        /// <summary>The same figures per testing criterion.</summary>
        public EvalsList<EvalRunCriterionSummary> Criteria { get; }

        public override string ToString() =>
            $"{ReferenceRunId} -> {DifferenceRunId}: {Regressed} regressed, {Fixed} fixed of {Matched} matched, pass rate " +
            $"{EvalRunCriterionSummary.Percent(ReferencePassRate)} -> {EvalRunCriterionSummary.Percent(DifferencePassRate)}, p = {EvalRunCriterionComparison.Number(PValue)}";

        internal static double? Rate(int count, int of) => of == 0 ? (double?)null : (double)count / of;
    }

    /// <summary>One testing criterion over the matched items of two runs.</summary>
    public sealed class EvalRunCriterionSummary
    {
        internal EvalRunCriterionSummary(string name, int referenceGraded, int referencePassed, int differenceGraded, int differencePassed,
            int bothGraded, int regressed, int @fixed, int scored, double scoreDeltaSum, double pValue)
        {
            Name = name;
            Matched = bothGraded;
            Regressed = regressed;
            Fixed = @fixed;
            ReferencePassRate = EvalRunComparison.Rate(referencePassed, referenceGraded);
            DifferencePassRate = EvalRunComparison.Rate(differencePassed, differenceGraded);
            PassRateDelta = DifferencePassRate - ReferencePassRate;
            MeanScoreDelta = scored == 0 ? (double?)null : scoreDeltaSum / scored;
            PValue = pValue;
        }

        /// <summary>The result's name, as the API gives it: the criterion's name and id.</summary>
        public string Name { get; }

        /// <summary>How many matched items both runs graded on this criterion (pass or fail).</summary>
        public int Matched { get; }

        /// <summary>Items this criterion passed in the reference run and failed in the difference run.</summary>
        public int Regressed { get; }

        /// <summary>Items this criterion failed in the reference run and passed in the difference run.</summary>
        public int Fixed { get; }

        /// <summary>The share of the matched items the reference run graded on this criterion that passed it.</summary>
        public double? ReferencePassRate { get; }

        /// <summary>The share of the matched items the difference run graded on this criterion that pass it.</summary>
        public double? DifferencePassRate { get; }

        public double? PassRateDelta { get; }

        /// <summary>The mean of the score deltas (difference minus reference) over the items both runs scored.</summary>
        public double? MeanScoreDelta { get; }

        /// <summary>The exact two-sided McNemar p-value of this criterion's Regressed against Fixed.</summary>
        public double PValue { get; }

        public override string ToString() =>
            $"{EvalRunCriterionComparison.ShortName(Name)}: pass rate {Percent(ReferencePassRate)} -> {Percent(DifferencePassRate)}" +
            (MeanScoreDelta is double delta ? $", mean score delta {(delta > 0 ? "+" : "")}{EvalRunCriterionComparison.Number(delta)}" : "");

        internal static string Percent(double? rate) => rate is double r ? r.ToString("0.#%", CultureInfo.InvariantCulture) : "-";
    }
}
