using System.Buffers;
using System.Text.Json;

namespace EvalsPS.Bench;

/// <summary>
/// One large EvalRun as the API returns it: a completions data source whose file_content source holds inline items.
/// Build(): 50,000 items, each an item (input, ground_truth) and a sample shaped like the API's output samples
/// (input and output messages, finish_reason, model, usage, error, sampling settings), about 21.5 MiB.
/// BuildSmall(): 65,000 smaller items (an item and a short sample: output, finish_reason, model, usage, error, seed), about 20 MB,
/// so twice as many parts per megabyte: what a per-part cost shows most in.
/// </summary>
internal static class Payload
{
    internal const int Items = 50_000;
    internal const int SmallItems = 65_000;
    internal const string RunId = "evalrun_big";
    internal const string SmallRunId = "evalrun_small_items";

    private static readonly string[] Subjects =
    {
        "Tech Company", "Central Bank", "Local Team", "Global Retailer", "Energy Firm", "City Council",
        "Startup", "Automaker", "Chipmaker", "Airline",
    };

    private static readonly string[] Events =
    {
        "Launches AI Platform", "Raises Interest Rates", "Wins Championship", "Cuts Jobs", "Beats Forecasts",
        "Opens New Plant", "Faces Inquiry", "Signs Trade Deal",
    };

    private static readonly string[] Topics = { "Technology", "Markets", "Sports", "Business", "World" };

    internal static byte[] Build() => Build(RunId, Items, small: false);

    internal static byte[] BuildSmall() => Build(SmallRunId, SmallItems, small: true);

    private static byte[] Build(string runId, int items, bool small)
    {
        var buffer = new ArrayBufferWriter<byte>(21 * 1024 * 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("object", "eval.run");
            w.WriteString("id", runId);
            w.WriteString("eval_id", "e");
            w.WriteString("name", "Headline categorization, full corpus");
            w.WriteString("model", "gpt-4o-mini");
            w.WriteString("status", "completed");
            w.WriteNumber("created_at", 1743092069);
            w.WriteString("report_url", "https://platform.openai.com/evaluations/e?run_id=" + runId);
            w.WriteStartObject("result_counts");
            w.WriteNumber("total", items); w.WriteNumber("errored", 12); w.WriteNumber("failed", 4021); w.WriteNumber("passed", items - 4033);
            w.WriteEndObject();
            w.WriteStartArray("per_model_usage");
            w.WriteStartObject();
            w.WriteString("model_name", "gpt-4o-mini-2024-07-18");
            w.WriteNumber("invocation_count", items); w.WriteNumber("prompt_tokens", 3_250_000L); w.WriteNumber("completion_tokens", 100_000);
            w.WriteNumber("total_tokens", 3_350_000L); w.WriteNumber("cached_tokens", 0);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartArray("per_testing_criteria_results");
            w.WriteStartObject();
            w.WriteString("testing_criteria", "Match output to human label-4d2a7c1e-9b53-4f0a-8e61-2c7d5b9f3a10");
            w.WriteNumber("passed", items - 4033); w.WriteNumber("failed", 4033);
            w.WriteEndObject();
            w.WriteEndArray();

            w.WriteStartObject("data_source");
            w.WriteString("type", "completions");
            w.WriteStartObject("source");
            w.WriteString("type", "file_content");
            w.WriteStartArray("content");
            for (int i = 0; i < items; i++) WriteItem(w, i, small);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("input_messages");
            w.WriteString("type", "template");
            w.WriteStartArray("template");
            WriteMessage(w, "developer", "Categorize a given news headline into one of the following topics: Technology, Markets, World, Business, or Sports. Respond with the category as a single word.");
            WriteMessage(w, "user", "{{item.input}}");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteString("model", "gpt-4o-mini");
            w.WriteStartObject("sampling_params");
            w.WriteNumber("seed", 42); w.WriteNumber("temperature", 1.0); w.WriteNumber("top_p", 1.0); w.WriteNumber("max_completion_tokens", 2048);
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("metadata");
            w.WriteString("team", "bench");
            w.WriteEndObject();
            w.WriteNull("error");
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static string Headline(int i) => $"{Subjects[i % Subjects.Length]} {Events[i / Subjects.Length % Events.Length]} in Q{i % 4 + 1} #{i}";

    private static string Truth(int i) => Topics[i % Topics.Length];

    /// <summary>The model's answer: wrong for one item in twelve.</summary>
    private static string Answer(int i) => i % 12 == 0 ? Topics[(i + 1) % Topics.Length] : Truth(i);

    /// <summary>One inline item; a small one's sample has no input messages and no sampling settings.</summary>
    private static void WriteItem(Utf8JsonWriter w, int i, bool small)
    {
        int prompt = 60 + i % 9;

        w.WriteStartObject();
        w.WriteStartObject("item");
        w.WriteString("input", Headline(i));
        w.WriteString("ground_truth", Truth(i));
        w.WriteEndObject();
        w.WriteStartObject("sample");
        if (!small)
        {
            w.WriteStartArray("input");
            w.WriteStartObject(); w.WriteString("role", "user"); w.WriteString("content", Headline(i)); w.WriteEndObject();
            w.WriteEndArray();
        }
        w.WriteStartArray("output");
        w.WriteStartObject(); w.WriteString("role", "assistant"); w.WriteString("content", Answer(i)); w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("finish_reason", "stop");
        w.WriteString("model", "gpt-4o-mini-2024-07-18");
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", prompt); w.WriteNumber("completion_tokens", 2); w.WriteNumber("total_tokens", prompt + 2); w.WriteNumber("cached_tokens", 0);
        w.WriteEndObject();
        w.WriteNull("error");
        if (!small)
        {
            w.WriteNumber("temperature", 1.0);
            w.WriteNumber("max_completion_tokens", 2048);
            w.WriteNumber("top_p", 1.0);
        }
        w.WriteNumber("seed", 42);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter w, string role, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "message");
        w.WriteString("role", role);
        w.WriteStartObject("content");
        w.WriteString("type", "input_text");
        w.WriteString("text", text);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
