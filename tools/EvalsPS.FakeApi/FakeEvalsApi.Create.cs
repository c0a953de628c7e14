using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;

namespace EvalsPS.FakeApi
{
    /// <summary>
    /// Writing: creating, updating and deleting evals, and creating runs. A created run answers queued, then
    /// in_progress and completed on the next two GETs of it; on completion it gets one output item per item, graded by
    /// a deterministic rule that depends on the model, so two runs of the same items with different models differ on
    /// some items (see <see cref="Fails"/>).
    /// </summary>
    public sealed partial class FakeEvalsApi
    {
        /// <summary>Twelve support tickets, one JSON object per line ({"input", "ground_truth"}), for the tour and tests.</summary>
        public static string TicketsJsonl { get; } = string.Join("\n", new[]
        {
            "{\"input\":\"I was charged twice for my subscription this month.\",\"ground_truth\":\"Billing\"}",
            "{\"input\":\"The app crashes when I open the settings page.\",\"ground_truth\":\"Bug\"}",
            "{\"input\":\"How do I export my data to CSV?\",\"ground_truth\":\"Question\"}",
            "{\"input\":\"Please add a dark mode.\",\"ground_truth\":\"Feature request\"}",
            "{\"input\":\"My invoice shows the wrong company address.\",\"ground_truth\":\"Billing\"}",
            "{\"input\":\"Login fails with error 500 since this morning.\",\"ground_truth\":\"Bug\"}",
            "{\"input\":\"Can I change the email address of my account?\",\"ground_truth\":\"Question\"}",
            "{\"input\":\"It would be great to schedule reports weekly.\",\"ground_truth\":\"Feature request\"}",
            "{\"input\":\"I want a refund for the annual plan.\",\"ground_truth\":\"Billing\"}",
            "{\"input\":\"Images do not load on the dashboard.\",\"ground_truth\":\"Bug\"}",
            "{\"input\":\"Where can I find the API documentation?\",\"ground_truth\":\"Question\"}",
            "{\"input\":\"Support single sign-on with our identity provider.\",\"ground_truth\":\"Feature request\"}",
        }) + "\n";

        private static readonly JsonSerializerOptions WriteOptions = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        // Runs made by CreateRun, with what their output items are made from; guarded by gate.
        private readonly Dictionary<RunEntry, CreatedRun> createdRuns = new Dictionary<RunEntry, CreatedRun>();
        private long nextCreatedId;

        /// <summary>
        /// Adds an eval of support tickets (a custom item schema of input and ground_truth, one string check) with a
        /// completed run named "baseline gpt-4o" over the first ten lines of <see cref="TicketsJsonl"/>. Returns the run id.
        /// </summary>
        public string AddTicketsEval(string evalId)
        {
            CheckId(evalId, nameof(evalId));
            var request = (JsonObject)JsonNode.Parse(
                "{\"name\":\"Ticket triage\",\"metadata\":{\"team\":\"support\"}," +
                "\"data_source_config\":{\"type\":\"custom\",\"item_schema\":{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\"},\"ground_truth\":{\"type\":\"string\"}},\"required\":[\"input\",\"ground_truth\"]},\"include_sample_schema\":true}," +
                "\"testing_criteria\":[{\"type\":\"string_check\",\"name\":\"Matches the label\",\"input\":\"{{sample.output_text}}\",\"reference\":\"{{item.ground_truth}}\",\"operation\":\"eq\"}]}")!;
            lock (gate)
            {
                if (evals.ContainsKey(evalId)) throw new ArgumentException($"There is already an eval '{evalId}'.", nameof(evalId));
                StoreEval(evalId, request);
            }
            var lines = TicketsJsonl.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
            return AddCompletedRun(evalId, "baseline gpt-4o", "gpt-4o", string.Join("\n", lines, 0, 10));
        }

