using System;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// What every EvalsPS cmdlet shares: the connection parameters, settings resolved once per call,
    /// a cancellation source that Ctrl+C trips, and error reporting through the one mapping.
    /// </summary>
    public abstract class EvalsCmdlet : PSCmdlet, IDisposable, IWindowOwner
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private PipelineDispatcher? dispatcher;
        private EvalsApiClient? client;

        /// <summary>The OpenAI API key; defaults to $env:OPENAI_API_KEY.</summary>
        [Parameter]
        [SecureStringTransformation]
        public SecureString? ApiKey { get; set; }

        /// <summary>The API's base address; defaults to $env:OPENAI_BASE_URL, then https://api.openai.com/v1.</summary>
        [Parameter]
        public Uri? BaseUri { get; set; }

        /// <summary>Sent as OpenAI-Organization; defaults to $env:OPENAI_ORG_ID.</summary>
        [Parameter]
        public string? Organization { get; set; }

        /// <summary>Sent as OpenAI-Project; defaults to $env:OPENAI_PROJECT_ID.</summary>
        [Parameter]
        public string? Project { get; set; }

        /// <summary>How many times a failed request is tried again.</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int MaxRetries { get; set; } = ConnectionSettings.DefaultMaxRetries;

        /// <summary>How long one request may take, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = ConnectionSettings.DefaultTimeoutSec;

        /// <summary>Allows sending the key over plain http to a host other than this machine.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        internal EvalsApiClient Client => client ?? throw new InvalidOperationException("BeginProcessing has not run.");

        internal CancellationToken CallCancelled => stopping.Token;

        protected override void BeginProcessing()
        {
            dispatcher = new PipelineDispatcher(WriteVerbose, WriteDebug, WriteWarning, Shown("Verbose"), Shown("Debug"));
            ConnectionSettings settings;
            try
            {
                // -ApiKey $null is a key given empty (InvalidApiKey), never a silent fall-back to the environment.
                var apiKey = ApiKey ?? (MyInvocation.BoundParameters.ContainsKey(nameof(ApiKey)) ? ConnectionSettings.ToSecureString("") : null);
                settings = ConnectionSettings.Resolve(apiKey, BaseUri, Organization, Project, MaxRetries, TimeoutSec,
                    AllowUnencryptedAuthentication.IsPresent, Environment.GetEnvironmentVariable);
            }
            catch (SettingsException failure)
            {
                ThrowTerminatingError(ErrorMapping.ForSettings(failure));
                return;
            }
            WriteDebug("EvalsPS settings: " + settings);
            client = new EvalsApiClient(settings, dispatcher);
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>
        /// Whether WriteVerbose or WriteDebug output would be shown: -Verbose / -Debug, or $VerbosePreference /
        /// $DebugPreference other than SilentlyContinue. When not, the client does not build those lines at all.
        /// </summary>
        private bool Shown(string stream)
        {
            if (MyInvocation.BoundParameters.TryGetValue(stream, out var flag)) return ((SwitchParameter)flag).IsPresent;
            // $DebugPreference = 'Continue' in a script or function scope is a string, not an ActionPreference.
            return Enum.TryParse(GetVariableValue(stream + "Preference")?.ToString(), ignoreCase: true, out ActionPreference preference) &&
                   preference != ActionPreference.SilentlyContinue && preference != ActionPreference.Ignore;
        }

        /// <summary>
        /// PowerShell disposes a cmdlet however its pipeline ends (Select-Object -First, a terminating error),
        /// calling StopProcessing only for Ctrl+C: cancelling here ends every request the cmdlet started.
        /// </summary>
        public void Dispose()
        {
            stopping.Cancel();
            stopping.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>
        /// Waits on the pipeline thread for a task (of an <see cref="InFlightWindow{T}"/>), writing the requests'
        /// verbose, debug and warning lines meanwhile; Ctrl+C ends the wait at once with PipelineStoppedException.
        /// </summary>
        internal void WaitFor(Task task)
        {
            dispatcher!.WaitFor(task);
            if (stopping.IsCancellationRequested) throw new PipelineStoppedException();
        }

        /// <summary>One call awaited on the pipeline thread (a create or an update, sent one at a time), as WaitFor waits.</summary>
        internal T Await<T>(Task<T> task)
        {
            WaitFor(task);
            return task.GetAwaiter().GetResult();
        }

        // The owner of this cmdlet's in-flight windows: stopped by Ctrl+C (and Dispose), waiting on the pipeline thread.
        // Explicit, so the public class shows no member for it.
        CancellationToken IWindowOwner.Stopping => CallCancelled;

        void IWindowOwner.WaitFor(Task task) => WaitFor(task);

        void IWindowOwner.Drain() => dispatcher!.Drain();

        /// <summary>
        /// -First, -Skip and -IncludeTotalCount (added to every parameter set by SupportsPaging) page a listing; with
        /// ids given they would be ignored, so they stop the command: PagingWith&lt;the id parameter&gt;.
        /// </summary>
        internal void RefusePagingWithIds(string idParameter, string listing)
        {
            foreach (var name in new[] { "First", "Skip", "IncludeTotalCount" })
            {
                if (MyInvocation.BoundParameters.ContainsKey(name))
                {
                    ThrowTerminatingError(new ErrorRecord(
                        new ParameterBindingException($"-{name} applies only to a listing ({listing}); it cannot be used with -{idParameter}."),
                        "PagingWith" + idParameter, ErrorCategory.InvalidArgument, name));
                }
            }
        }

        /// <summary>
        /// Every error this module writes goes through here (and <see cref="ThrowTerminatingError"/>). PowerShell's error
        /// view prints CategoryInfo's TargetName, taken from the target (often an id from the server), as it is: it is
        /// escaped as every message is, while TargetObject stays exact for scripts.
        /// </summary>
        internal new void WriteError(ErrorRecord errorRecord) => base.WriteError(Shown(errorRecord));

        internal new void ThrowTerminatingError(ErrorRecord errorRecord) => base.ThrowTerminatingError(Shown(errorRecord));

        private static ErrorRecord Shown(ErrorRecord record)
        {
            string? target = record.CategoryInfo.TargetName;
            if (!string.IsNullOrEmpty(target)) record.CategoryInfo.TargetName = DisplayText.Value(target);
            return record;
        }

        internal void WriteCallError(EvalsApiException failure, ApiOperation operation, string? evalId, string? runId, string? outputItemId = null) =>
            WriteError(ErrorMapping.ForCall(failure, operation, evalId, runId, outputItemId));
    }
}
