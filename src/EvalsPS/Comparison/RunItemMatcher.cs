using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EvalsPS.Api;

namespace EvalsPS.Comparison
{
    /// <summary>
    /// Matches the output items of two runs by datasource_item_id as they arrive, taking one item from each listing in
    /// turn, and keeps the counts -Summary reports. It does not care where the items come from. An item whose partner
    /// has not arrived yet is held as a small record (ids, status, each criterion's pass and score), never whole; what
    /// is still held when both listings end is Removed (reference only) or Added (difference only), written last.
    /// </summary>
    internal sealed class RunItemMatcher
    {
        private readonly string referenceRunId;
        private readonly string differenceRunId;
        private readonly Action<string> warn;
        private readonly Dictionary<long, Graded> waitingReference = new Dictionary<long, Graded>();
        private readonly Dictionary<long, Graded> waitingDifference = new Dictionary<long, Graded>();
        // Every id seen per run, so an id listed twice is noticed even after its first copy was matched.
        private readonly HashSet<long> seenReference = new HashSet<long>();
        private readonly HashSet<long> seenDifference = new HashSet<long>();
        private readonly Dictionary<string, CriterionTally> criteria = new Dictionary<string, CriterionTally>(StringComparer.Ordinal);
        private readonly List<string> criterionOrder = new List<string>();
        private int unchanged, regressed, @fixed, added, removed, referencePassed, differencePassed;
        private int referenceWithoutId, differenceWithoutId;

        internal RunItemMatcher(string referenceRunId, string differenceRunId, Action<string> warn)
        {
            this.referenceRunId = referenceRunId;
            this.differenceRunId = differenceRunId;
            this.warn = warn;
        }

        /// <summary>Items both runs have.</summary>
        internal int Matched => unchanged + regressed + @fixed;

        /// <summary>
        /// Every matched item as its pair is complete, Unchanged ones included, then the Removed and the Added items, each
        /// in DatasourceItemId order. Both listings are read to the end before the Removed and Added items are written.
        /// </summary>
        internal IEnumerable<EvalRunItemComparison> Compare(IEnumerable<EvalRunOutputItem> reference, IEnumerable<EvalRunOutputItem> difference)
        {
            using (var left = reference.GetEnumerator())
            using (var right = difference.GetEnumerator())
            {
                bool moreLeft = true, moreRight = true;
                while (moreLeft || moreRight)
                {
                    // One from each in turn, so both listings advance together and a pair completes as soon as it can.
                    if (moreLeft && (moreLeft = left.MoveNext()) && Take(left.Current, fromReference: true) is EvalRunItemComparison a) yield return a;
                    if (moreRight && (moreRight = right.MoveNext()) && Take(right.Current, fromReference: false) is EvalRunItemComparison b) yield return b;
                }
            }

            Warn(referenceWithoutId, referenceRunId);
            Warn(differenceWithoutId, differenceRunId);
            foreach (var id in waitingReference.Keys.OrderBy(id => id))
            {
                removed++;
                yield return Pair(id, waitingReference[id], null);
            }
            foreach (var id in waitingDifference.Keys.OrderBy(id => id))
            {
                added++;
                yield return Pair(id, null, waitingDifference[id]);
            }
            waitingReference.Clear();
            waitingDifference.Clear();
        }

        /// <summary>The counts so far; complete once <see cref="Compare"/> has been enumerated to the end.</summary>
        internal EvalRunComparison Summary(string referenceEvalId, string differenceEvalId)
        {
            var perCriterion = new EvalsList<EvalRunCriterionSummary>();
            foreach (var name in criterionOrder)
            {
                var t = criteria[name];
                perCriterion.Add(new EvalRunCriterionSummary(name, t.ReferenceGraded, t.ReferencePassed, t.DifferenceGraded, t.DifferencePassed,
                    t.BothGraded, t.Regressed, t.Fixed, t.Scored, t.ScoreDeltaSum, McNemar.ExactPValue(t.Regressed, t.Fixed)));
            }
            return new EvalRunComparison(referenceEvalId, differenceEvalId, referenceRunId, differenceRunId, Matched, unchanged, regressed, @fixed,
                added, removed, referencePassed, differencePassed, McNemar.ExactPValue(regressed, @fixed), perCriterion);
        }

        private EvalRunItemComparison? Take(EvalRunOutputItem item, bool fromReference)
        {
            if (!(item.DatasourceItemId is long id))
            {
                if (fromReference) referenceWithoutId++;
                else differenceWithoutId++;
                return null;
            }
            if (!(fromReference ? seenReference : seenDifference).Add(id))
            {
                warn($"Run {DisplayText.Value(fromReference ? referenceRunId : differenceRunId)} lists data source item {id.ToString(CultureInfo.InvariantCulture)} " +
                     $"more than once; only its first output item is compared (the other is {DisplayText.Value(item.Id)}).");
                return null;
            }

            var graded = new Graded(item);
            var partners = fromReference ? waitingDifference : waitingReference;
            if (!partners.TryGetValue(id, out var partner))
            {
                (fromReference ? waitingReference : waitingDifference).Add(id, graded);
                return null;
            }
            partners.Remove(id);
            return fromReference ? Match(id, graded, partner) : Match(id, partner, graded);
        }

