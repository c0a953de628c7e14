using System;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Gets eval runs: by id, or every run of an eval, page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "EvalRun", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(EvalRun))]
    public sealed class GetEvalRunCommand : ByIdOrListCommand
    {
        /// <summary>The eval whose runs to get.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string EvalId { get; set; } = "";

        /// <summary>The runs to get; without it, every run of the eval is listed. Run ids may be piped in.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("run_id")]
        [RunIdTransformation]
        [ValidateId]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public string[] RunId { get; set; } = Array.Empty<string>();

        /// <summary>Lists only runs in this status.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("queued", "in_progress", "completed", "canceled", "failed", IgnoreCase = true)]
        public string? Status { get; set; }

        /// <summary>desc (newest first, the default) or asc.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("asc", "desc", IgnoreCase = true)]
        public string Order { get; set; } = "desc";

        private protected override void GetById()
        {
            RefusePagingWithIds(nameof(RunId), "Get-EvalRun -EvalId without -RunId");
            EachId.Write(this, RunId, (runId, cancel) => Client.GetRunAsync(EvalId, runId, cancel),
                (failure, runId) => WriteCallError(failure, ApiOperation.GetRun, EvalId, runId));
        }

        private protected override void List()
        {
            string order = Order.ToLowerInvariant();
            string? status = Status?.ToLowerInvariant();
            PagedListing.Write(this, $"Listing runs of eval {EvalId}", "runs",
                (after, limit, cancel) => Client.ListRunsAsync(EvalId, after, limit, order, status, cancel),
                failure => WriteCallError(failure, ApiOperation.ListRuns, EvalId, null));
        }
    }
}
