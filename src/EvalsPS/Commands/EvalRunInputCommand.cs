using System;
using System.Management.Automation;

namespace EvalsPS.Commands
{
    /// <summary>
    /// What the cmdlets that take existing runs share (Stop-EvalRun, Remove-EvalRun, Wait-EvalRun): -EvalId with
    /// -RunId, or runs from the pipeline; each input that can be addressed is handed to <see cref="Take"/> in order,
    /// one that cannot is an IncompleteRunIdentity error.
    /// </summary>
    public abstract class EvalRunInputCommand : EvalsCmdlet
    {
        private protected const string ByIdSet = "ById";
        private protected const string InputObjectSet = "InputObject";

        /// <summary>The eval the runs belong to.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string EvalId { get; set; } = "";

        /// <summary>The runs, by id.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true)]
        [Alias("run_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(RunIdCompleter))]
        public string[] RunId { get; set; } = Array.Empty<string>();

        /// <summary>Runs, as Get-EvalRun writes them.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public EvalRun[] InputObject { get; set; } = Array.Empty<EvalRun>();

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                foreach (var run in InputObject)
                    if (CanAddress(run.EvalId, run.Id)) Take(run.EvalId, run.Id, run);
            }
            else
            {
                foreach (var runId in RunId)
                    if (CanAddress(EvalId, runId)) Take(EvalId, runId, null);
            }
        }

        /// <summary>
        /// Whether a run from the pipeline can be addressed; if not (no eval id or run id, or only white space), writes
        /// the IncompleteRunIdentity error for it and the command goes on with the next.
        /// </summary>
        private bool CanAddress(string evalId, string runId)
        {
            if (!string.IsNullOrWhiteSpace(evalId) && !string.IsNullOrWhiteSpace(runId)) return true;
            WriteError(new ErrorRecord(new ArgumentException("The run has no EvalId or Id, so it cannot be addressed."),
                "IncompleteRunIdentity", ErrorCategory.InvalidArgument, (object?)runId ?? evalId));
            return false;
        }

        /// <summary>One run to act on: its ids, and the run itself when it came from the pipeline.</summary>
        private protected abstract void Take(string evalId, string runId, EvalRun? run);
    }
}
