using System;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EvalsPS.FakeApi
{
    /// <summary>
    /// Runs added as JSON text (fixtures). Kept apart so System.Text.Json is loaded only when a
    /// JSON run is added or changed, never on the generated-run paths.
    /// </summary>
    internal static class StoredRunJson
    {
        private static readonly JsonSerializerOptions Options = new JsonSerializerOptions
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static string Prepare(string json, string evalId, out string id, out string status, out long createdAt)
        {
            JsonObject run = ParseObject(json);
            id = run["id"] is JsonValue idValue && idValue.TryGetValue(out string? text) && !string.IsNullOrEmpty(text)
                ? text!
                : throw new ArgumentException("The run JSON has no string \"id\".", nameof(json));
            status = run["status"] is JsonValue statusValue && statusValue.TryGetValue(out string? s) && s != null ? s : "";
            createdAt = run["created_at"] is JsonValue createdValue && createdValue.TryGetValue(out long c) ? c : 0;
            run["eval_id"] = evalId;
            return run.ToJsonString(Options);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static string PrepareEval(string json, out string id, out long createdAt)
        {
            JsonObject eval = ParseObject(json);
            id = eval["id"] is JsonValue idValue && idValue.TryGetValue(out string? text) && !string.IsNullOrEmpty(text)
                ? text!
                : throw new ArgumentException("The eval JSON has no string \"id\".", nameof(json));
            createdAt = eval["created_at"] is JsonValue createdValue && createdValue.TryGetValue(out long c) ? c : 0;
            return eval.ToJsonString(Options);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static string PrepareItem(string json, string evalId, string runId, out string id, out string status, out long createdAt)
        {
            JsonObject item = ParseObject(json);
            id = item["id"] is JsonValue idValue && idValue.TryGetValue(out string? text) && !string.IsNullOrEmpty(text)
                ? text!
                : throw new ArgumentException("The output item JSON has no string \"id\".", nameof(json));
            status = item["status"] is JsonValue statusValue && statusValue.TryGetValue(out string? s) && s != null ? s : "";
            createdAt = item["created_at"] is JsonValue createdValue && createdValue.TryGetValue(out long c) ? c : 0;
            item["eval_id"] = evalId;
            item["run_id"] = runId;
            return item.ToJsonString(Options);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        internal static string WithStatus(string json, string status)
        {
            JsonObject run = ParseObject(json);
            run["status"] = status;
            return run.ToJsonString(Options);
        }

        private static JsonObject ParseObject(string json)
        {
            JsonNode? node;
            try { node = JsonNode.Parse(json); }
            catch (JsonException e) { throw new ArgumentException("The run JSON is not valid JSON: " + e.Message, nameof(json), e); }
            return node as JsonObject ?? throw new ArgumentException("The run JSON must be a JSON object.", nameof(json));
        }
    }
}