        /// <summary>
        /// Adds a completed run of the eval over these JSONL items, graded as a created run is when it completes, and
        /// returns its id. With a model it is a completions run, without one (null or empty) a jsonl run.
        /// </summary>
        public string AddCompletedRun(string evalId, string name, string? model, string jsonl)
        {
            CheckId(evalId, nameof(evalId));
            if (jsonl is null) throw new ArgumentNullException(nameof(jsonl));
            var content = new JsonArray();
            foreach (string line in jsonl.Split('\n'))
                if (line.Trim().Length > 0) content.Add(new JsonObject { ["item"] = JsonNode.Parse(line) });
            var dataSource = new JsonObject { ["type"] = string.IsNullOrEmpty(model) ? "jsonl" : "completions" };
            if (!string.IsNullOrEmpty(model)) dataSource["model"] = model;
            dataSource["source"] = new JsonObject { ["type"] = "file_content", ["content"] = content };
            var request = new JsonObject { ["name"] = name, ["data_source"] = dataSource };
            lock (gate)
            {
                if (!evals.ContainsKey(evalId)) throw new ArgumentException($"There is no eval '{evalId}'.", nameof(evalId));
                Reply reply = CreateRunLocked(evalId, request, out RunEntry? run);
                if (run is null) throw new ArgumentException("The run cannot be made: " + Encoding.UTF8.GetString(reply.Body), nameof(jsonl));
                run.StatusSequence = null;
                run.Status = "completed";
                run.Json = StoredRunJson.WithStatus(run.Json!, "completed");
                RunStatusChanged(run);
                return run.Id;
            }
        }

        // ---------------------------------------------------------------- endpoints

        private Reply CreateEval(byte[] body)
        {
            if (ReadBody(body, out JsonObject? request) is Reply bad) return bad;
            if (!(request!["data_source_config"] is JsonObject config))
                return BadRequest("Missing required parameter: 'data_source_config'.", "missing_required_parameter", "data_source_config");
            string? kind = Text(config["type"]);
            if (kind != "custom" && kind != "logs" && kind != "stored_completions")
                return BadRequest($"Invalid value for 'data_source_config.type': '{kind}'.", "invalid_value", "data_source_config.type");
            if (kind == "custom" && !(config["item_schema"] is JsonObject))
                return BadRequest("Missing required parameter: 'data_source_config.item_schema'.", "missing_required_parameter", "data_source_config.item_schema");
            if (!(request["testing_criteria"] is JsonArray criteria))
                return BadRequest("Missing required parameter: 'testing_criteria'.", "missing_required_parameter", "testing_criteria");
            for (int i = 0; i < criteria.Count; i++)
            {
                if (!(criteria[i] is JsonObject criterion) || Text(criterion["type"]) is null || Text(criterion["name"]) is null)
                    return BadRequest($"Invalid 'testing_criteria[{i}]': a grader needs a 'type' and a 'name'.", "invalid_value", $"testing_criteria[{i}]");
            }
            lock (gate)
            {
                string id;
                do id = NewId("eval_");
                while (evals.ContainsKey(id));
                return new Reply(201, StoreEval(id, request));
            }
        }

        private Reply UpdateEval(string evalId, byte[] body)
        {
            if (ReadBody(body, out JsonObject? request) is Reply bad) return bad;
            foreach (var field in request!)
            {
                if (field.Key != "name" && field.Key != "metadata")
                    return BadRequest($"Unrecognized request argument supplied: {field.Key}", "unknown_parameter", field.Key);
            }
            if (request["name"] is JsonNode name && Text(name) is null)
                return BadRequest("Invalid type for 'name': expected a string.", "invalid_type", "name");
            if (request["metadata"] is JsonNode metadata && !(metadata is JsonObject))
                return BadRequest("Invalid type for 'metadata': expected an object.", "invalid_type", "metadata");
            lock (gate)
            {
                if (!evals.TryGetValue(evalId, out EvalEntry? eval)) return NotFound($"Eval with id '{evalId}' not found.");
                var stored = (JsonObject)JsonNode.Parse(RenderEval(evalId, eval))!;
                if (request["name"] is JsonNode newName)
                {
                    eval.Name = Text(newName);
                    stored["name"] = eval.Name;
                }
                if (request.ContainsKey("metadata")) stored["metadata"] = request["metadata"]?.DeepClone();
                eval.Json = stored.ToJsonString(WriteOptions);
                return Ok(eval.Json);
            }
        }

