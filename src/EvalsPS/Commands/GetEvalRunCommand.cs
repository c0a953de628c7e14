using System;
using System.Management.Automation;
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
        [ValidateNotNullOrEmpty]
        public string EvalId { get; set; } = "";

        /// <summary>The runs to get; without it, every run of the eval is listed.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("Id", "run_id")]
        [ValidateNotNullOrEmpty]
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

        private void GetById()
        {
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
            ulong seen = 0, written = 0;
            int pages = 0;
            string? after = null;
            string activity = $"Listing runs of eval {EvalId}";

            while (written < first)
            {
                ulong wanted = first - written + (skip > seen ? skip - seen : 0);
                int limit = (int)Math.Min(wanted, MaxPageSize);
                EvalRunPage page;
                try
                {
                    page = Await(Client.ListRunsAsync(EvalId, after, limit, Order.ToLowerInvariant(), Status?.ToLowerInvariant(), CallCancelled));
                }
                catch (EvalsApiException failure)
                {
                    WriteCallError(failure, ApiOperation.ListRuns, EvalId, null);
                    break;
                }
                pages++;

                var runs = page.Data ?? new EvalsList<EvalRun>();
                foreach (var run in runs)
                {
                    if (seen++ < skip) continue;
                    WriteObject(run);
                    if (++written == first) break;
                }

                if (!page.HasMore || runs.Count == 0 || written >= first)
                {
                    if (PagingParameters.IncludeTotalCount)
                        WriteObject(PagingParameters.NewTotalCount(seen, page.HasMore ? 0.0 : 1.0));
                    break;
                }
                after = page.LastId ?? runs[runs.Count - 1].Id;
                WriteProgress(new ProgressRecord(1, activity, $"{written} runs so far ({pages} pages)"));
            }

            if (pages > 1)
            {
                WriteProgress(new ProgressRecord(1, activity, $"{written} runs") { RecordType = ProgressRecordType.Completed });
            }
        }
    }
}
