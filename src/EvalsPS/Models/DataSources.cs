using System;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>
    /// Where a run's items come from. The kind is told by Type: a JsonlDataSource,
    /// CompletionsDataSource or ResponsesDataSource; a kind this version does not know
    /// yet reads into this base class with its fields in AdditionalProperties.
    /// </summary>
    public class EvalRunDataSource
    {
        [JsonInclude] public string? Type { get; internal set; }

        [JsonInclude, JsonConverter(typeof(SourceConverter))]
        public EvalRunSource? Source { get; internal set; }

        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        /// <summary>Why a listed run's data_source could not be read as its kind (its fields are then all in AdditionalProperties).</summary>
        internal string? ReadError { get; set; }

        public override string ToString() =>
            ReadError != null ? $"{Type} (EvalsPS could not read it: {ReadError})"
            : Source is null ? Type ?? "" : $"{Type} from {Source}";
    }

    /// <summary>A data source of type jsonl.</summary>
    public sealed class JsonlDataSource : EvalRunDataSource { }

    /// <summary>A data source of type completions: items are sent to a model through chat completions.</summary>
    public sealed class CompletionsDataSource : ModelDataSource { }

    /// <summary>A data source of type responses: items are sent to a model through the Responses API.</summary>
    public sealed class ResponsesDataSource : ModelDataSource { }

    /// <summary>What the two model-driven kinds (completions, responses) have in common.</summary>
    public abstract class ModelDataSource : EvalRunDataSource
    {
        [JsonInclude, JsonConverter(typeof(InputMessagesConverter))]
        public EvalRunInputMessages? InputMessages { get; internal set; }

        [JsonInclude] public string? Model { get; internal set; }
        [JsonInclude] public EvalRunSamplingParams? SamplingParams { get; internal set; }

        public override string ToString() => Model is null ? base.ToString() : $"{base.ToString()} through {Model}";
    }

    /// <summary>
    /// The source of a data source's items: FileContentSource, FileIdSource,
    /// StoredCompletionsSource or ResponsesSource; an unknown kind reads into this base class.
    /// </summary>
    public class EvalRunSource
    {
        [JsonInclude] public string? Type { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>Items given inline.</summary>
    public sealed class FileContentSource : EvalRunSource
    {
        [JsonInclude] public EvalsList<FileContentItem>? Content { get; internal set; }

        public override string ToString() => $"file_content ({Content?.Count ?? 0} items)";
    }

    /// <summary>Items in an uploaded file.</summary>
    public sealed class FileIdSource : EvalRunSource
    {
        [JsonInclude] public string? Id { get; internal set; }

        public override string ToString() => $"file_id {Id}";
    }

    /// <summary>Items drawn from stored chat completions.</summary>
    public sealed class StoredCompletionsSource : EvalRunSource
    {
        [JsonInclude] public EvalRunMetadata? Metadata { get; internal set; }
        [JsonInclude] public string? Model { get; internal set; }
        [JsonInclude, JsonConverter(typeof(NullableUnixSecondsConverter))] public DateTime? CreatedAfter { get; internal set; }
        [JsonInclude, JsonConverter(typeof(NullableUnixSecondsConverter))] public DateTime? CreatedBefore { get; internal set; }
        [JsonInclude] public long? Limit { get; internal set; }

        public override string ToString() => Model is null ? "stored_completions" : $"stored_completions of {Model}";
    }

    /// <summary>Items drawn from stored responses.</summary>
    public sealed class ResponsesSource : EvalRunSource
    {
        [JsonInclude] public EvalRunMetadata? Metadata { get; internal set; }
        [JsonInclude] public string? Model { get; internal set; }
        [JsonInclude] public string? InstructionsSearch { get; internal set; }
        [JsonInclude, JsonConverter(typeof(NullableUnixSecondsConverter))] public DateTime? CreatedAfter { get; internal set; }
        [JsonInclude, JsonConverter(typeof(NullableUnixSecondsConverter))] public DateTime? CreatedBefore { get; internal set; }
        [JsonInclude] public string? ReasoningEffort { get; internal set; }
        [JsonInclude] public double? Temperature { get; internal set; }
        [JsonInclude] public double? TopP { get; internal set; }
        [JsonInclude] public EvalsList<string>? Users { get; internal set; }
        [JsonInclude] public EvalsList<string>? Tools { get; internal set; }

        public override string ToString() => Model is null ? "responses" : $"responses of {Model}";
    }

    /// <summary>One inline item, with an optional sample. Read by FileContentItemConverter (item, sample, and any other field).</summary>
    [JsonConverter(typeof(FileContentItemConverter))]
    public sealed class FileContentItem
    {
        internal RawJson ItemJson { get; set; }
        internal RawJson SampleJson { get; set; }
        public AdditionalProperties? AdditionalProperties { get; internal set; }

        /// <summary>The item, as PowerShell objects (its fields are properties).</summary>
        public object? Item => JsonValues.ToPowerShell(ItemJson);

        /// <summary>The sample, when the item carries one.</summary>
        public object? Sample => JsonValues.ToPowerShell(SampleJson);

        public override string ToString() => ItemJson.ToString();
    }

    /// <summary>How items become model input: TemplateInputMessages or ItemReferenceInputMessages.</summary>
    public class EvalRunInputMessages
    {
        [JsonInclude] public string? Type { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>Messages built from a template.</summary>
    public sealed class TemplateInputMessages : EvalRunInputMessages
    {
        [JsonInclude] public EvalsList<EvalRunMessage>? Template { get; internal set; }

        public override string ToString() => $"template ({Template?.Count ?? 0} messages)";
    }

    /// <summary>Messages taken from a field of each item.</summary>
    public sealed class ItemReferenceInputMessages : EvalRunInputMessages
    {
        [JsonInclude] public string? ItemReference { get; internal set; }

        public override string ToString() => $"item_reference {ItemReference}";
    }

    /// <summary>One message of a template.</summary>
    public sealed class EvalRunMessage
    {
        [JsonInclude] public string? Type { get; internal set; }
        [JsonInclude] public string? Role { get; internal set; }
        [JsonInclude, JsonPropertyName("content")] internal RawJson ContentJson { get; set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        /// <summary>The message text: the content itself when it is a string, else its text field(s).</summary>
        [JsonIgnore] public string? Text => JsonValues.MessageText(ContentJson);

        /// <summary>The content as PowerShell objects.</summary>
        [JsonIgnore] public object? Content => JsonValues.ToPowerShell(ContentJson);

        public override string ToString() => $"{Role}: {Text}";
    }

    /// <summary>Sampling settings of the model under evaluation.</summary>
    public sealed class EvalRunSamplingParams
    {
        [JsonInclude] public double? Temperature { get; internal set; }
        [JsonInclude] public double? TopP { get; internal set; }
        [JsonInclude] public long? Seed { get; internal set; }
        [JsonInclude] public long? MaxCompletionTokens { get; internal set; }

        // Some reference pages spell the field max_completions_tokens; read both.
        [JsonInclude, JsonPropertyName("max_completions_tokens"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        internal long? MaxCompletionsTokensSpelling
        {
            get => null;
            set { if (value.HasValue) MaxCompletionTokens = value; }
        }

        [JsonInclude] public string? ReasoningEffort { get; internal set; }
        [JsonInclude, JsonPropertyName("response_format")] internal RawJson ResponseFormatJson { get; set; }
        [JsonInclude, JsonPropertyName("tools")] internal RawJson ToolsJson { get; set; }
        [JsonInclude, JsonPropertyName("text")] internal RawJson TextJson { get; set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        /// <summary>response_format (completions), as PowerShell objects.</summary>
        [JsonIgnore] public object? ResponseFormat => JsonValues.ToPowerShell(ResponseFormatJson);

        /// <summary>tools, as PowerShell objects.</summary>
        [JsonIgnore] public object? Tools => JsonValues.ToPowerShell(ToolsJson);

        /// <summary>text (responses; holds text.format), as PowerShell objects.</summary>
        [JsonIgnore] public object? Text => JsonValues.ToPowerShell(TextJson);

        public override string ToString()
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Temperature.HasValue) parts.Add("temperature=" + Temperature.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (TopP.HasValue) parts.Add("top_p=" + TopP.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Seed.HasValue) parts.Add("seed=" + Seed.Value);
            if (MaxCompletionTokens.HasValue) parts.Add("max_completion_tokens=" + MaxCompletionTokens.Value);
            if (ReasoningEffort != null) parts.Add("reasoning_effort=" + ReasoningEffort);
            return string.Join("; ", parts);
        }
    }
}
