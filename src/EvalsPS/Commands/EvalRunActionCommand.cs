using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// What Stop-EvalRun and Remove-EvalRun share: ids or runs from the pipeline, a prompt per run on the
    /// pipeline thread in input order, up to -ThrottleLimit requests in flight, and exactly one result or one
    /// error per input, written in input order. When an error would stop the command (-ErrorAction Stop or the
    /// preference), it acts on one input at a time, so nothing after the failing input is acted on.
    /// </summary>
    public abstract class EvalRunActionCommand<TResult> : EvalRunInputCommand where TResult : class
    {
        private const int ProgressThreshold = 4;

        private readonly Queue<PendingCall> pending = new Queue<PendingCall>();
        private readonly List<Task> inFlight = new List<Task>();
        private readonly string activity;
        private int done;
        private bool progressShown;
        private bool oneAtATime;

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
            oneAtATime = ErrorActionIs(ActionPreference.Stop) || ErrorActionIs(ActionPreference.Inquire);
        }

        protected override void EndProcessing()
        {
            WriteAll();
            if (progressShown)
            {
                WriteProgress(new ProgressRecord(2, activity, $"{done} done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private protected override void Take(string evalId, string runId, EvalRun? run)
        {
            string? name = run?.Name;
            string target = name is null || name == runId
                ? $"run '{DisplayText.Value(runId)}' of eval '{DisplayText.Value(evalId)}'"
                : $"run '{DisplayText.Value(runId)}' ('{DisplayText.Value(name)}') of eval '{DisplayText.Value(evalId)}'";
            if (!Confirmed(target)) return;

            while (inFlight.Count >= ThrottleLimit)
            {
                WaitFor(Task.WhenAny(inFlight));
                inFlight.RemoveAll(task => task.IsCompleted);
                WriteCompletedHeads();
            }

            var call = CallAsync(evalId, runId, CallCancelled);
            pending.Enqueue(new PendingCall(evalId, runId, call));
            inFlight.Add(call);
            if (oneAtATime) WriteAll();
            else WriteCompletedHeads();
        }

        /// <summary>Waits for every call started, writing each result or error in input order.</summary>
        private void WriteAll()
        {
            while (pending.Count > 0)
            {
                WaitFor(pending.Peek().Call);
                WriteHead();
            }
        }

        /// <summary>Whether -ErrorAction (or, without it, $ErrorActionPreference) is this action.</summary>
        private bool ErrorActionIs(ActionPreference action)
        {
            object? value = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound) ? bound : GetVariableValue("ErrorActionPreference");
            return LanguagePrimitives.TryConvertTo(value, out ActionPreference preference) && preference == action;
        }

        private bool Confirmed(string target)
        {
            if (Force && !MyInvocation.BoundParameters.ContainsKey("Confirm") && !WhatIfInEffect())
                return true;
            return ShouldProcess(target, Action);
        }

        private bool WhatIfInEffect() =>
            MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
                ? ((SwitchParameter)whatIf).IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

        private void WriteCompletedHeads()
        {
            Drain();
            while (pending.Count > 0 && pending.Peek().Call.IsCompleted) WriteHead();
        }

        private void WriteHead()
        {
            var head = pending.Dequeue();
            inFlight.Remove(head.Call);
            done++;
            var call = head.Call;
            if (call.IsCanceled && CallCancelled.IsCancellationRequested) throw new PipelineStoppedException();
            if (call.Status == TaskStatus.RanToCompletion)
            {
                if (PassThru) WriteObject(call.Result);
            }
            else if (call.Exception?.InnerException is EvalsApiException failure)
            {
                WriteCallError(failure, Operation, head.EvalId, head.RunId);
            }
            else
            {
                var unexpected = call.Exception?.InnerException ?? new OperationCanceledException();
                WriteError(new ErrorRecord(unexpected, "UnexpectedFailure", ErrorCategory.NotSpecified, head.RunId));
            }

            if (done + pending.Count >= ProgressThreshold)
            {
                progressShown = true;
                WriteProgress(new ProgressRecord(2, activity, $"{done} done, {pending.Count} in flight"));
            }
        }

        private readonly struct PendingCall
        {
            internal PendingCall(string evalId, string runId, Task<TResult> call)
            {
                EvalId = evalId;
                RunId = runId;
                Call = call;
            }

            internal string EvalId { get; }
            internal string RunId { get; }
            internal Task<TResult> Call { get; }
        }
    }
}
