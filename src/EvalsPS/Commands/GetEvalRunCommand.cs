using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Gets eval runs: by id, or every run of an eval, page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "EvalRun", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(EvalRun))]
    public sealed class GetEvalRunCommand : EvalsCmdlet
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";
        internal const int MaxPageSize = 100;

        /// <summary>The eval whose runs to get.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        public string EvalId { get; set; } = "";

        /// <summary>The runs to get; without it, every run of the eval is listed. Run ids may be piped in.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "run_id")]
        [RunIdTransformation]
        [ValidateId]
        public string[] RunId { get; set; } = Array.Empty<string>();

        /// <summary>Lists only runs in this status.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("queued", "in_progress", "completed", "canceled", "failed", IgnoreCase = true)]
        public string? Status { get; set; }

        /// <summary>desc (newest first, the default) or asc.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("asc", "desc", IgnoreCase = true)]
        public string Order { get; set; } = "desc";

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByIdSet) GetById();
            else List();
        }

        /// <summary>
        /// -First, -Skip and -IncludeTotalCount (added to every parameter set by SupportsPaging) page a listing;
        /// with -RunId they would be ignored, so they are refused.
        /// </summary>
        private void RefusePagingById()
        {
            foreach (var name in new[] { "First", "Skip", "IncludeTotalCount" })
            {
                if (MyInvocation.BoundParameters.ContainsKey(name))
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ParameterBindingException($"-{name} applies only to a listing (Get-EvalRun -EvalId without -RunId); it cannot be used with -RunId."),
                        "PagingWithRunId", ErrorCategory.InvalidArgument, name));
                }
            }
        }

        private void GetById()
        {
            RefusePagingById();
            foreach (var runId in RunId)
            {
                try
                {
                    WriteObject(Await(Client.GetRunAsync(EvalId, runId, CallCancelled)));
                }
                catch (EvalsApiException failure)
                {
                    WriteCallError(failure, ApiOperation.GetRun, EvalId, runId);
                }
            }
        }

        private void List()
        {
            ulong skip = PagingParameters.Skip;
            ulong first = PagingParameters.First;
            if (first == 0)
            {
                // Nothing is wanted, so nothing is asked: the API refuses limit=0. The total is not known.
                if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount(0, 0.0));
                return;
            }
            ulong seen = 0, written = 0;
            int pages = 0;
            string activity = $"Listing runs of eval {EvalId}";
            string order = Order.ToLowerInvariant();
            string? status = Status?.ToLowerInvariant();

            // The next page is fetched while this one is written, so the caller's pipeline and the network
            // overlap. Only a page that will be needed is fetched; one left behind (the pipeline stopped) is cancelled.
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(CallCancelled);
            Task<EvalRunPage> Fetch(string? after) =>
                Client.ListRunsAsync(EvalId, after, PageLimit(first, skip, seen, written), order, status, abandon.Token);

            // A cursor already followed would list the same runs again, forever.
            var cursors = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            Task<EvalRunPage>? pending = Fetch(null);
            try
            {
                while (pending != null)
                {
                    EvalRunPage page;
                    try
                    {
                        page = Await(pending);
                    }
                    catch (EvalsApiException failure)
                    {
                        pending = null;
                        WriteCallError(failure, ApiOperation.ListRuns, EvalId, null);
                        break;
                    }
                    pending = null;
                    pages++;

                    var runs = page.Data ?? new EvalsList<EvalRun>();
                    int from = (int)Math.Min((ulong)runs.Count, StillToSkip(skip, seen));
                    int to = from + (int)Math.Min((ulong)(runs.Count - from), first - written);
                    seen += (ulong)runs.Count;
                    written += (ulong)(to - from);
                    bool more = page.HasMore && runs.Count > 0 && written < first;
                    string? cursor = more ? page.LastId ?? runs[runs.Count - 1].Id : null;
                    if (cursor != null && cursors.Add(cursor)) pending = Fetch(cursor);

                    for (int i = from; i < to; i++) WriteObject(runs[i]);

                    if (more && pending is null)
                    {
                        WriteCallError(new EvalsApiException(FailureKind.RepeatedCursor,
                            $"The listing stopped after {seen} runs: the API said more runs follow '{cursor}', a cursor already followed, so continuing would list the same runs forever."),
                            ApiOperation.ListRuns, EvalId, null);
                        break;
                    }
                    if (!more)
                    {
                        if (PagingParameters.IncludeTotalCount)
                            WriteObject(PagingParameters.NewTotalCount(seen, page.HasMore ? 0.0 : 1.0));
                        break;
                    }
                    WriteProgress(new ProgressRecord(1, activity, $"{written} runs so far ({pages} pages)"));
                }
            }
            finally
            {
                if (pending != null)
                {
                    abandon.Cancel();
                    pending.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                }
            }

            if (pages > 1)
            {
                WriteProgress(new ProgressRecord(1, activity, $"{written} runs") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>A page as large as what is still wanted, counting runs still to skip; at most MaxPageSize.</summary>
        private static int PageLimit(ulong first, ulong skip, ulong seen, ulong written)
        {
            ulong wanted = first - written;
            return (int)Math.Min(MaxPageSize, Math.Min(wanted, MaxPageSize) + Math.Min(StillToSkip(skip, seen), MaxPageSize));
        }

        private static ulong StillToSkip(ulong skip, ulong seen) => skip > seen ? skip - seen : 0;
    }
}
