using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace EvalsPS.Commands
{
    /// <summary>
    /// The loop of a cmdlet that changes things one input at a time (Stop-EvalRun, Remove-EvalRun, and any such cmdlet):
    /// a ShouldProcess prompt per input on the pipeline thread in input order, up to -ThrottleLimit requests in an
    /// <see cref="InFlightWindow{T}"/>, and exactly one result (with -PassThru) or one error per input, written in input
    /// order, with progress once there are a few. When an error would stop the command (-ErrorAction Stop or Inquire,
    /// or the preference), it acts on one input at a time, so nothing after the failing input is acted on.
    /// A cmdlet declares -PassThru, -Force and -ThrottleLimit, makes one queue in BeginProcessing, calls
    /// <see cref="Act"/> for each input and <see cref="Finish"/> in EndProcessing.
    /// </summary>
    internal sealed class ActionQueue<TResult> where TResult : class
    {
        private const int ProgressThreshold = 4;
        private const int ProgressId = 2;

        private readonly EvalsCmdlet cmdlet;
        private readonly string activity;
        private readonly bool passThru;
        private readonly bool force;
        private readonly bool oneAtATime;
        private readonly InFlightWindow<TResult> window;
        private int done;
        private bool progressShown;

        /// <param name="activity">The progress activity, such as "Deleting eval runs".</param>
        internal ActionQueue(EvalsCmdlet cmdlet, string activity, int throttleLimit, bool passThru, bool force)
        {
            this.cmdlet = cmdlet;
            this.activity = activity;
            this.passThru = passThru;
            this.force = force;
            oneAtATime = ErrorActionIs(ActionPreference.Stop) || ErrorActionIs(ActionPreference.Inquire);
            // Disposed with the cmdlet: its token, to which the window's is linked, is cancelled then.
            window = new InFlightWindow<TResult>(cmdlet, oneAtATime ? 1 : throttleLimit);
        }

        /// <summary>
        /// Asks whether to <paramref name="action"/> (such as "Delete eval run") <paramref name="target"/> (escaped text
        /// naming it), unless -Force; then starts <paramref name="call"/>. Its failure goes to <paramref name="fail"/>
        /// (the cmdlet's error mapping), in input order; <paramref name="targetObject"/> is the target of any other error.
        /// </summary>
        internal void Act(string target, string action, object targetObject, Func<CancellationToken, Task<TResult>> call, Action<EvalsApiException> fail)
        {
            if (!Confirmed(target, action)) return;
            while (!window.HasRoom) Write(window.Take());
            window.Offer(call, new Input(targetObject, fail));
            if (oneAtATime) WriteAll();
            else while (window.TryTake(TimeSpan.Zero, out var finished)) Write(finished);
        }

        /// <summary>Waits for every call started, writing each result or error in input order, and ends the progress.</summary>
        internal void Finish()
        {
            WriteAll();
            if (progressShown)
                cmdlet.WriteProgress(new ProgressRecord(ProgressId, activity, $"{done} done") { RecordType = ProgressRecordType.Completed });
        }

        private void WriteAll()
        {
            while (window.Count > 0) Write(window.Take());
        }

        private void Write(Finished<TResult> finished)
        {
            done++;
            var input = (Input)finished.Tag!;
            if (finished.Task.Status == TaskStatus.RanToCompletion)
            {
                if (passThru) cmdlet.WriteObject(finished.Task.Result);
            }
            else if (finished.Failure is EvalsApiException failure)
            {
                input.Fail(failure);
            }
            else
            {
                var unexpected = finished.Task.Exception?.InnerException ?? new OperationCanceledException();
                cmdlet.WriteError(new ErrorRecord(unexpected, "UnexpectedFailure", ErrorCategory.NotSpecified, input.TargetObject));
            }

            if (done + window.Count >= ProgressThreshold)
            {
                progressShown = true;
                cmdlet.WriteProgress(new ProgressRecord(ProgressId, activity, $"{done} done, {window.Count} in flight"));
            }
        }

        /// <summary>
        /// ShouldProcess, except that -Force acts without asking unless -WhatIf is in effect or -Confirm is given. The
        /// engine keeps its -WhatIf/-Confirm state internal and ShouldProcess cannot be told to skip its prompt, so the
        /// check for -Force is made here: -WhatIf (or $WhatIfPreference) still goes through ShouldProcess, which shows it.
        /// </summary>
        private bool Confirmed(string target, string action)
        {
            var bound = cmdlet.MyInvocation.BoundParameters;
            bool whatIf = bound.TryGetValue("WhatIf", out var given)
                ? ((SwitchParameter)given).IsPresent
                : LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
            if (force && !bound.ContainsKey("Confirm") && !whatIf) return true;
            return cmdlet.ShouldProcess(target, action);
        }

        /// <summary>
        /// Whether -ErrorAction (or, without it, $ErrorActionPreference) is this action. The engine applies it only when
        /// an error is written, and keeps it internal; the queue must know it before it starts the next request.
        /// </summary>
        private bool ErrorActionIs(ActionPreference action)
        {
            object? value = cmdlet.MyInvocation.BoundParameters.TryGetValue("ErrorAction", out var bound) ? bound : cmdlet.GetVariableValue("ErrorActionPreference");
            return LanguagePrimitives.TryConvertTo(value, out ActionPreference preference) && preference == action;
        }

        private sealed class Input
        {
            internal Input(object targetObject, Action<EvalsApiException> fail)
            {
                TargetObject = targetObject;
                Fail = fail;
            }

            internal object TargetObject { get; }
            internal Action<EvalsApiException> Fail { get; }
        }
    }
}
