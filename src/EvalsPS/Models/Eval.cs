using System;
using System.Globalization;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>An eval: what its runs are given (the data source config) and how they are graded (the testing criteria).</summary>
    public sealed class Eval
    {
        internal Eval(JsonFields json)
        {
            Id = json.String("id") ?? "";
            json.Subject("eval", Id);
            Object = json.String("object");
            Name = json.String("name");
            CreatedAt = json.Time("created_at");
            Metadata = json.Metadata("metadata");
            DataSourceConfig = json.Object("data_source_config", EvalDataSourceConfig.Read);
            TestingCriteria = json.List("testing_criteria", EvalGrader.Read);
            AdditionalProperties = json.Rest();
        }

        public string? Object { get; }
        public string Id { get; }
        public string? Name { get; }

        /// <summary>When the eval was created, in UTC.</summary>
        public DateTime? CreatedAt { get; }

        public EvalRunMetadata? Metadata { get; }

        /// <summary>The shape of the items runs are given: a CustomDataSourceConfig, LogsDataSourceConfig or StoredCompletionsDataSourceConfig.</summary>
        public EvalDataSourceConfig? DataSourceConfig { get; }

        /// <summary>The graders, one EvalGrader subclass per type.</summary>
        public EvalsList<EvalGrader>? TestingCriteria { get; }

        /// <summary>Fields the API sent that this version of EvalsPS does not know yet, as PowerShell values.</summary>
        public AdditionalProperties? AdditionalProperties { get; }

        /// <summary>The eval id again, so an eval binds to -EvalId by property name.</summary>
        public string EvalId => Id;

        public override string ToString() => Name is null || Name == Id ? Id : $"{Name} ({Id})";
    }

    /// <summary>
    /// The data source config of an eval. The kind is told by Type: CustomDataSourceConfig,
    /// LogsDataSourceConfig or StoredCompletionsDataSourceConfig; a kind this version does not know
    /// yet reads into this base class with its fields in AdditionalProperties.
    /// </summary>
    public class EvalDataSourceConfig : ApiObject
    {
        internal EvalDataSourceConfig(JsonFields json)
        {
            Type = json.String("type");
            Schema = json.Value("schema");
            storedJson = json.Raw();
        }

        private readonly string storedJson;

        /// <summary>
        /// The config as a create request gives it (New-Eval copying an eval): the API stores a schema it derives; a
        /// request names the kind and its inputs. For custom, the item schema is the stored schema's item part, and
        /// the sample schema is asked for when the stored schema has a sample part.
        /// </summary>
        internal object ToRequest()
        {
            using var document = System.Text.Json.JsonDocument.Parse(storedJson);
            var stored = document.RootElement;
            var request = new System.Collections.Specialized.OrderedDictionary();
            foreach (var field in stored.EnumerateObject())
            {
                if (field.NameEquals("schema")) continue;
                request[field.Name] = new JsonFragment(field.Value);
            }
            if (Type == "custom")
            {
                if (!(stored.TryGetProperty("schema", out var schema) && schema.ValueKind == System.Text.Json.JsonValueKind.Object &&
                      schema.TryGetProperty("properties", out var properties) && properties.ValueKind == System.Text.Json.JsonValueKind.Object &&
                      properties.TryGetProperty("item", out var item) && item.ValueKind == System.Text.Json.JsonValueKind.Object))
                    throw new System.ArgumentException("The eval's custom data source config has no item schema (schema.properties.item) to copy.");
                request["item_schema"] = new JsonFragment(item);
                request["include_sample_schema"] = properties.TryGetProperty("sample", out _);
            }
            return request;
        }

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalDataSourceConfig Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "custom" => new CustomDataSourceConfig(json),
            "logs" => new LogsDataSourceConfig(json),
            "stored_completions" => new StoredCompletionsDataSourceConfig(json),
            _ => new EvalDataSourceConfig(json),
        });

        public string? Type { get; }

        /// <summary>The JSON Schema of the item (and sample) namespaces, as PowerShell values.</summary>
        public object? Schema { get; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>Items of the shape the eval's own schema describes.</summary>
    public sealed class CustomDataSourceConfig : EvalDataSourceConfig
    {
        internal CustomDataSourceConfig(JsonFields json) : base(json) { }
    }

    /// <summary>Items drawn from logs, selected by metadata.</summary>
    public sealed class LogsDataSourceConfig : EvalDataSourceConfig
    {
        internal LogsDataSourceConfig(JsonFields json) : base(json) => Metadata = json.Metadata("metadata");

        public EvalRunMetadata? Metadata { get; }

        public override string ToString() => Metadata is null || Metadata.Count == 0 ? "logs" : $"logs ({Metadata})";
    }

    /// <summary>Items drawn from stored chat completions (deprecated by the API in favour of logs).</summary>
    public sealed class StoredCompletionsDataSourceConfig : EvalDataSourceConfig
    {
        internal StoredCompletionsDataSourceConfig(JsonFields json) : base(json) => Metadata = json.Metadata("metadata");

        public EvalRunMetadata? Metadata { get; }

        public override string ToString() => Metadata is null || Metadata.Count == 0 ? "stored_completions" : $"stored_completions ({Metadata})";
    }

    /// <summary>
    /// One testing criterion of an eval. The kind is told by Type: LabelModelGrader, StringCheckGrader,
    /// TextSimilarityGrader, PythonGrader or ScoreModelGrader; a kind this version does not know yet
    /// reads into this base class with its fields in AdditionalProperties.
    /// </summary>
    public class EvalGrader : ApiObject
    {
        internal EvalGrader(JsonFields json)
        {
            Type = json.String("type");
            Name = json.String("name");
            Id = json.String("id");
            storedJson = json.Raw();
        }

        private readonly string storedJson;

        /// <summary>
        /// The criterion as a create request gives it (New-Eval copying an eval): as stored, without the id the server
        /// added and without the fields it answers as null (such as a label_model's sampling_params), which no request sets.
        /// </summary>
        internal JsonFragment ToRequest()
        {
            using var document = System.Text.Json.JsonDocument.Parse(storedJson);
            using var buffer = new System.IO.MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                foreach (var field in document.RootElement.EnumerateObject())
                {
                    if (field.NameEquals("id") || field.Value.ValueKind == System.Text.Json.JsonValueKind.Null) continue;
                    field.WriteTo(writer);
                }
                writer.WriteEndObject();
            }
            using var written = System.Text.Json.JsonDocument.Parse(buffer.ToArray());
            return new JsonFragment(written.RootElement);
        }

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalGrader Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "label_model" => new LabelModelGrader(json),
            "string_check" => new StringCheckGrader(json),
            "text_similarity" => new TextSimilarityGrader(json),
            "python" => new PythonGrader(json),
            "score_model" => new ScoreModelGrader(json),
            _ => new EvalGrader(json),
        });

        public string? Type { get; }
        public string? Name { get; }

        /// <summary>"name-uuid": the name a run's PerTestingCriteriaResults and an output item's Results use.</summary>
        public string? Id { get; }

        public override string ToString() => $"{Name} ({Type})";
    }

    /// <summary>A model picks a label for each sample; some labels pass.</summary>
    public sealed class LabelModelGrader : EvalGrader
    {
        internal LabelModelGrader(JsonFields json) : base(json)
        {
            Model = json.String("model");
            Input = json.List("input", message => new EvalRunMessage(message));
            Labels = json.Strings("labels");
            PassingLabels = json.Strings("passing_labels");
            SamplingParams = json.Object("sampling_params", sampling => new EvalGraderSamplingParams(sampling));
        }

        public string? Model { get; }

        /// <summary>The grader's prompt; strings such as {{item.input}} are templates, kept as written.</summary>
        public EvalsList<EvalRunMessage>? Input { get; }

        public EvalsList<string>? Labels { get; }
        public EvalsList<string>? PassingLabels { get; }
        public EvalGraderSamplingParams? SamplingParams { get; }
    }

    /// <summary>Compares two template strings with eq, ne, like or ilike.</summary>
    public sealed class StringCheckGrader : EvalGrader
    {
        internal StringCheckGrader(JsonFields json) : base(json)
        {
            Input = json.String("input");
            Reference = json.String("reference");
            Operation = json.String("operation");
        }

        public string? Input { get; }
        public string? Reference { get; }

        /// <summary>eq, ne, like or ilike.</summary>
        public string? Operation { get; }

        public override string ToString() => $"{Name} ({Type}: {Input} {Operation} {Reference})";
    }

    /// <summary>Scores how similar two template strings are; passes at PassThreshold.</summary>
    public sealed class TextSimilarityGrader : EvalGrader
    {
        internal TextSimilarityGrader(JsonFields json) : base(json)
        {
            Input = json.String("input");
            Reference = json.String("reference");
            EvaluationMetric = json.String("evaluation_metric");
            PassThreshold = json.Double("pass_threshold");
        }

        public string? Input { get; }
        public string? Reference { get; }

        /// <summary>cosine, fuzzy_match, bleu, gleu, meteor, rouge_1 to rouge_5 or rouge_l.</summary>
        public string? EvaluationMetric { get; }

        public double? PassThreshold { get; }

        public override string ToString() =>
            $"{Name} ({Type}: {EvaluationMetric} >= {PassThreshold?.ToString(CultureInfo.InvariantCulture)})";
    }

    /// <summary>Python code that scores each sample.</summary>
    public sealed class PythonGrader : EvalGrader
    {
        internal PythonGrader(JsonFields json) : base(json)
        {
            Source = json.String("source");
            ImageTag = json.String("image_tag");
            PassThreshold = json.Double("pass_threshold");
        }

        /// <summary>The Python source.</summary>
        public string? Source { get; }

        public string? ImageTag { get; }
        public double? PassThreshold { get; }
    }

    /// <summary>A model gives each sample a score in Range; passes at PassThreshold.</summary>
    public sealed class ScoreModelGrader : EvalGrader
    {
        internal ScoreModelGrader(JsonFields json) : base(json)
        {
            Model = json.String("model");
            Input = json.List("input", message => new EvalRunMessage(message));
            Range = json.Value("range");
            SamplingParams = json.Object("sampling_params", sampling => new EvalGraderSamplingParams(sampling));
            PassThreshold = json.Double("pass_threshold");
        }

        public string? Model { get; }

        /// <summary>The grader's prompt; strings such as {{item.input}} are templates, kept as written.</summary>
        public EvalsList<EvalRunMessage>? Input { get; }

        /// <summary>[min, max] as PowerShell values; the API's default is [0, 1].</summary>
        public object? Range { get; }

        public EvalGraderSamplingParams? SamplingParams { get; }
        public double? PassThreshold { get; }
    }

    /// <summary>Sampling settings of a grader's model.</summary>
    public sealed class EvalGraderSamplingParams : ApiObject
    {
        internal EvalGraderSamplingParams(JsonFields json)
        {
            Seed = json.Long("seed");
            TopP = json.Double("top_p");
            Temperature = json.Double("temperature");
            // The grader schema spells it max_completions_tokens; read the run's spelling too.
            MaxCompletionTokens = json.Long("max_completions_tokens") ?? json.Long("max_completion_tokens");
            ReasoningEffort = json.String("reasoning_effort");
            AdditionalProperties = json.Rest();
        }

        public long? Seed { get; }
        public double? TopP { get; }
        public double? Temperature { get; }
        public long? MaxCompletionTokens { get; }
        public string? ReasoningEffort { get; }

        public override string ToString() =>
            EvalRunSamplingParams.Describe(Temperature, TopP, Seed, "max_completions_tokens", MaxCompletionTokens, ReasoningEffort);
    }
}