        private Reply DeleteEval(string evalId)
        {
            lock (gate)
            {
                if (!evals.Remove(evalId)) return NotFound($"Eval with id '{evalId}' not found.");
            }
            return Ok(new StringBuilder(80).Append("{\"object\":\"eval.deleted\",\"deleted\":true,").Prop("eval_id").Str(evalId).Append('}').ToString());
        }

        private Reply CreateRun(string evalId, byte[] body)
        {
            if (ReadBody(body, out JsonObject? request) is Reply bad) return bad;
            lock (gate) return CreateRunLocked(evalId, request!, out _);
        }

        // ---------------------------------------------------------------- creating

        /// <summary>Stores an eval as the API answers a create request for it, and returns its JSON. Under the gate.</summary>
        private string StoreEval(string id, JsonObject request)
        {
            var config = (JsonObject)request["data_source_config"]!;
            string kind = Text(config["type"])!;
            var storedConfig = new JsonObject { ["type"] = kind };
            var properties = new JsonObject();
            if (kind == "custom")
            {
                properties["item"] = config["item_schema"]!.DeepClone();
                if (config["include_sample_schema"] is JsonValue include && include.TryGetValue(out bool withSample) && withSample)
                    properties["sample"] = SampleSchema();
            }
            else
            {
                properties["item"] = new JsonObject { ["type"] = "object" };
                properties["sample"] = SampleSchema();
                storedConfig["metadata"] = config["metadata"]?.DeepClone();
            }
            var required = new JsonArray();
            foreach (var property in properties) required.Add(property.Key);
            storedConfig["schema"] = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };

            var criteria = new JsonArray();
            int number = 0;
            foreach (JsonNode? criterion in (JsonArray)request["testing_criteria"]!)
            {
                var stored = (JsonObject)criterion!.DeepClone();
                // The API adds "<name>-<uuid>"; a fixed uuid per position keeps the fake deterministic.
                stored["id"] = Text(stored["name"]) + "-" + (0x4d2a7c1eL + ++number).ToString("x8", CultureInfo.InvariantCulture) + "-9b53-4f0a-8e61-" + Hash(id).ToString("x8", CultureInfo.InvariantCulture) + "0000";
                criteria.Add(stored);
            }

            EvalEntry eval = GetOrAddEval(id);
            var json = new JsonObject
            {
                ["object"] = "eval",
                ["id"] = id,
                ["name"] = Text(request["name"]) ?? "",
                ["created_at"] = eval.CreatedAt,
                ["metadata"] = request["metadata"]?.DeepClone() ?? new JsonObject(),
                ["data_source_config"] = storedConfig,
                ["testing_criteria"] = criteria,
            };
            eval.Name = Text(request["name"]) ?? "";
            eval.Json = json.ToJsonString(WriteOptions);
            return eval.Json;
        }

        private static JsonObject SampleSchema() => (JsonObject)JsonNode.Parse(
            "{\"type\":\"object\",\"properties\":{\"model\":{\"type\":\"string\"},\"choices\":{\"type\":\"array\"},\"output_text\":{\"type\":\"string\"}},\"required\":[\"model\",\"choices\"]}")!;

