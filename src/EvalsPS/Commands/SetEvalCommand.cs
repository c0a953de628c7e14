using System;
using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Renames evals or replaces their metadata. Writes the updated evals with -PassThru.</summary>
    [Cmdlet(VerbsCommon.Set, "Eval", SupportsShouldProcess = true)]
    [OutputType(typeof(Eval))]
    public sealed class SetEvalCommand : EvalsCmdlet
    {
        /// <summary>The evals to change; evals from Get-Eval bind by their EvalId.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string[] EvalId { get; set; } = Array.Empty<string>();

        /// <summary>The new name.</summary>
        [Parameter]
        [ValidateNotNull]
        public string? Name { get; set; }

        /// <summary>The new metadata (up to 16 string pairs); it replaces the eval's metadata.</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary? Metadata { get; set; }

        /// <summary>Writes each updated eval.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Name is null && Metadata is null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ParameterBindingException("Give -Name, -Metadata or both: they are what Set-Eval changes."),
                    "NothingToSet", ErrorCategory.InvalidArgument, null));
            }
        }

        protected override void ProcessRecord()
        {
            var body = new OrderedDictionary();
            if (Name != null) body["name"] = Name;
            if (Metadata != null) body["metadata"] = Metadata;
            string action = Name != null && Metadata != null ? $"Rename to '{DisplayText.Value(Name)}' and replace metadata"
                : Name != null ? $"Rename to '{DisplayText.Value(Name)}'"
                : "Replace metadata";

            foreach (string evalId in EvalId)
            {
                if (!ShouldProcess($"eval '{DisplayText.Value(evalId)}'", action)) continue;
                try
                {
                    var eval = Await(Client.UpdateEvalAsync(evalId, body, CallCancelled));
                    if (PassThru) WriteObject(eval);
                }
                catch (EvalsApiException failure)
                {
                    WriteCallError(failure, ApiOperation.UpdateEval, evalId, null);
                }
                catch (ArgumentException ex)
                {
                    ThrowTerminatingError(new ErrorRecord(ex, "InvalidRequestValue", ErrorCategory.InvalidArgument, Metadata));
                }
            }
        }
    }
}
