using System;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Gets evals: by id, or every eval, page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "Eval", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Eval))]
    public sealed class GetEvalCommand : ByIdOrListCommand
    {
        /// <summary>The evals to get; without it, every eval is listed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string[] EvalId { get; set; } = Array.Empty<string>();

        /// <summary>desc (newest first, the default) or asc.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("asc", "desc", IgnoreCase = true)]
        public string Order { get; set; } = "desc";

        /// <summary>created_at (the default) or updated_at.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("created_at", "updated_at", IgnoreCase = true)]
        public string OrderBy { get; set; } = "created_at";

        private protected override void GetById()
        {
            RefusePagingWithIds(nameof(EvalId), "Get-Eval without -EvalId");
            EachId.Write(this, EvalId, (evalId, cancel) => Client.GetEvalAsync(evalId, cancel),
                (failure, evalId) => WriteCallError(failure, ApiOperation.GetEval, evalId, null));
        }

        private protected override void List()
        {
            string order = Order.ToLowerInvariant();
            string orderBy = OrderBy.ToLowerInvariant();
            PagedListing.Write(this, "Listing evals", "evals",
                (after, limit, cancel) => Client.ListEvalsAsync(after, limit, order, orderBy, cancel),
                failure => WriteCallError(failure, ApiOperation.ListEvals, null, null));
        }
    }
}