        /// <summary>Checks a create-run request as the API does, and makes the queued run. Under the gate.</summary>
        private Reply CreateRunLocked(string evalId, JsonObject request, out RunEntry? created)
        {
            created = null;
            if (!evals.TryGetValue(evalId, out EvalEntry? eval)) return NotFound($"Eval with id '{evalId}' not found.");
            if (!(request["data_source"] is JsonObject dataSource))
                return BadRequest("Missing required parameter: 'data_source'.", "missing_required_parameter", "data_source");
            string? kind = Text(dataSource["type"]);
            if (kind != "jsonl" && kind != "completions" && kind != "responses")
                return BadRequest($"Invalid value for 'data_source.type': '{kind}'.", "invalid_value", "data_source.type");
            if (!(dataSource["source"] is JsonObject source))
                return BadRequest("Missing required parameter: 'data_source.source'.", "missing_required_parameter", "data_source.source");

            var items = new List<(JsonObject Item, JsonObject? Sample)>();
            string? sourceKind = Text(source["type"]);
            if (sourceKind == "file_content")
            {
                if (!(source["content"] is JsonArray content) || content.Count == 0)
                    return BadRequest("'data_source.source.content' must be a non-empty array.", "invalid_value", "data_source.source.content");
                var required = RequiredItemFields(RenderEval(evalId, eval));
                for (int i = 0; i < content.Count; i++)
                {
                    if (!(content[i] is JsonObject line) || !(line["item"] is JsonObject item))
                        return BadRequest($"'data_source.source.content[{i}]' must be an object with an 'item' object.", "invalid_value", $"data_source.source.content[{i}]");
                    foreach (string field in required)
                    {
                        if (!item.ContainsKey(field))
                            return BadRequest($"'data_source.source.content[{i}].item' does not match the eval's item schema: '{field}' is required.", "invalid_value", $"data_source.source.content[{i}].item");
                    }
                    items.Add((item, line["sample"] as JsonObject));
                }
            }
            else if (sourceKind == "file_id" && Text(source["id"]) != null ||
                     sourceKind == "stored_completions" && kind == "completions" || sourceKind == "responses" && kind == "responses")
            {
                // Items the fake makes up for a file or a log query it does not have.
                for (int i = 1; i <= 5; i++)
                    items.Add((new JsonObject { ["input"] = "Stored item " + i.ToString(CultureInfo.InvariantCulture), ["ground_truth"] = "Question" }, null));
            }
            else
            {
                return BadRequest($"Invalid value for 'data_source.source.type': '{sourceKind}'.", "invalid_value", "data_source.source.type");
            }

            string? model = Text(dataSource["model"]);
            var echoed = (JsonObject)dataSource.DeepClone();
            if (echoed["input_messages"] is JsonObject messages && messages["template"] is JsonArray template)
            {
                // The API echoes a short template message {role, content: "text"} in its long form.
                for (int i = 0; i < template.Count; i++)
                {
                    if (template[i] is JsonObject message && !message.ContainsKey("type") && Text(message["content"]) is string text)
                        template[i] = new JsonObject
                        {
                            ["type"] = "message",
                            ["role"] = message["role"]?.DeepClone(),
                            ["content"] = new JsonObject { ["type"] = "input_text", ["text"] = text },
                        };
                }
            }

            string id;
            do id = NewId("evalrun_");
            while (eval.ById.ContainsKey(id));
            long createdAt = nextCreatedAt++;
            string name = Text(request["name"]) ?? model ?? kind!;
            var run = new JsonObject
            {
                ["object"] = "eval.run",
                ["id"] = id,
                ["eval_id"] = evalId,
                ["name"] = name,
                ["model"] = model,
                ["status"] = "queued",
                ["created_at"] = createdAt,
                ["report_url"] = "https://platform.openai.com/evaluations/" + Uri.EscapeDataString(evalId) + "?run_id=" + Uri.EscapeDataString(id),
                ["result_counts"] = Counts(0, 0, 0),
                ["per_model_usage"] = null,
                ["per_testing_criteria_results"] = null,
                ["data_source"] = echoed,
                ["metadata"] = request["metadata"]?.DeepClone() ?? new JsonObject(),
                ["error"] = null,
            };
            var entry = new RunEntry(id, evalId, "queued", createdAt, nextSeq++, 0, name, run.ToJsonString(WriteOptions))
            {
                StatusSequence = new Queue<string>(new[] { "in_progress", "completed" }),
            };
            eval.Add(entry);
            createdRuns[entry] = new CreatedRun(model ?? "", items, Criteria(RenderEval(evalId, eval)), echoed);
            created = entry;
            return new Reply(201, entry.Json!);
        }

