using System;
using System.Text;

namespace EvalsPS.FakeApi
{
    /// <summary>What is kept of one run; generated runs are rendered from these few fields on demand.</summary>
    internal sealed class RunEntry
    {
        internal RunEntry(string id, string evalId, string status, long createdAt, long seq, int index, string? name, string? json)
        {
            Id = id; EvalId = evalId; Status = status; CreatedAt = createdAt; Seq = seq; Index = index; Name = name; Json = json;
        }

        internal readonly string Id;
        internal readonly string EvalId;
        internal string Status;          // changed under the store lock
        internal readonly long CreatedAt;
        internal readonly long Seq;      // insertion order, breaks created_at ties
        internal readonly int Index;     // generated runs: 1-based ordinal within the eval
        internal readonly string? Name;
        internal string? Json;           // runs added as JSON text (fixtures); null for generated runs
        internal System.Collections.Generic.Queue<string>? StatusSequence; // the statuses later GETs take in turn
        internal readonly System.Collections.Generic.List<ItemEntry> Items = new System.Collections.Generic.List<ItemEntry>();
        internal int ItemCount;

        internal RunView View() => new RunView(Id, EvalId, Status, CreatedAt, Index, Name, Json);
    }

    /// <summary>One output item of a run; generated items are rendered from these few fields on demand.</summary>
    internal sealed class ItemEntry
    {
        internal ItemEntry(string id, string status, long createdAt, int n, string? json)
        {
            Id = id; Status = status; CreatedAt = createdAt; N = n; Json = json;
        }

        internal readonly string Id;
        internal readonly string Status;
        internal readonly long CreatedAt;
        internal readonly int N;          // 1-based ordinal within the run
        internal readonly string? Json;   // items added as JSON text; null for generated ones
    }

    /// <summary>An immutable copy of a run, taken under the lock and rendered outside it.</summary>
    internal readonly struct RunView
    {
        internal RunView(string id, string evalId, string status, long createdAt, int index, string? name, string? json)
        {
            Id = id; EvalId = evalId; Status = status; CreatedAt = createdAt; Index = index; Name = name; Json = json;
        }

        internal readonly string Id;
        internal readonly string EvalId;
        internal readonly string Status;
        internal readonly long CreatedAt;
        internal readonly int Index;
        internal readonly string? Name;
        internal readonly string? Json;
    }

    /// <summary>Renders runs, list pages and deletions as JSON text.</summary>
    internal static class RunJson
    {
        internal const string Model = "gpt-4o-mini";

        internal static string Render(in RunView run)
        {
            if (run.Json != null) return run.Json;
            var sb = new StringBuilder(2048);
            WriteGenerated(sb, run);
            return sb.ToString();
        }

        internal static void Write(StringBuilder sb, in RunView run)
        {
            if (run.Json != null) sb.Append(run.Json);
            else WriteGenerated(sb, run);
        }

        internal static string Page(RunView[] runs, bool hasMore)
        {
            var sb = new StringBuilder(64 + runs.Length * 2100);
            sb.Append("{\"object\":\"list\",\"data\":[");
            for (int i = 0; i < runs.Length; i++)
            {
                if (i > 0) sb.Append(',');
                Write(sb, runs[i]);
            }
            sb.Append("],").Prop("first_id").Str(runs.Length == 0 ? null : runs[0].Id)
              .Append(',').Prop("last_id").Str(runs.Length == 0 ? null : runs[runs.Length - 1].Id)
              .Append(',').Prop("has_more").Append(hasMore ? "true" : "false")
              .Append('}');
            return sb.ToString();
        }

        internal static string Deleted(string runId, bool deleted = true) =>
            new StringBuilder(80).Append("{\"object\":\"eval.run.deleted\",\"deleted\":").Append(deleted ? "true," : "false,").Prop("run_id").Str(runId).Append('}').ToString();

