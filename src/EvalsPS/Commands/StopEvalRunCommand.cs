using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Cancels eval runs.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "EvalRun", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EvalRun))]
    public sealed class StopEvalRunCommand : EvalRunActionCommand<EvalRun>
    {
        public StopEvalRunCommand() : base("Canceling eval runs") { }

        private protected override string Action => "Cancel eval run";

        private protected override ApiOperation Operation => ApiOperation.CancelRun;

        private protected override Task<EvalRun> CallAsync(string evalId, string runId, CancellationToken cancel) =>
            Client.CancelRunAsync(evalId, runId, cancel);
    }
}
