using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace EvalsPS.FakeApi
{
    /// <summary>
    /// What a hostile server, a proxy at -BaseUri, or a prompt-injected model may send, for the tests of what EvalsPS
    /// does with untrusted data (and for trying it by hand): terminal escape sequences, ids that try to close their
    /// quotes, keys a PSCustomObject cannot hold. FakeEvalsApi.AddHostileData serves all of it.
    /// </summary>
    public static class Hostile
    {
        /// <summary>OSC 52: sets the terminal's clipboard to "echo pwned" (base64), ended by BEL.</summary>
        public const string Clipboard = "\u001b]52;c;ZWNobyBwd25lZA==\u0007";

        /// <summary>OSC 0: sets the window title, ended by ST.</summary>
        public const string WindowTitle = "\u001b]0;pwned\u001b\\";

        /// <summary>CSI: clears the screen; and the same introducer as the one C1 character U+009B.</summary>
        public const string ClearScreen = "\u001b[2J\u009b2J";

        /// <summary>A right-to-left override that makes "exe.txt" read as "txt.exe", closed by a pop.</summary>
        public const string Bidi = "\u202Etxt.exe\u202C\u2066\u2069";

        /// <summary>Every sequence above, with a carriage return that would overwrite the start of the line.</summary>
        public const string Terminal = Clipboard + WindowTitle + ClearScreen + Bidi + "\rfake prompt> ";

        /// <summary>
        /// Ids that Tab completion must insert as exactly one argument holding the id: single quotes (typographic ones
        /// included), a leading '-', '$', backticks, ';', spaces, '#', a number PowerShell would convert.
        /// </summary>
        public static IReadOnlyList<string> QuotingIds { get; } = new[]
        {
            "eval_a'; Write-Host pwned; '",
            "eval_b\u2019; Write-Host pwned; \u2018",
            "eval_c\u201A\u201B'",
            "-Force",
            "$(Write-Host pwned)",
            "eval_d`$HOME`",
            "eval_e;Write-Host pwned",
            "eval f g",
            "eval_g#comment",
            "0x10",
            "@splat",
        };

        /// <summary>Ids with a control character (C0 or C1) or a bidi override: never offered by completion.</summary>
        public static IReadOnlyList<string> ControlIds { get; } = new[]
        {
            "eval_cr\rWrite-Host pwned",
            "eval_lf\nWrite-Host pwned",
            "eval_esc\u001b[2J",
            "eval_c1\u009b2J",
            "eval_nul\u0000",
            "eval_bidi\u202Eexe.txt",
        };

        /// <summary>The keys a PSCustomObject refuses, renames or merges, each with a value of its own.</summary>
        public static IReadOnlyList<string> ReservedKeys { get; } = new[]
        {
            "", "psbase", "PSObject", "psadapted", "psextended", "PSTypeNames", "PSComputerName", "a", "A",
        };

        /// <summary>A JSON object holding every key of <see cref="ReservedKeys"/>, each key's value "value of 'key'".</summary>
        public static string ReservedKeysObject()
        {
            var json = new StringBuilder("{");
            foreach (string key in ReservedKeys)
            {
                if (json.Length > 1) json.Append(',');
                json.Append(Quote(key)).Append(':').Append(Quote("value of '" + key + "'"));
            }
            return json.Append('}').ToString();
        }

        /// <summary>
        /// A run whose name, model, error and metadata carry <see cref="Terminal"/>, whose metadata and inline item
        /// hold the <see cref="ReservedKeys"/>, and which has an unknown field named psbase.
        /// </summary>
        public static string RunJson(string evalId, string runId)
        {
            string keys = ReservedKeysObject();
            return "{\"object\":\"eval.run\",\"id\":" + Quote(runId) + ",\"eval_id\":" + Quote(evalId) +
                   ",\"status\":\"failed\",\"model\":" + Quote("gpt" + Terminal) + ",\"name\":" + Quote("nightly" + Terminal) +
                   ",\"created_at\":1743180000,\"result_counts\":{\"total\":1,\"errored\":0,\"failed\":1,\"passed\":0}" +
                   ",\"metadata\":" + keys +
                   ",\"error\":{\"code\":" + Quote("bad" + Terminal) + ",\"message\":" + Quote("The run failed" + Terminal) + "}" +
                   ",\"data_source\":{\"type\":\"jsonl\",\"source\":{\"type\":\"file_content\",\"content\":[{\"item\":" + keys + ",\"sample\":" + keys + "}]}}" +
                   ",\"psbase\":" + keys + "}";
        }

        /// <summary>
        /// An output item whose model answer and grader name carry <see cref="Terminal"/>, and whose data source item,
        /// grader sample and an unknown field hold the <see cref="ReservedKeys"/>.
        /// </summary>
        public static string OutputItemJson(string evalId, string runId, string itemId)
        {
            string keys = ReservedKeysObject();
            return "{\"object\":\"eval.run.output_item\",\"id\":" + Quote(itemId) + ",\"created_at\":1743180000" +
                   ",\"run_id\":" + Quote(runId) + ",\"eval_id\":" + Quote(evalId) + ",\"status\":\"fail\",\"datasource_item_id\":0" +
                   ",\"datasource_item\":" + keys +
                   ",\"results\":[{\"name\":" + Quote("grader" + Terminal) + ",\"type\":\"string-check-grader\",\"sample\":" + keys + ",\"passed\":false,\"score\":0.0}]" +
                   ",\"sample\":{\"input\":[{\"role\":\"user\",\"content\":" + Quote("question" + Terminal) + "}]" +
                   ",\"output\":[{\"role\":\"assistant\",\"content\":" + Quote("answer" + Terminal) + "}]" +
                   ",\"finish_reason\":\"stop\",\"model\":\"gpt-4o-mini\",\"usage\":{\"total_tokens\":3,\"completion_tokens\":1,\"prompt_tokens\":2,\"cached_tokens\":0}" +
                   ",\"error\":null,\"temperature\":1.0,\"max_completion_tokens\":16,\"top_p\":1.0,\"seed\":42}" +
                   ",\"psextended\":" + keys + "}";
        }

        /// <summary>The text as a JSON string literal.</summary>
        public static string Quote(string text) => JsonSerializer.Serialize(text);
    }

    public sealed partial class FakeEvalsApi
    {
        /// <summary>
        /// Hostile mode: evals whose ids are <see cref="Hostile.QuotingIds"/> and <see cref="Hostile.ControlIds"/> (names
        /// carrying <see cref="Hostile.Terminal"/>), and in eval "eval_hostile" the run "evalrun_hostile" (see
        /// <see cref="Hostile.RunJson"/>) with one output item "outputitem_hostile" (see <see cref="Hostile.OutputItemJson"/>).
        /// </summary>
        public void AddHostileData()
        {
            foreach (string id in Hostile.QuotingIds) AddEval(id, "name" + Hostile.Terminal);
            foreach (string id in Hostile.ControlIds) AddEval(id, "name" + Hostile.Terminal);
            AddRunJson("eval_hostile", Hostile.RunJson("eval_hostile", "evalrun_hostile"));
            AddOutputItemJson("eval_hostile", "evalrun_hostile", Hostile.OutputItemJson("eval_hostile", "evalrun_hostile", "outputitem_hostile"));
        }
    }

    public sealed partial class FakeResponse
    {
        /// <summary>
        /// A 200 application/json whose headers declare <paramref name="declaredLength"/> bytes (Content-Length), of
        /// which only the first bytes of a run are sent before the connection closes: a lying length.
        /// </summary>
        public static FakeResponse LyingLength(long declaredLength)
        {
            if (declaredLength < 16) throw new ArgumentOutOfRangeException(nameof(declaredLength));
            return Raw("LyingLength " + declaredLength.ToString(CultureInfo.InvariantCulture), async (connection, cancel) =>
            {
                await WriteAsync(connection, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    declaredLength.ToString(CultureInfo.InvariantCulture) + "\r\nConnection: close\r\n\r\n{\"object\":\"eval.run\"", cancel).ConfigureAwait(false);
            });
        }

        /// <summary>A 200 application/json with a chunked body of JSON white space that never ends (until the client leaves).</summary>
        public static FakeResponse Endless() =>
            Raw("Endless", async (connection, cancel) =>
            {
                await WriteAsync(connection, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", cancel).ConfigureAwait(false);
                const int size = 1024 * 1024;
                byte[] chunk = Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n" + new string(' ', size) + "\r\n");
                while (!cancel.IsCancellationRequested) await connection.WriteAsync(chunk, cancel).ConfigureAwait(false);
            });

        /// <summary>
        /// A 200 application/json run of about 1 KB, with a true Content-Length, whose body is sent one byte every
        /// <paramref name="interval"/>: each read makes progress, but the whole body takes minutes.
        /// </summary>
        public static FakeResponse Trickle(string evalId, string runId, TimeSpan interval) =>
            Raw("Trickle " + interval, async (connection, cancel) =>
            {
                byte[] body = Encoding.UTF8.GetBytes(RunJson.Render(new RunView(runId, evalId, "completed", 1743092069, 1, null, null)));
                await WriteAsync(connection, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    body.Length.ToString(CultureInfo.InvariantCulture) + "\r\nConnection: close\r\n\r\n", cancel).ConfigureAwait(false);
                for (int i = 0; i < body.Length; i++)
                {
                    await connection.WriteAsync(body, i, 1, cancel).ConfigureAwait(false);
                    await Task.Delay(interval, cancel).ConfigureAwait(false);
                }
            });

        private static FakeResponse Raw(string description, Func<HttpConnection, CancellationToken, Task> write) =>
            new FakeResponse(Kind.Raw, 200, null, new byte[0], TimeSpan.Zero, description) { RawWriter = write };

        /// <summary>For <see cref="Kind.Raw"/>: writes the whole answer itself; the connection closes after it.</summary>
        internal Func<HttpConnection, CancellationToken, Task>? RawWriter { get; private set; }

        private static Task WriteAsync(HttpConnection connection, string text, CancellationToken cancel) =>
            connection.WriteAsync(Encoding.ASCII.GetBytes(text), cancel);
    }
}