        /// <summary>When a created run completes: its output items, result counts, usage and per-criterion results. Under the gate.</summary>
        private void RunStatusChanged(RunEntry run)
        {
            if (run.Status != "completed" || !createdRuns.TryGetValue(run, out CreatedRun? made) || made.Completed) return;
            made.Completed = true;
            var criteriaPassed = new int[made.Criteria.Count];
            int passed = 0;
            for (int n = 0; n < made.Items.Count; n++)
            {
                string item = OutputItem(run, made, n, criteriaPassed, out bool itemPassed);
                if (itemPassed) passed++;
                run.ItemCount++;
                run.Items.Add(new ItemEntry(CreatedOutputItemId(run, n),
                    itemPassed ? "pass" : "fail", run.CreatedAt + 60 + n, n + 1, item));
            }

            var json = (JsonObject)JsonNode.Parse(run.Json!)!;
            int total = made.Items.Count;
            json["result_counts"] = Counts(total, total - passed, passed);
            json["per_model_usage"] = made.Model.Length == 0 ? new JsonArray() : new JsonArray(new JsonObject
            {
                ["model_name"] = made.Model,
                ["invocation_count"] = total,
                ["prompt_tokens"] = 120 * total,
                ["completion_tokens"] = 3 * total,
                ["total_tokens"] = 123 * total,
                ["cached_tokens"] = 0,
            });
            var perCriterion = new JsonArray();
            for (int c = 0; c < made.Criteria.Count; c++)
                perCriterion.Add(new JsonObject { ["testing_criteria"] = made.Criteria[c].Id, ["passed"] = criteriaPassed[c], ["failed"] = total - criteriaPassed[c] });
            json["per_testing_criteria_results"] = perCriterion;
            run.Json = json.ToJsonString(WriteOptions);
        }

        /// <summary>
        /// The rule that grades item n of a run on a model: about one item in four fails, which ones depends on the
        /// model, so runs on different models regress on some items and are fixed on others.
        /// </summary>
        private static bool Fails(string model, int n) => Hash(model + "\n" + n.ToString(CultureInfo.InvariantCulture)) % 4 == 0;

        // One id per created item, for the listing's entry (what "after" pages by) and the item's JSON alike.
        private static string CreatedOutputItemId(RunEntry run, int n) =>
            "outputitem_" + run.Id.Substring("evalrun_".Length) + n.ToString("D4", CultureInfo.InvariantCulture);

