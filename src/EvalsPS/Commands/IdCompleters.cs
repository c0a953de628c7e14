using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
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
            IdCompletion.Complete(commandName, commandAst, fakeBoundParameters, wordToComplete, "evals", async (client, cancel) =>
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
            return IdCompletion.Complete(commandName, commandAst, fakeBoundParameters, wordToComplete, "runs of " + evalId, async (client, cancel) =>
            {
                var page = await client.ListRunsAsync(evalId, null, PagedListing.MaxPageSize, "desc", null, cancel).ConfigureAwait(false);
                return (page.Data ?? new EvalsList<EvalRun>()).Select(run => new IdCompletion.Candidate(run.Id, $"{run.Name ?? run.Id} ({run.Status})")).ToList();
            });
        }
    }

    /// <summary>
    /// What the id completers share: the settings the cmdlets would use if the line named no connection parameter
    /// ($PSDefaultParameterValues, else the environment, else the defaults), a short-lived cache of a few answers, and
    /// silence on any failure: completion never writes an error, a warning or a verbose line, and never keeps the
    /// prompt waiting more than about 2 seconds.
    /// </summary>
    /// <remarks>
    /// A line is text that has not run: it may have been pasted from anywhere. So a -BaseUri, -ApiKey or
    /// -AllowUnencryptedAuthentication on it is never used to send the key (a pasted line could name its own server):
    /// completion then offers nothing and sends nothing. -Organization and -Project on the line are used: they only
    /// choose among the user's own evals, with the user's own key, at the user's own address. The key never goes over
    /// plain http to another machine, whatever $PSDefaultParameterValues allows.
    /// </remarks>
    internal static class IdCompletion
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);

        /// <summary>Connection parameters that completion refuses to take from the line.</summary>
        private static readonly string[] UntrustedOnLine = { "BaseUri", "ApiKey", "AllowUnencryptedAuthentication" };

        // A lookup still running when the wait ends is kept, so the next Tab press can use its answer.
        private static readonly LookupCache Cache = new LookupCache();

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

        internal static IEnumerable<CompletionResult> Complete(string commandName, CommandAst? commandAst, IDictionary fakeBoundParameters,
            string wordToComplete, string what, Func<EvalsApiClient, CancellationToken, Task<List<Candidate>>> lookup)
        {
            try
            {
                if (NamesUntrustedParameter(commandAst, fakeBoundParameters)) return Array.Empty<CompletionResult>();
                var given = WithDefaults(commandName, fakeBoundParameters);
                // allowUnencryptedAuthentication: false, whatever the defaults say: a key over plain http to another
                // machine is refused here (SettingsException), and so never sent by a Tab press.
                var settings = ConnectionSettings.Resolve(
                    ApiKey(given), BaseUri(given), Text(given, "Organization"), Text(given, "Project"),
                    maxRetries: 0, timeoutSec: 10, allowUnencryptedAuthentication: false, Environment.GetEnvironmentVariable);
                string key = string.Join("\n", settings.BaseUri, settings.Organization, settings.Project, Fingerprint(settings), what);

                var answer = Cache.Answer(key, cancel => lookup(new EvalsApiClient(settings, SilentLog.Instance), cancel), Wait);
                return answer is null ? Array.Empty<CompletionResult>() : Matches(answer, wordToComplete);
            }
            catch (Exception)
            {
                // No key, no network, an answer that cannot be read: complete nothing, say nothing.
                return Array.Empty<CompletionResult>();
            }
        }

        /// <summary>
        /// True when the line names -BaseUri, -ApiKey or -AllowUnencryptedAuthentication, or a prefix that could be one
        /// of them (-Base, -A): read from the line's own parameters as well as from what the engine bound, so that no
        /// spelling the engine accepts slips through.
        /// </summary>
        private static bool NamesUntrustedParameter(CommandAst? commandAst, IDictionary fakeBoundParameters)
        {
            if (fakeBoundParameters != null)
                foreach (var name in UntrustedOnLine)
                    if (fakeBoundParameters.Contains(name)) return true;
            if (commandAst is null) return false;
            foreach (var element in commandAst.CommandElements)
            {
                if (element is CommandParameterAst parameter && parameter.ParameterName.Length > 0
                    && UntrustedOnLine.Any(name => name.StartsWith(parameter.ParameterName, StringComparison.OrdinalIgnoreCase)))
                    return true;
            }
            return false;
        }

        /// <summary>
        /// The ids that start with the word typed (case-insensitive), each inserted as exactly one argument holding the
        /// id; an id with a control character or a bidi override is never offered (no quoting could show it faithfully on
        /// the command line, and an override would reorder what the line shows).
        /// </summary>
        private static List<CompletionResult> Matches(List<Candidate> candidates, string wordToComplete)
        {
            string word = Unquote(wordToComplete ?? "");
            var results = new List<CompletionResult>();
            foreach (var candidate in candidates)
            {
                if (string.IsNullOrEmpty(candidate.Id) || candidate.Id.Any(DisplayText.IsUnsafe)) continue;
                if (!candidate.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase)) continue;
                results.Add(new CompletionResult(Quote(candidate.Id), DisplayText.Value(candidate.Id), CompletionResultType.ParameterValue,
                    DisplayText.Value(string.IsNullOrEmpty(candidate.ToolTip) ? candidate.Id : candidate.ToolTip)));
            }
            return results;
        }

        /// <summary>The text of a word being typed, without its opening (and any closing) quote, as the parser would read it.</summary>
        private static string Unquote(string word)
        {
            if (word.Length == 0) return word;
            if (IsSingleQuote(word[0]))
            {
                string inner = word.Substring(1);
                if (inner.Length > 0 && IsSingleQuote(inner[inner.Length - 1]) && !inner.EndsWith("''", StringComparison.Ordinal)) inner = inner.Substring(0, inner.Length - 1);
                var text = new StringBuilder(inner.Length);
                for (int i = 0; i < inner.Length; i++)
                {
                    text.Append(inner[i]);
                    if (IsSingleQuote(inner[i]) && i + 1 < inner.Length && IsSingleQuote(inner[i + 1])) i++;
                }
                return text.ToString();
            }
            return word.Trim('"', '\u201C', '\u201D', '\u201E');
        }

        /// <summary>The quotes PowerShell's tokenizer reads as a single quote: ' and the typographic U+2018..U+201B.</summary>
        private static bool IsSingleQuote(char c) => c == '\'' || (c >= '\u2018' && c <= '\u201B');

        /// <summary>
        /// An id as the text to insert: a plain word (ASCII letters first, then letters, digits, _, . and -) as it is, so
        /// it cannot read as a number (0x10, 1kb) or a parameter (-x); anything else single-quoted with the engine's own
        /// escaping, which doubles every single quote, typographic ones included, as PowerShell's own completers do.
        /// </summary>
        private static string Quote(string id) =>
            IsPlainWord(id) ? id : "'" + CodeGeneration.EscapeSingleQuotedStringContent(id) + "'";

        private static bool IsPlainWord(string id)
        {
            if (id.Length == 0 || !IsAsciiLetter(id[0])) return false;
            foreach (char c in id)
                if (!(IsAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) return false;
            return true;
        }

        private static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

        /// <summary>
        /// The connection parameters on the line, and for those not on it the session's $PSDefaultParameterValues for this
        /// command, as the cmdlet itself would be given them (a script block default is left out: completion runs no code).
        /// </summary>
        /// <remarks>
        /// The engine matches $PSDefaultParameterValues to a command in an internal method (DefaultParameterDictionary
        /// is public, its matching is not), so this repeats its rule for the one case that matters here: a
        /// "CommandPattern:Parameter" key whose wildcard pattern matches the command's name.
        /// </remarks>
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

        // Not AllowUnencryptedAuthentication: completion never sends the key over plain http to another machine.
        private static readonly string[] ConnectionParameters = { "ApiKey", "BaseUri", "Organization", "Project" };

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

        private static object? Unwrap(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;

        /// <summary>Answers for one key are not shown to another: the cache is keyed by a hash of the key, never the key.</summary>
        private static string Fingerprint(ConnectionSettings settings)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(settings.RevealApiKey())));
        }

        /// <summary>
        /// The answers of the last few lookups, each used for a short while: bounded, so a session that completes
        /// against many evals or keys holds at most <see cref="Capacity"/> lookups, and short-lived, so new evals and runs
        /// show. A lookup not answered when a Tab press gives up stays in flight, so the next press for the same key takes
        /// its answer without asking again; a lookup dropped (stale, or the oldest beyond the capacity) is cancelled if
        /// still in flight; a failed one is not kept, so the next press asks again.
        /// </summary>
        private sealed class LookupCache
        {
            private static readonly Stopwatch Clock = Stopwatch.StartNew();
            private readonly Dictionary<string, Lookup> entries = new Dictionary<string, Lookup>(StringComparer.Ordinal);

            private const int Capacity = 16;

            // A setting of the module, not of the user: internal, so no parameter or variable changes it (a test lowers
            // it through reflection, to see a lookup go stale without waiting 30 s).
            internal TimeSpan Freshness { get; set; } = TimeSpan.FromSeconds(30);

            /// <summary>
            /// The answer for the key, waited for at most <paramref name="within"/>: the cached lookup's when fresh, else a
            /// new lookup's; null when it is not answered in time (it stays in flight for the next press) or failed.
            /// </summary>
            internal List<Candidate>? Answer(string key, Func<CancellationToken, Task<List<Candidate>>> lookup, TimeSpan within)
            {
                var elapsed = Stopwatch.StartNew();
                while (true)
                {
                    var entry = Find(key, lookup, out bool started);
                    var answer = entry.Take(within - elapsed.Elapsed);
                    if (answer != null || !entry.Failed) return answer;
                    Drop(key, entry);
                    // A lookup of an earlier press that has failed since is asked again now, as a failure is never kept;
                    // one this press started is not (the next press asks again).
                    if (started || elapsed.Elapsed >= within) return null;
                }
            }

            /// <summary>The fresh lookup for the key, or a new one started (<paramref name="started"/>), dropping stale and excess ones.</summary>
            private Lookup Find(string key, Func<CancellationToken, Task<List<Candidate>>> lookup, out bool started)
            {
                var dropped = new List<Lookup>();
                Lookup? entry;
                lock (entries)
                {
                    var now = Clock.Elapsed;
                    foreach (var stale in entries.Where(pair => now - pair.Value.StartedAt >= Freshness).ToList())
                    {
                        entries.Remove(stale.Key);
                        dropped.Add(stale.Value);
                    }
                    started = !entries.TryGetValue(key, out entry);
                    if (started)
                    {
                        while (entries.Count >= Capacity)
                        {
                            var oldest = entries.OrderBy(pair => pair.Value.StartedAt).First();
                            entries.Remove(oldest.Key);
                            dropped.Add(oldest.Value);
                        }
                        entry = new Lookup(now, lookup);
                        entries[key] = entry;
                    }
                }
                // Outside the lock: cancelling a lookup runs its callbacks on this thread.
                foreach (var old in dropped) old.Dispose();
                return entry!;
            }

            private void Drop(string key, Lookup entry)
            {
                lock (entries)
                {
                    if (entries.TryGetValue(key, out var current) && current == entry) entries.Remove(key);
                }
                entry.Dispose();
            }
        }

        /// <summary>
        /// One lookup: a window of one request, and once taken, its answer. Two presses may take at once (completion in
        /// two runspaces): one waits on the window, the other for the first to finish, each within its own time.
        /// </summary>
        private sealed class Lookup : IDisposable
        {
            private readonly object gate = new object();
            private readonly InFlightWindow<List<Candidate>> window = new InFlightWindow<List<Candidate>>(Unattended.Instance, 1);
            private List<Candidate>? answer;

            internal Lookup(TimeSpan startedAt, Func<CancellationToken, Task<List<Candidate>>> lookup)
            {
                StartedAt = startedAt;
                window.Offer(lookup);
            }

            internal TimeSpan StartedAt { get; }

            /// <summary>Whether the lookup ended without an answer (refused, failed, cancelled): such a lookup is not kept.</summary>
            internal bool Failed { get; private set; }

            /// <summary>The answer, waited for at most <paramref name="within"/>; null while still in flight, or when it failed.</summary>
            internal List<Candidate>? Take(TimeSpan within)
            {
                var elapsed = Stopwatch.StartNew();
                // Never a negative time: TryTake reads -1 ms as no limit.
                if (!Monitor.TryEnter(gate, Positive(within))) return null;
                try
                {
                    if (answer is null && !Failed && window.TryTake(Positive(within - elapsed.Elapsed), out var finished))
                    {
                        if (finished.Task.Status == TaskStatus.RanToCompletion) answer = finished.Result;
                        else Failed = true;
                        window.Dispose();
                    }
                    return answer;
                }
                finally
                {
                    Monitor.Exit(gate);
                }
            }

            /// <summary>
            /// Cancels the lookup if still in flight. A press of another runspace waiting on it, or about to, then gets
            /// nothing (its wait ends, or the disposed window throws into Complete's catch).
            /// </summary>
            public void Dispose() => window.Dispose();

            private static TimeSpan Positive(TimeSpan time) => time > TimeSpan.Zero ? time : TimeSpan.Zero;
        }

        /// <summary>
        /// Completion as the owner of its lookups' windows: it runs in the console's completion callback, not in a pipeline,
        /// so there is no Ctrl+C to follow (a lookup ends with its answer, its 10 s timeout, or its entry dropped) and nothing
        /// to write while waiting (its log is <see cref="SilentLog"/>); the wait is bounded by the time TryTake is given.
        /// </summary>
        private sealed class Unattended : IWindowOwner
        {
            internal static readonly Unattended Instance = new Unattended();

            public CancellationToken Stopping => CancellationToken.None;

            // WaitAny, not Wait: it never throws; the window reads the request's own outcome.
            public void WaitFor(Task task) => Task.WaitAny(task);

            public void Drain() { }
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
