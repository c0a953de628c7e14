using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// What Stop-EvalRun and Remove-EvalRun share: ids or runs from the pipeline, each confirmed and acted on through
    /// an <see cref="ActionQueue{TResult}"/> (-ThrottleLimit requests in flight, one result or error per input, in
    /// input order).
    /// </summary>
    public abstract class EvalRunActionCommand<TResult> : EvalRunInputCommand where TResult : class
    {
        private readonly string activity;
        private ActionQueue<TResult>? queue;

        private protected EvalRunActionCommand(string activity) =>
            this.activity = activity;

        /// <summary>Writes the result of each call.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Acts without asking; -WhatIf and an explicit -Confirm still apply.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>How many requests may be in flight at once.</summary>
        [Parameter]
        [ValidateRange(1, HttpTransport.MaxConnectionsPerServer)]
        public int ThrottleLimit { get; set; } = 8;

        /// <summary>The ShouldProcess action, such as "Cancel eval run".</summary>
        private protected abstract string Action { get; }

        private protected abstract ApiOperation Operation { get; }

        private protected abstract Task<TResult> CallAsync(string evalId, string runId, CancellationToken cancel);

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            queue = new ActionQueue<TResult>(this, activity, ThrottleLimit, PassThru, Force);
        }

        protected override void EndProcessing() => queue!.Finish();

        private protected override void Take(string evalId, string runId, EvalRun? run)
        {
            string? name = run?.Name;
            string target = name is null || name == runId
                ? $"run '{DisplayText.Value(runId)}' of eval '{DisplayText.Value(evalId)}'"
                : $"run '{DisplayText.Value(runId)}' ('{DisplayText.Value(name)}') of eval '{DisplayText.Value(evalId)}'";
            queue!.Act(target, Action, runId, cancel => CallAsync(evalId, runId, cancel), failure => WriteCallError(failure, Operation, evalId, runId));
        }
    }
}
