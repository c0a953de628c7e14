using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using EvalsPS.Api;
using EvalsPS.Comparison;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Compares two runs item by item, as Compare-Object compares two sets: each item both runs graded is matched by
    /// its datasource_item_id, and each one whose outcome changed (Regressed, Fixed, Added, Removed) is written.
    /// </summary>
    [Cmdlet(VerbsData.Compare, "EvalRun", DefaultParameterSetName = ItemsSet)]
    [OutputType(typeof(EvalRunItemComparison), ParameterSetName = new[] { ItemsSet })]
    [OutputType(typeof(EvalRunComparison), ParameterSetName = new[] { SummarySet })]
    public sealed class CompareEvalRunCommand : EvalsCmdlet
    {
        private const string ItemsSet = "Items";
        private const string SummarySet = "Summary";
        private const int ProgressId = 4;

        private ComparedRun? reference;
        private bool referenceRead;

        /// <summary>The run compared against: a run from Get-EvalRun, New-EvalRun or Wait-EvalRun, or a run id with -EvalId.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public object ReferenceRun { get; set; } = null!;

        /// <summary>The run compared with the reference: a run, or a run id with -EvalId; runs can be piped.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true)]
        [ValidateNotNull]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public object DifferenceRun { get; set; } = null!;

        /// <summary>The eval of runs given by id.</summary>
        [Parameter]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string? EvalId { get; set; }

        /// <summary>Also writes the items whose outcome did not change, as Compare-Object -IncludeEqual does.</summary>
        [Parameter(ParameterSetName = ItemsSet)]
        public SwitchParameter IncludeEqual { get; set; }

        /// <summary>Writes one summary of the comparison instead of the items.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SummarySet)]
        public SwitchParameter Summary { get; set; }

        /// <summary>Also writes an EvalRegression error for each regressed item.</summary>
        [Parameter]
        public SwitchParameter ErrorOnRegression { get; set; }

        /// <summary>Compares runs of different evals, and writes the comparison of runs with no item in common.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            // The reference is read once; if it cannot be, its error was written and no run can be compared with it.
            if (!referenceRead)
            {
                referenceRead = true;
                reference = Resolve(Single(ReferenceRun, nameof(ReferenceRun)), nameof(ReferenceRun));
                if (reference != null) WarnIfPartial(reference);
            }
            if (reference is null) return;

            // -DifferenceRun $runs (several runs from Wait-EvalRun, say) compares each, as piping them does.
            foreach (var given in Each(DifferenceRun))
            {
                var difference = Resolve(given, nameof(DifferenceRun));
                if (difference != null) CompareWith(reference, difference);
            }
        }

        private void CompareWith(ComparedRun reference, ComparedRun difference)
        {
            if (StopsUnlessForced(reference.EvalId != difference.EvalId,
                    $"The runs belong to different evals: {DisplayText.Value(reference.RunId)} to {DisplayText.Value(reference.EvalId)}, " +
                    $"{DisplayText.Value(difference.RunId)} to {DisplayText.Value(difference.EvalId)}. Items of different evals are graded on different criteria, " +
                    "so matching them by data source row would compare unlike things. Add -Force to compare them anyway.",
                    "EvalRunsOfDifferentEvals", ErrorCategory.InvalidArgument, difference.RunId))
                return;
            if (difference.RunId != reference.RunId || difference.EvalId != reference.EvalId) WarnIfPartial(difference);

            Compare(reference, difference);
        }

        private static object Unwrapped(object given) => given is PSObject wrapped ? wrapped.BaseObject : given;

        private static IEnumerable<object> Each(object given)
        {
            // A hashtable is one (wrong) argument, not a list of its entries.
            if (Unwrapped(given) is IEnumerable many && !(many is string) && !(many is IDictionary))
            {
                foreach (var one in many)
                    if (one != null) yield return one;
            }
            else
            {
                yield return given;
            }
        }

        /// <summary>The one run of <paramref name="given"/>: a list of exactly one (@(...), Select-Object -First 1) is that run.</summary>
        private object Single(object given, string parameter)
        {
            var all = new List<object>(Each(given));
            if (all.Count == 1) return all[0];
            ThrowTerminatingError(new ErrorRecord(
                new ParameterBindingException($"-{parameter} takes one run, not {all.Count}."),
                "InvalidEvalRunArgument", ErrorCategory.InvalidArgument, given));
            return given;
        }

        private void Compare(ComparedRun reference, ComparedRun difference)
        {
            var matcher = new RunItemMatcher(reference.RunId, difference.RunId, WriteWarning);
            var regressions = new List<EvalRunItemComparison>();
            var endOfLists = new List<EvalRunItemComparison>();
            ComparedRun? failed = null;
            string activity = $"Comparing run {DisplayText.Value(difference.RunId)} with run {DisplayText.Value(reference.RunId)}";
            int pages = 0;
            // Progress after each page of either run: what a comparison of large runs has got to.
            void PageRead() => WriteProgress(new ProgressRecord(ProgressId, activity, $"{matcher.Matched} items matched ({++pages} pages read)"));
            IEnumerable<EvalRunOutputItem> Items(ComparedRun run) => ListItems(run, PageRead, which => failed = which);

            try
            {
                foreach (var item in matcher.Compare(Items(reference), Items(difference)))
                {
                    if (item.Change == EvalRunChange.Added || item.Change == EvalRunChange.Removed)
                    {
                        // Written once both listings have ended, and only if they share items (or -Force).
                        endOfLists.Add(item);
                        continue;
                    }
                    if (item.Change == EvalRunChange.Regressed && ErrorOnRegression && Summary) regressions.Add(item);
                    if (Summary || (item.Change == EvalRunChange.Unchanged && !IncludeEqual)) continue;
                    WriteObject(item);
                    if (item.Change == EvalRunChange.Regressed && ErrorOnRegression) WriteRegression(item);
                }
            }
            catch (EvalsApiException failure) when (failed != null)
            {
                // What is left would call items Added or Removed that are not: the comparison ends here.
                WriteCallError(failure, ApiOperation.ListOutputItems, failed.EvalId, failed.RunId);
                return;
            }
            finally
            {
                if (pages > 0)
                    WriteProgress(new ProgressRecord(ProgressId, activity, $"{matcher.Matched} items matched") { RecordType = ProgressRecordType.Completed });
            }

            if (StopsUnlessForced(matcher.Matched == 0,
                    $"Runs {DisplayText.Value(reference.RunId)} and {DisplayText.Value(difference.RunId)} have no item in common " +
                    $"({endOfLists.Count} item(s) in all): no output item of one has the datasource_item_id of an output item of the other, so there is nothing " +
                    "to compare. Runs over different data sources cannot be compared item by item; add -Force to list every item as Added or Removed.",
                    "NoCommonEvalRunItems", ErrorCategory.InvalidData, difference.RunId))
                return;

            if (Summary)
            {
                WriteObject(matcher.Summary(reference.EvalId, difference.EvalId));
                foreach (var item in regressions) WriteRegression(item);
            }
            else
            {
                foreach (var item in endOfLists) WriteObject(item);
            }
        }

        /// <summary>
        /// A check -Force overrides: when <paramref name="problem"/> holds and -Force is not given, writes the error
        /// (<paramref name="message"/> already escaped) and returns true, and the comparison stops.
        /// </summary>
        private bool StopsUnlessForced(bool problem, string message, string errorId, ErrorCategory category, string target)
        {
            if (!problem || Force) return false;
            WriteError(new ErrorRecord(new InvalidOperationException(message), errorId, category, target));
            return true;
        }

        private void WriteRegression(EvalRunItemComparison item)
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Item {item.DatasourceItemId} regressed: {DisplayText.Value(EvalRunItemComparison.Side(item.ReferenceStatus))} in run " +
                    $"{DisplayText.Value(item.ReferenceRunId)}, {DisplayText.Value(EvalRunItemComparison.Side(item.DifferenceStatus))} in run {DisplayText.Value(item.DifferenceRunId)}. " +
                    DisplayText.Safe(item.Criteria.ToString(), DisplayText.MaxMessage)),
                "EvalRegression", ErrorCategory.InvalidResult, item.DatasourceItemId));
        }

        private void WarnIfPartial(ComparedRun run)
        {
            if (run.Status != "completed")
                WriteWarning($"Run {DisplayText.Value(run.RunId)} is {DisplayText.Value(run.Status ?? "of unknown status")}, not completed: its results are partial.");
        }

        /// <summary>
        /// A run as given: an EvalRun is used as it is (its Status decides the partial warning); an id is read with
        /// GET, in the eval -EvalId names. Null, with the error written, when it cannot be.
        /// </summary>
        private ComparedRun? Resolve(object given, string parameter)
        {
            object value = Unwrapped(given);
            if (value is EvalRun run)
            {
                if (!string.IsNullOrWhiteSpace(run.EvalId) && !string.IsNullOrWhiteSpace(run.Id)) return new ComparedRun(run.EvalId, run.Id, run.Status);
                WriteError(new ErrorRecord(new ArgumentException("The run has no EvalId or Id, so it cannot be addressed."),
                    "IncompleteRunIdentity", ErrorCategory.InvalidArgument, run));
                return null;
            }
            if (value is string runId && !string.IsNullOrWhiteSpace(runId))
            {
                if (EvalId is null)
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ParameterBindingException($"-{parameter} '{DisplayText.Value(runId)}' is a run id, so -EvalId must name its eval."),
                        "EvalIdRequired", ErrorCategory.InvalidArgument, runId));
                }
                // One GET at a time, as a create is sent: waited for on the pipeline thread, cancelled on Ctrl+C.
                try
                {
                    var fetched = Await(Client.GetRunAsync(EvalId!, runId, CallCancelled));
                    return new ComparedRun(fetched.EvalId.Length > 0 ? fetched.EvalId : EvalId!, runId, fetched.Status);
                }
                catch (EvalsApiException failure)
                {
                    WriteCallError(failure, ApiOperation.GetRun, EvalId, runId);
                    return null;
                }
            }
            ThrowTerminatingError(new ErrorRecord(
                new ParameterBindingException($"-{parameter} takes a run (from Get-EvalRun, New-EvalRun or Wait-EvalRun) or a run id with -EvalId, not " +
                    (value is string ? "an empty id." : $"a {DisplayText.Value(value.GetType().FullName)}.")),
                "InvalidEvalRunArgument", ErrorCategory.InvalidArgument, given));
            return null;
        }

        /// <summary>
        /// Every output item of a run, in the order graded, pulled on the pipeline thread with the next page asked for
        /// ahead (the listing's own in-flight window), so two listings pulled in turn each keep a request going. A failed
        /// page throws; <paramref name="failed"/> is told which run's it was.
        /// </summary>
        private IEnumerable<EvalRunOutputItem> ListItems(ComparedRun run, Action pageRead, Action<ComparedRun> failed)
        {
            var listing = new Listing<EvalRunOutputItem>(this,
                (after, limit, cancel) => Client.ListOutputItemsAsync(run.EvalId, run.RunId, after, limit, "asc", null, cancel),
                skip: 0, first: ulong.MaxValue, noun: "output items") { PageWritten = pageRead };
            using (var items = listing.GetEnumerator())
            {
                while (true)
                {
                    try
                    {
                        if (!items.MoveNext()) yield break;
                    }
                    catch (EvalsApiException)
                    {
                        failed(run);
                        throw;
                    }
                    yield return items.Current;
                }
            }
        }

        private sealed record ComparedRun(string EvalId, string RunId, string? Status);
    }
}
