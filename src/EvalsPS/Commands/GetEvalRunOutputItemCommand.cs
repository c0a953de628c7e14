using System;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Gets the output items of an eval run: by id, or every item of the run, page by page.</summary>
    [Cmdlet(VerbsCommon.Get, "EvalRunOutputItem", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(EvalRunOutputItem))]
    public sealed class GetEvalRunOutputItemCommand : ByIdOrListCommand
    {
        /// <summary>The eval the run belongs to.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string EvalId { get; set; } = "";

        /// <summary>The run whose items to get.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("run_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public string RunId { get; set; } = "";

        /// <summary>The items to get; without it, every item of the run is listed.</summary>
        [Parameter(Mandatory = true, Position = 2, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("output_item_id")]
        [ValidateId]
        public string[] OutputItemId { get; set; } = Array.Empty<string>();

        /// <summary>Lists only items that passed (pass) or failed (fail).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("pass", "fail", IgnoreCase = true)]
        public string? Status { get; set; }

        /// <summary>asc (in the order graded, the default) or desc.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("asc", "desc", IgnoreCase = true)]
        public string Order { get; set; } = "asc";

        private protected override void GetById()
        {
            RefusePagingWithIds(nameof(OutputItemId), "Get-EvalRunOutputItem without -OutputItemId");
            EachId.Write(this, OutputItemId, (itemId, cancel) => Client.GetOutputItemAsync(EvalId, RunId, itemId, cancel),
                (failure, itemId) => WriteCallError(failure, ApiOperation.GetOutputItem, EvalId, RunId, itemId));
        }

        private protected override void List()
        {
            string order = Order.ToLowerInvariant();
            string? status = Status?.ToLowerInvariant();
            PagedListing.Write(this, $"Listing output items of run {RunId}", "output items",
                (after, limit, cancel) => Client.ListOutputItemsAsync(EvalId, RunId, after, limit, order, status, cancel),
                failure => WriteCallError(failure, ApiOperation.ListOutputItems, EvalId, RunId));
        }
    }
}
