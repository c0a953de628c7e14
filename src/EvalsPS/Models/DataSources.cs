using System;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>
    /// Where a run's items come from. The kind is told by Type: a JsonlDataSource,
    /// CompletionsDataSource or ResponsesDataSource; a kind this version does not know
    /// yet reads into this base class with its fields in AdditionalProperties.
    /// </summary>
    public class EvalRunDataSource : ApiObject
    {
        internal EvalRunDataSource(JsonFields json)
        {
            Type = json.String("type");
            Source = json.Object("source", EvalRunSource.Read);
        }

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunDataSource Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "jsonl" => new JsonlDataSource(json),
            "completions" => new CompletionsDataSource(json),
            "responses" => new ResponsesDataSource(json),
            _ => new EvalRunDataSource(json),
        });

        public string? Type { get; }
        public EvalRunSource? Source { get; }

        public override string ToString() => Source is null ? Type ?? "" : $"{Type} from {Source}";
    }

    /// <summary>A data source of type jsonl.</summary>
    public sealed class JsonlDataSource : EvalRunDataSource
    {
        internal JsonlDataSource(JsonFields json) : base(json) { }
    }

    /// <summary>A data source of type completions: items are sent to a model through chat completions.</summary>
    public sealed class CompletionsDataSource : ModelDataSource
    {
        internal CompletionsDataSource(JsonFields json) : base(json) { }
    }

    /// <summary>A data source of type responses: items are sent to a model through the Responses API.</summary>
    public sealed class ResponsesDataSource : ModelDataSource
    {
        internal ResponsesDataSource(JsonFields json) : base(json) { }
    }

    /// <summary>What the two model-driven kinds (completions, responses) have in common.</summary>
    public abstract class ModelDataSource : EvalRunDataSource
    {
        private protected ModelDataSource(JsonFields json) : base(json)
        {
            InputMessages = json.Object("input_messages", EvalRunInputMessages.Read);
            Model = json.String("model");
            SamplingParams = json.Object("sampling_params", sampling => new EvalRunSamplingParams(sampling));
        }

        public EvalRunInputMessages? InputMessages { get; }
        public string? Model { get; }
        public EvalRunSamplingParams? SamplingParams { get; }

        public override string ToString() => Model is null ? base.ToString() : $"{base.ToString()} through {Model}";
    }

    /// <summary>
    /// The source of a data source's items: FileContentSource, FileIdSource,
    /// StoredCompletionsSource or ResponsesSource; an unknown kind reads into this base class.
    /// </summary>
    public class EvalRunSource : ApiObject
    {
        internal EvalRunSource(JsonFields json) => Type = json.String("type");

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunSource Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "file_content" => new FileContentSource(json),
            "file_id" => new FileIdSource(json),
            "stored_completions" => new StoredCompletionsSource(json),
            "responses" => new ResponsesSource(json),
            _ => new EvalRunSource(json),
        });

        public string? Type { get; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>Items given inline.</summary>
    public sealed class FileContentSource : EvalRunSource
    {
        private readonly Deferred<EvalsList<FileContentItem>> content;

        internal FileContentSource(JsonFields json) : base(json) =>
            content = json.LaterList("content", item => new FileContentItem(item));

        /// <summary>The items, built when first used, once (a run may hold tens of thousands that a pipeline never reads).</summary>
        public EvalsList<FileContentItem>? Content => content.Value;

        public override string ToString() => $"file_content ({Content?.Count ?? 0} items)";
    }

    /// <summary>Items in an uploaded file.</summary>
    public sealed class FileIdSource : EvalRunSource
    {
        internal FileIdSource(JsonFields json) : base(json) => Id = json.String("id");

        public string? Id { get; }

        public override string ToString() => $"file_id {Id}";
    }

    /// <summary>Items drawn from stored chat completions.</summary>
    public sealed class StoredCompletionsSource : EvalRunSource
    {
        internal StoredCompletionsSource(JsonFields json) : base(json)
        {
            Metadata = json.Value("metadata");
            Model = json.String("model");
            CreatedAfter = json.Time("created_after");
            CreatedBefore = json.Time("created_before");
            Limit = json.Long("limit");
        }

        /// <summary>The metadata filter, as PowerShell values (any JSON the API accepts).</summary>
        public object? Metadata { get; }
        public string? Model { get; }
        public DateTime? CreatedAfter { get; }
        public DateTime? CreatedBefore { get; }
        public long? Limit { get; }

        public override string ToString() => Model is null ? "stored_completions" : $"stored_completions of {Model}";
    }

    /// <summary>Items drawn from stored responses.</summary>
    public sealed class ResponsesSource : EvalRunSource
    {
        internal ResponsesSource(JsonFields json) : base(json)
        {
            Metadata = json.Value("metadata");
            Model = json.String("model");
            InstructionsSearch = json.String("instructions_search");
            CreatedAfter = json.Time("created_after");
            CreatedBefore = json.Time("created_before");
            ReasoningEffort = json.String("reasoning_effort");
            Temperature = json.Double("temperature");
            TopP = json.Double("top_p");
            Users = json.Strings("users");
            Tools = json.Strings("tools");
        }

        /// <summary>The metadata filter, as PowerShell values (any JSON the API accepts).</summary>
        public object? Metadata { get; }
        public string? Model { get; }
        public string? InstructionsSearch { get; }
        public DateTime? CreatedAfter { get; }
        public DateTime? CreatedBefore { get; }
        public string? ReasoningEffort { get; }
        public double? Temperature { get; }
        public double? TopP { get; }
        public EvalsList<string>? Users { get; }
        public EvalsList<string>? Tools { get; }

        public override string ToString() => Model is null ? "responses" : $"responses of {Model}";
    }

    /// <summary>One inline item, with an optional sample.</summary>
    public sealed class FileContentItem : ApiObject
    {
        private readonly Deferred<object> item;
        private readonly Deferred<object> sample;

        internal FileContentItem(JsonFields json)
        {
            item = json.LaterValue("item");
            sample = json.LaterValue("sample");
            AdditionalProperties = json.Rest();
        }

        /// <summary>The item, as PowerShell values (its fields are properties), built when first used.</summary>
        public object? Item => item.Value;

        /// <summary>The sample, when the item carries one.</summary>
        public object? Sample => sample.Value;

        public override string ToString() => PowerShellValues.Describe(Item);
    }

    /// <summary>How items become model input: TemplateInputMessages or ItemReferenceInputMessages.</summary>
    public class EvalRunInputMessages : ApiObject
    {
        internal EvalRunInputMessages(JsonFields json) => Type = json.String("type");

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunInputMessages Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "template" => new TemplateInputMessages(json),
            "item_reference" => new ItemReferenceInputMessages(json),
            _ => new EvalRunInputMessages(json),
        });

        public string? Type { get; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>Messages built from a template.</summary>
    public sealed class TemplateInputMessages : EvalRunInputMessages
    {
        internal TemplateInputMessages(JsonFields json) : base(json) =>
            Template = json.List("template", message => new EvalRunMessage(message));

        public EvalsList<EvalRunMessage>? Template { get; }

        public override string ToString() => $"template ({Template?.Count ?? 0} messages)";
    }

    /// <summary>Messages taken from a field of each item.</summary>
    public sealed class ItemReferenceInputMessages : EvalRunInputMessages
    {
        internal ItemReferenceInputMessages(JsonFields json) : base(json) =>
            ItemReference = json.String("item_reference");

        public string? ItemReference { get; }

        public override string ToString() => $"item_reference {ItemReference}";
    }
}
