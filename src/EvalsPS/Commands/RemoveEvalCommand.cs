using System;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Deletes evals (and with them their runs). Asks first unless -Force is given; acts through the same queue as
    /// Remove-EvalRun: up to -ThrottleLimit requests in flight, one result (-PassThru) or one error per eval, in input order.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "Eval", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(EvalDeletion))]
    public sealed class RemoveEvalCommand : EvalsCmdlet
    {
        private const string ByIdSet = "ById";
        private const string InputObjectSet = "InputObject";

        private ActionQueue<EvalDeletion>? queue;

        /// <summary>The evals to delete, by id; CSV rows with an eval_id column bind by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string[] EvalId { get; set; } = Array.Empty<string>();

        /// <summary>Evals, as Get-Eval writes them; the prompt names each.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Eval[] InputObject { get; set; } = Array.Empty<Eval>();

        /// <summary>Writes the result of each delete.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Deletes without asking; -WhatIf and an explicit -Confirm still apply.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>How many requests may be in flight at once.</summary>
        [Parameter]
        [ValidateRange(1, HttpTransport.MaxConnectionsPerServer)]
        public int ThrottleLimit { get; set; } = 8;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            queue = new ActionQueue<EvalDeletion>(this, "Deleting evals", ThrottleLimit, PassThru, Force);
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                foreach (var eval in InputObject)
                {
                    if (string.IsNullOrWhiteSpace(eval.Id))
                    {
                        WriteError(new ErrorRecord(new ArgumentException("The eval has no Id, so it cannot be addressed."),
                            "IncompleteEvalIdentity", ErrorCategory.InvalidArgument, eval));
                        continue;
                    }
                    Take(eval.Id, eval.Name);
                }
            }
            else
            {
                foreach (var evalId in EvalId) Take(evalId, null);
            }
        }

        protected override void EndProcessing() => queue!.Finish();

        private void Take(string evalId, string? name)
        {
            string target = name is null || name == evalId
                ? $"eval '{DisplayText.Value(evalId)}'"
                : $"eval '{DisplayText.Value(evalId)}' ('{DisplayText.Value(name)}')";
            queue!.Act(target, "Delete eval", evalId, cancel => Client.DeleteEvalAsync(evalId, cancel),
                failure => WriteCallError(failure, ApiOperation.DeleteEval, evalId, null));
        }
    }
}