        /// <summary>A full, realistic EvalRun: completions data source over two inline items.</summary>
        internal static void WriteGenerated(StringBuilder sb, in RunView run)
        {
            int n = run.Index;
            bool queued = run.Status == "queued";
            long total = queued ? 0 : 10;
            long errored = queued ? 0 : (n % 3 == 0 ? 1 : 0);
            long failed = queued ? 0 : n % 4;
            long passed = total - errored - failed;
            long invocations = total;
            long prompt = queued ? 0 : 1200 + (n % 50) * 3;
            long completion = queued ? 0 : 20 + n % 7;
            long cached = queued ? 0 : (n % 2 == 0 ? 1024 : 0);

            sb.Append('{').Prop("object").Str("eval.run")
              .Append(',').Prop("id").Str(run.Id)
              .Append(',').Prop("eval_id").Str(run.EvalId)
              .Append(',').Prop("name").Str(run.Name ?? "Fake run " + n.ToString(System.Globalization.CultureInfo.InvariantCulture))
              .Append(',').Prop("model").Str(Model)
              .Append(',').Prop("status").Str(run.Status)
              .Append(',').Prop("created_at").Num(run.CreatedAt)
              .Append(',').Prop("report_url").Str("https://platform.openai.com/evaluations/" + Uri.EscapeDataString(run.EvalId) + "?run_id=" + Uri.EscapeDataString(run.Id))
              .Append(',').Prop("result_counts").Append('{')
                  .Prop("total").Num(total).Append(',')
                  .Prop("errored").Num(errored).Append(',')
                  .Prop("failed").Num(failed).Append(',')
                  .Prop("passed").Num(passed).Append('}')
              .Append(',').Prop("per_model_usage").Append("[{")
                  .Prop("model_name").Str("gpt-4o-mini-2024-07-18").Append(',')
                  .Prop("invocation_count").Num(invocations).Append(',')
                  .Prop("prompt_tokens").Num(prompt).Append(',')
                  .Prop("completion_tokens").Num(completion).Append(',')
                  .Prop("total_tokens").Num(prompt + completion).Append(',')
                  .Prop("cached_tokens").Num(cached).Append("}]")
              .Append(',').Prop("per_testing_criteria_results").Append("[{")
                  .Prop("testing_criteria").Str("Match output to human label-4d2a7c1e-9b53-4f0a-8e61-2c7d5b9f3a10").Append(',')
                  .Prop("passed").Num(passed).Append(',')
                  .Prop("failed").Num(failed + errored).Append("}]")
              .Append(',').Append(DataSource)
              .Append(',').Prop("metadata").Append("{\"team\":\"fake\"}")
              .Append(',').Prop("error");
            if (run.Status == "failed")
                sb.Append('{').Prop("code").Str("server_error").Append(',').Prop("message").Str("The run failed: the grader model did not answer in time.").Append('}');
            else
                sb.Append("null");
            sb.Append('}');
        }

        private const string DataSource =
            "\"data_source\":{\"type\":\"completions\"," +
            "\"source\":{\"type\":\"file_content\",\"content\":[" +
            "{\"item\":{\"input\":\"Tech Company Launches Advanced Artificial Intelligence Platform\",\"ground_truth\":\"Technology\"}}," +
            "{\"item\":{\"input\":\"Central Bank Increases Interest Rates Amid Inflation Concerns\",\"ground_truth\":\"Markets\"}}]}," +
            "\"input_messages\":{\"type\":\"template\",\"template\":[" +
            "{\"type\":\"message\",\"role\":\"developer\",\"content\":{\"type\":\"input_text\",\"text\":\"Categorize a given news headline into one of the following topics: Technology, Markets, World, Business, or Sports. Respond with the category as a single word.\"}}," +
            "{\"type\":\"message\",\"role\":\"user\",\"content\":{\"type\":\"input_text\",\"text\":\"{{item.input}}\"}}]}," +
            "\"model\":\"gpt-4o-mini\"," +
            "\"sampling_params\":{\"seed\":42,\"temperature\":1.0,\"top_p\":1.0,\"max_completion_tokens\":2048}}";
    }
}
