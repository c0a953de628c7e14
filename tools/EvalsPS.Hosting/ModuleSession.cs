using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace EvalsPS.Hosting
{
    /// <summary>A runspace with the built module imported, running PowerShell text as a user types it.</summary>
    public sealed class ModuleSession : IDisposable
    {
        private readonly Runspace runspace;

        public ModuleSession(ScriptedHost? host = null, bool importModule = true)
        {
            Host = host ?? new ScriptedHost();
            var state = InitialSessionState.CreateDefault2();
            runspace = RunspaceFactory.CreateRunspace(Host, state);
            runspace.Open();
            if (importModule) Run($"Import-Module '{ModulePath}' -ErrorAction Stop").ThrowOnError();
        }

        public ScriptedHost Host { get; }

        public Runspace Runspace => runspace;

        /// <summary>The laid-out module folder, out/EvalsPS at the repository root.</summary>
        public static string ModulePath { get; } = Path.Combine(RepositoryRoot, "out", "EvalsPS");

        /// <summary>The folder holding EvalsPS.sln, found upwards from this assembly.</summary>
        public static string RepositoryRoot
        {
            get
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "EvalsPS.sln"))) return dir.FullName;
                throw new InvalidOperationException("EvalsPS.sln was not found above " + AppContext.BaseDirectory);
            }
        }

        /// <summary>Sets a PowerShell variable in the session.</summary>
        public void SetVariable(string name, object? value) => runspace.SessionStateProxy.SetVariable(name, value);

        public SessionResult Run(string script)
        {
            using var shell = PowerShell.Create();
            shell.Runspace = runspace;
            shell.AddScript(script);
            var result = new SessionResult();
            try
            {
                foreach (var item in shell.Invoke()) result.Output.Add(item);
            }
            catch (RuntimeException terminating)
            {
                result.Terminating = terminating.ErrorRecord;
            }
            result.Errors.AddRange(shell.Streams.Error);
            result.Verbose.AddRange(shell.Streams.Verbose.Select(v => v.Message));
            result.Debug.AddRange(shell.Streams.Debug.Select(d => d.Message));
            result.Warnings.AddRange(shell.Streams.Warning.Select(w => w.Message));
            result.Information.AddRange(shell.Streams.Information.Select(i => i.MessageData?.ToString() ?? ""));
            result.Progress.AddRange(shell.Streams.Progress);
            result.HostText = Host.Text;
            return result;
        }

        public void Dispose() => runspace.Dispose();
    }

    /// <summary>What one Run produced, stream by stream.</summary>
    public sealed class SessionResult
    {
        public List<PSObject> Output { get; } = new List<PSObject>();
        public List<ErrorRecord> Errors { get; } = new List<ErrorRecord>();
        public ErrorRecord? Terminating { get; set; }
        public List<string> Verbose { get; } = new List<string>();
        public List<string> Debug { get; } = new List<string>();
        public List<string> Warnings { get; } = new List<string>();
        public List<string> Information { get; } = new List<string>();
        public List<ProgressRecord> Progress { get; } = new List<ProgressRecord>();
        public string HostText { get; set; } = "";

        /// <summary>Every error, non-terminating and terminating.</summary>
        public IEnumerable<ErrorRecord> AllErrors => Terminating is null ? Errors : Errors.Append(Terminating);

        public SessionResult ThrowOnError()
        {
            var first = AllErrors.FirstOrDefault();
            if (first != null) throw new InvalidOperationException("PowerShell reported: " + first + " (" + first.FullyQualifiedErrorId + ")");
            return this;
        }

        /// <summary>Every text any stream or error shows, for checking that a secret never appears.</summary>
        public string AllText()
        {
            var parts = new List<string>();
            parts.AddRange(Output.Select(o => o?.ToString() ?? ""));
            foreach (var error in AllErrors)
            {
                parts.Add(error.ToString());
                parts.Add(error.FullyQualifiedErrorId);
                parts.Add(error.CategoryInfo.ToString());
                parts.Add(error.ErrorDetails?.Message ?? "");
                parts.Add(error.ErrorDetails?.RecommendedAction ?? "");
                parts.Add(error.TargetObject?.ToString() ?? "");
                for (var ex = error.Exception; ex != null; ex = ex.InnerException) parts.Add(ex.ToString());
            }
            parts.AddRange(Verbose);
            parts.AddRange(Debug);
            parts.AddRange(Warnings);
            parts.AddRange(Information);
            parts.AddRange(Progress.Select(p => p.Activity + " " + p.StatusDescription + " " + p.CurrentOperation));
            parts.Add(HostText);
            return string.Join("\n", parts);
        }
    }
}