        private static string OutputItem(RunEntry run, CreatedRun made, int n, int[] criteriaPassed, out bool itemPassed)
        {
            (JsonObject item, JsonObject? sample) = made.Items[n];
            bool fails = Fails(made.Model, n);
            string? truth = Text(item["ground_truth"]);
            string answer = sample != null && Text(sample["output_text"]) is string given ? given
                : fails ? (truth == "Question" ? "Bug" : "Question")
                : truth ?? "ok";

            var results = new JsonArray();
            itemPassed = true;
            for (int c = 0; c < made.Criteria.Count; c++)
            {
                uint h = Hash(made.Model + "\n" + n.ToString(CultureInfo.InvariantCulture) + "\n" + c.ToString(CultureInfo.InvariantCulture));
                bool passed = c == 0 ? !fails : !(fails && h % 2 == 0);
                double score = c == 0 ? (passed ? 1.0 : 0.0) : (passed ? 0.5 : 0.0) + (h % 50) / 100.0;
                if (passed) criteriaPassed[c]++;
                else itemPassed = false;
                results.Add(new JsonObject
                {
                    ["name"] = made.Criteria[c].Id,
                    ["type"] = made.Criteria[c].Type.Replace('_', '-') + "-grader",
                    ["sample"] = null,
                    ["passed"] = passed,
                    ["score"] = score,
                });
            }
            if (made.Criteria.Count == 0) itemPassed = !fails;

            var input = new JsonArray();
            if (made.DataSource["input_messages"] is JsonObject messages && messages["template"] is JsonArray template)
            {
                foreach (JsonNode? message in template)
                {
                    string content = message?["content"] is JsonObject part ? Text(part["text"]) ?? "" : Text(message?["content"]) ?? "";
                    input.Add(new JsonObject { ["role"] = Text(message?["role"]) ?? "user", ["content"] = Fill(content, item) });
                }
            }

            return new JsonObject
            {
                ["object"] = "eval.run.output_item",
                ["id"] = CreatedOutputItemId(run, n),
                ["created_at"] = run.CreatedAt + 60 + n,
                ["run_id"] = run.Id,
                ["eval_id"] = run.EvalId,
                ["status"] = itemPassed ? "pass" : "fail",
                ["datasource_item_id"] = n,
                ["datasource_item"] = item.DeepClone(),
                ["results"] = results,
                ["sample"] = new JsonObject
                {
                    ["input"] = input,
                    ["output"] = new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = answer }),
                    ["finish_reason"] = "stop",
                    ["model"] = made.Model,
                    ["usage"] = new JsonObject { ["total_tokens"] = 123, ["completion_tokens"] = 3, ["prompt_tokens"] = 120, ["cached_tokens"] = 0 },
                    ["error"] = null,
                    ["temperature"] = 1.0,
                    ["max_completion_tokens"] = 2048,
                    ["top_p"] = 1.0,
                    ["seed"] = 42,
                },
            }.ToJsonString(WriteOptions);
        }

        /// <summary>{{item.key}} replaced by the item's value, as the API fills a template.</summary>
        private static string Fill(string template, JsonObject item)
        {
            foreach (var field in item)
                template = template.Replace("{{item." + field.Key + "}}", field.Value is JsonValue value && value.TryGetValue(out string? text) ? text : field.Value?.ToJsonString() ?? "");
            return template;
        }

        private static JsonObject Counts(int total, int failed, int passed) =>
            new JsonObject { ["total"] = total, ["errored"] = 0, ["failed"] = failed, ["passed"] = passed };

        /// <summary>The item fields the eval's custom schema requires (none for other configs).</summary>
        private static List<string> RequiredItemFields(string evalJson)
        {
            var fields = new List<string>();
            if (JsonNode.Parse(evalJson)?["data_source_config"]?["schema"]?["properties"]?["item"]?["required"] is JsonArray required)
                foreach (JsonNode? field in required)
                    if (Text(field) is string name) fields.Add(name);
            return fields;
        }

        private static List<(string Id, string Type)> Criteria(string evalJson)
        {
            var criteria = new List<(string, string)>();
            if (JsonNode.Parse(evalJson)?["testing_criteria"] is JsonArray stored)
                foreach (JsonNode? criterion in stored)
                    criteria.Add((Text(criterion?["id"]) ?? Text(criterion?["name"]) ?? "", Text(criterion?["type"]) ?? ""));
            return criteria;
        }

        private static Reply? ReadBody(byte[] body, out JsonObject? request)
        {
            request = null;
            try
            {
                request = JsonNode.Parse(body) as JsonObject;
            }
            catch (JsonException e)
            {
                return BadRequest("We could not parse the JSON body of your request: " + e.Message, "invalid_json", null);
            }
            return request is null ? BadRequest("The body of your request must be a JSON object.", "invalid_json", null) : null;
        }

        private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

        private string NewId(string prefix) =>
            prefix + "68ee" + Interlocked.Increment(ref nextCreatedId).ToString("x20", CultureInfo.InvariantCulture);

        /// <summary>
        /// FNV-1a with MurmurHash3's finalizer: the same on every runtime and run, unlike string.GetHashCode; the
        /// finalizer spreads every character into the low bits, which FNV alone leaves to the last few characters.
        /// </summary>
        private static uint Hash(string text)
        {
            uint hash = 2166136261;
            foreach (char c in text)
            {
                hash ^= c;
                hash *= 16777619;
            }
            hash ^= hash >> 16;
            hash *= 0x85ebca6b;
            hash ^= hash >> 13;
            hash *= 0xc2b2ae35;
            return hash ^ (hash >> 16);
        }

        private sealed class CreatedRun
        {
            internal CreatedRun(string model, List<(JsonObject, JsonObject?)> items, List<(string, string)> criteria, JsonObject dataSource)
            {
                Model = model; Items = items; Criteria = criteria; DataSource = dataSource;
            }

            internal string Model { get; }
            internal List<(JsonObject Item, JsonObject? Sample)> Items { get; }
            internal List<(string Id, string Type)> Criteria { get; }
            internal JsonObject DataSource { get; }
            internal bool Completed { get; set; }
        }
    }
}
