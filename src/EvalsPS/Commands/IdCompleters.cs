using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Tab completion of -EvalId: the ids of the newest evals, their names as tooltips.</summary>
    public sealed class EvalIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) =>
            IdCompletion.Complete(commandName, fakeBoundParameters, wordToComplete, "evals", async (client, cancel) =>
            {
                var page = await client.ListEvalsAsync(null, PagedListing.MaxPageSize, "desc", "created_at", cancel).ConfigureAwait(false);
                return (page.Data ?? new EvalsList<Eval>()).Select(eval => new IdCompletion.Candidate(eval.Id, eval.Name ?? eval.Id)).ToList();
            });
    }

    /// <summary>Tab completion of -RunId: the ids of the newest runs of the eval typed on the line, names and statuses as tooltips.</summary>
    public sealed class RunIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            if (!(IdCompletion.Text(fakeBoundParameters, "EvalId") is string evalId) || evalId.Length == 0)
                return Array.Empty<CompletionResult>();
            return IdCompletion.Complete(commandName, fakeBoundParameters, wordToComplete, "runs of " + evalId, async (client, cancel) =>
            {
                var page = await client.ListRunsAsync(evalId, null, PagedListing.MaxPageSize, "desc", null, cancel).ConfigureAwait(false);
                return (page.Data ?? new EvalsList<EvalRun>()).Select(run => new IdCompletion.Candidate(run.Id, $"{run.Name ?? run.Id} ({run.Status})")).ToList();
            });
        }
    }

    /// <summary>
    /// What the id completers share: the cmdlets' settings (the -ApiKey, -BaseUri, -Organization and -Project typed on
    /// the line, else $PSDefaultParameterValues, else the environment), a short per-session cache, and silence on any
    /// failure: completion never writes an error, a warning or a verbose line, and never keeps the prompt waiting more
    /// than about 2 seconds.
    /// </summary>
    internal static class IdCompletion
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
        private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(30);

        // A lookup still running when the wait ends is kept, so the next Tab press can use its answer.
        private static readonly ConcurrentDictionary<string, CachedLookup> Cache = new ConcurrentDictionary<string, CachedLookup>(StringComparer.Ordinal);

        internal readonly struct Candidate
        {
            internal Candidate(string id, string toolTip)
            {
                Id = id;
                ToolTip = toolTip;
            }

            internal string Id { get; }
            internal string ToolTip { get; }
        }

        internal static IEnumerable<CompletionResult> Complete(string commandName, IDictionary fakeBoundParameters, string wordToComplete, string what,
            Func<EvalsApiClient, CancellationToken, Task<List<Candidate>>> lookup)
        {
            try
            {
                var given = WithDefaults(commandName, fakeBoundParameters);
                var settings = ConnectionSettings.Resolve(
                    ApiKey(given), BaseUri(given), Text(given, "Organization"), Text(given, "Project"),
                    maxRetries: 0, timeoutSec: 10, Switch(given, "AllowUnencryptedAuthentication"), Environment.GetEnvironmentVariable);
                string key = string.Join("\n", settings.BaseUri, settings.Organization, settings.Project, Fingerprint(settings), what);

                var now = DateTime.UtcNow;
                var cached = Cache.AddOrUpdate(key,
                    _ => new CachedLookup(now, lookup(new EvalsApiClient(settings, SilentLog.Instance), CancellationToken.None)),
                    (_, old) => old.IsUsable(now, Freshness) ? old : new CachedLookup(now, lookup(new EvalsApiClient(settings, SilentLog.Instance), CancellationToken.None)));

                if (!cached.Lookup.Wait(Wait) || cached.Lookup.Status != TaskStatus.RanToCompletion)
                    return Array.Empty<CompletionResult>();
                return Matches(cached.Lookup.Result, wordToComplete);
            }
            catch (Exception)
            {
                // No key, no network, an answer that cannot be read: complete nothing, say nothing.
                return Array.Empty<CompletionResult>();
            }
        }

        private static List<CompletionResult> Matches(List<Candidate> candidates, string wordToComplete)
        {
            string word = (wordToComplete ?? "").Trim('\'', '"');
            var results = new List<CompletionResult>();
            foreach (var candidate in candidates)
            {
                if (candidate.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase)
                    || candidate.ToolTip.IndexOf(word, StringComparison.OrdinalIgnoreCase) >= 0)
                {
                    results.Add(new CompletionResult(Quote(candidate.Id), candidate.Id, CompletionResultType.ParameterValue, candidate.ToolTip));
                }
            }
            return results;
        }

        /// <summary>Ids are plain words; anything else is quoted so the completed line still parses.</summary>
        private static string Quote(string id) =>
            id.All(c => char.IsLetterOrDigit(c) || c == '_' || c == '-' || c == '.') ? id : "'" + id.Replace("'", "''") + "'";

        /// <summary>
        /// The connection parameters on the line, and for those not on it the session's $PSDefaultParameterValues for this
        /// command, as the cmdlet itself would be given them (a script block default is left out: completion runs no code).
        /// </summary>
        private static IDictionary WithDefaults(string commandName, IDictionary fakeBoundParameters)
        {
            var given = new Hashtable(StringComparer.OrdinalIgnoreCase);
            if (fakeBoundParameters != null)
                foreach (DictionaryEntry entry in fakeBoundParameters) given[entry.Key] = entry.Value;
            if (!(SessionDefaults() is IDictionary defaults)) return given;
            if (defaults["Disabled"] is object disabled && LanguagePrimitives.IsTrue(disabled)) return given;
            foreach (DictionaryEntry entry in defaults)
            {
                if (!(entry.Key is string key) || Unwrap(entry.Value) is ScriptBlock) continue;
                int colon = key.IndexOf(':');
                if (colon < 0) continue;
                string parameter = key.Substring(colon + 1).Trim();
                if (given.ContainsKey(parameter) || !ConnectionParameters.Contains(parameter, StringComparer.OrdinalIgnoreCase)) continue;
                if (WildcardPattern.Get(key.Substring(0, colon).Trim(), WildcardOptions.IgnoreCase).IsMatch(commandName))
                    given[parameter] = entry.Value;
            }
            return given;
        }

        /// <summary>$PSDefaultParameterValues of the session completing; null where there is none to read (no runspace on this thread).</summary>
        private static IDictionary? SessionDefaults()
        {
            try
            {
                var found = ScriptBlock.Create("$PSDefaultParameterValues").Invoke();
                return found.Count == 1 ? found[0]?.BaseObject as IDictionary : null;
            }
            catch (Exception)
            {
                return null;
            }
        }

        private static readonly string[] ConnectionParameters = { "ApiKey", "BaseUri", "Organization", "Project", "AllowUnencryptedAuthentication" };

        internal static string? Text(IDictionary fakeBoundParameters, string name) =>
            Unwrap(fakeBoundParameters?[name]) switch
            {
                string text => text,
                string[] { Length: 1 } texts => texts[0],
                object?[] { Length: 1 } values when Unwrap(values[0]) is string text => text,
                _ => null,
            };

        private static SecureString? ApiKey(IDictionary fakeBoundParameters) =>
            Unwrap(fakeBoundParameters?["ApiKey"]) switch
            {
                SecureString secure => secure,
                string text => ConnectionSettings.ToSecureString(text),
                _ => null,
            };

        private static Uri? BaseUri(IDictionary fakeBoundParameters) =>
            Unwrap(fakeBoundParameters?["BaseUri"]) switch
            {
                Uri uri => uri,
                string text when Uri.TryCreate(text, UriKind.Absolute, out var uri) => uri,
                _ => null,
            };

        private static bool Switch(IDictionary fakeBoundParameters, string name) =>
            Unwrap(fakeBoundParameters?[name]) switch
            {
                SwitchParameter flag => flag.IsPresent,
                bool flag => flag,
                _ => false,
            };

        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        /// <summary>Answers for one key are not shown to another: the cache is keyed by a hash of the key, never the key.</summary>
        private static string Fingerprint(ConnectionSettings settings)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(settings.RevealApiKey())));
        }

        private sealed class CachedLookup
        {
            internal CachedLookup(DateTime startedAt, Task<List<Candidate>> lookup)
            {
                StartedAt = startedAt;
                Lookup = lookup;
                // Observe a failure, so an unanswered lookup never surfaces as an unobserved task exception.
                lookup.ContinueWith(task => task.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            }

            internal DateTime StartedAt { get; }
            internal Task<List<Candidate>> Lookup { get; }

            /// <summary>Fresh, and not failed: a failure is tried again on the next Tab press.</summary>
            internal bool IsUsable(DateTime now, TimeSpan freshness) =>
                now - StartedAt < freshness && !Lookup.IsFaulted && !Lookup.IsCanceled;
        }

        /// <summary>Completion prints nothing: no verbose, debug or warning lines.</summary>
        private sealed class SilentLog : IApiLog
        {
            internal static readonly SilentLog Instance = new SilentLog();

            public bool VerboseEnabled => false;
            public bool DebugEnabled => false;
            public void Verbose(string message) { }
            public void Debug(string message) { }
            public void Warning(string message) { }
        }
    }
}
