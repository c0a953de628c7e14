using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Deletes eval runs. Asks first unless -Force is given.</summary>
    [Cmdlet(VerbsCommon.Remove, "EvalRun", DefaultParameterSetName = InputObjectSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(EvalRunDeletion))]
    public sealed class RemoveEvalRunCommand : EvalRunActionCommand<EvalRunDeletion>
    {
        public RemoveEvalRunCommand() : base("Deleting eval runs") { }

        private protected override string Action => "Delete eval run";

        private protected override ApiOperation Operation => ApiOperation.DeleteRun;

        private protected override Task<EvalRunDeletion> CallAsync(string evalId, string runId, CancellationToken cancel) =>
            Client.DeleteRunAsync(evalId, runId, cancel);
    }
}