        private EvalRunItemComparison Match(long id, Graded reference, Graded difference)
        {
            if (reference.Passes) referencePassed++;
            if (difference.Passes) differencePassed++;
            // Pair decides the change, once: Regressed, Fixed or Unchanged for an item both runs have.
            var pair = Pair(id, reference, difference);
            if (pair.Change == EvalRunChange.Regressed) regressed++;
            else if (pair.Change == EvalRunChange.Fixed) @fixed++;
            else unchanged++;
            foreach (var criterion in pair.Criteria) Tally(criterion).Add(criterion);
            return pair;
        }

        private EvalRunItemComparison Pair(long id, Graded? reference, Graded? difference)
        {
            var change = reference is null ? EvalRunChange.Added
                : difference is null ? EvalRunChange.Removed
                : reference.Passes && !difference.Passes ? EvalRunChange.Regressed
                : !reference.Passes && difference.Passes ? EvalRunChange.Fixed
                : EvalRunChange.Unchanged;

            // The reference run's criteria in its order, then those only the difference run has.
            var compared = new EvalsList<EvalRunCriterionComparison>();
            if (reference != null)
            {
                foreach (var r in reference.Criteria)
                {
                    var d = difference?.Find(r.Name);
                    compared.Add(new EvalRunCriterionComparison(r.Name, true, r.Passed, r.Score, d != null, d?.Passed, d?.Score));
                }
            }
            if (difference != null)
            {
                foreach (var d in difference.Criteria)
                {
                    if (reference?.Find(d.Name) is null)
                        compared.Add(new EvalRunCriterionComparison(d.Name, false, null, null, true, d.Passed, d.Score));
                }
            }

            return new EvalRunItemComparison(id, change, referenceRunId, differenceRunId, reference?.Status, difference?.Status,
                reference?.OutputItemId, difference?.OutputItemId, compared);
        }

        private CriterionTally Tally(EvalRunCriterionComparison criterion)
        {
            if (!criteria.TryGetValue(criterion.Name, out var tally))
            {
                criteria.Add(criterion.Name, tally = new CriterionTally());
                criterionOrder.Add(criterion.Name);
            }
            return tally;
        }

        private void Warn(int withoutId, string runId)
        {
            if (withoutId > 0)
                warn($"{withoutId.ToString(CultureInfo.InvariantCulture)} output item(s) of run {DisplayText.Value(runId)} have no datasource_item_id and were not compared.");
        }

        /// <summary>What is kept of an item until its partner arrives.</summary>
        private sealed class Graded
        {
            internal Graded(EvalRunOutputItem item)
            {
                OutputItemId = item.Id;
                Status = item.Status;
                var results = item.Results;
                Criteria = results is null || results.Count == 0 ? Array.Empty<Grade>() : new Grade[results.Count];
                for (int i = 0; i < Criteria.Length; i++)
                    Criteria[i] = new Grade(results![i].Name ?? "", results[i].Passed, results[i].Score);
            }

            internal string OutputItemId { get; }
            internal string? Status { get; }
            internal Grade[] Criteria { get; }

            /// <summary>Only the status pass passes: fail, error or a status this version does not know do not.</summary>
            internal bool Passes => Status == "pass";

            internal Grade? Find(string name)
            {
                foreach (var grade in Criteria)
                    if (grade.Name == name) return grade;
                return null;
            }
        }

        private sealed record Grade(string Name, bool? Passed, double? Score);

        /// <summary>One criterion's counts over the matched items.</summary>
        private sealed class CriterionTally
        {
            internal int ReferenceGraded, ReferencePassed, DifferenceGraded, DifferencePassed, BothGraded, Regressed, Fixed, Scored;
            internal double ScoreDeltaSum;

            internal void Add(EvalRunCriterionComparison c)
            {
                if (c.ReferencePassed is bool before)
                {
                    ReferenceGraded++;
                    if (before) ReferencePassed++;
                }
                if (c.DifferencePassed is bool after)
                {
                    DifferenceGraded++;
                    if (after) DifferencePassed++;
                }
                if (c.ReferencePassed is bool b && c.DifferencePassed is bool a)
                {
                    BothGraded++;
                    if (b && !a) Regressed++;
                    else if (!b && a) Fixed++;
                }
                if (c.ScoreDelta is double delta)
                {
                    Scored++;
                    ScoreDeltaSum += delta;
                }
            }
        }
    }
}
