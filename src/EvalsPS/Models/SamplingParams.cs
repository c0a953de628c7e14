using System.Collections.Generic;
using System.Globalization;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>Sampling settings of the model under evaluation.</summary>
    public sealed class EvalRunSamplingParams : ApiObject
    {
        internal EvalRunSamplingParams(JsonFields json)
        {
            Temperature = json.Double("temperature");
            TopP = json.Double("top_p");
            Seed = json.Long("seed");
            // Some reference pages spell the field max_completions_tokens; read both.
            MaxCompletionTokens = json.Long("max_completion_tokens") ?? json.Long("max_completions_tokens");
            ReasoningEffort = json.String("reasoning_effort");
            ResponseFormat = json.Object("response_format", EvalRunResponseFormat.Read);
            Tools = json.List("tools", EvalRunTool.Read);
            Text = json.Object("text", text => new EvalRunTextParams(text));
            AdditionalProperties = json.Rest();
        }

        public double? Temperature { get; }
        public double? TopP { get; }
        public long? Seed { get; }
        public long? MaxCompletionTokens { get; }

        /// <summary>none, minimal, low, medium, high, xhigh or max; the API may add others.</summary>
        public string? ReasoningEffort { get; }

        /// <summary>The output format of a completions data source: EvalRunResponseFormat (text, json_object) or JsonSchemaResponseFormat.</summary>
        public EvalRunResponseFormat? ResponseFormat { get; }

        /// <summary>The tools the model may call: FunctionTool, FileSearchTool, WebSearchTool, or EvalRunTool for other kinds.</summary>
        public EvalsList<EvalRunTool>? Tools { get; }

        /// <summary>Text output settings of a responses data source (Text.Format).</summary>
        public EvalRunTextParams? Text { get; }

        public override string ToString() => Describe(Temperature, TopP, Seed, "max_completion_tokens", MaxCompletionTokens, ReasoningEffort);

        /// <summary>
        /// "temperature=0.7; top_p=1; seed=42; ..." with the settings given, as the API names them: the text of a run's
        /// and a grader's sampling settings, which spell the token limit differently (<paramref name="maxTokensField"/>).
        /// </summary>
        internal static string Describe(double? temperature, double? topP, long? seed, string maxTokensField, long? maxTokens, string? reasoningEffort)
        {
            var parts = new List<string>();
            if (temperature.HasValue) parts.Add("temperature=" + temperature.Value.ToString(CultureInfo.InvariantCulture));
            if (topP.HasValue) parts.Add("top_p=" + topP.Value.ToString(CultureInfo.InvariantCulture));
            if (seed.HasValue) parts.Add("seed=" + seed.Value.ToString(CultureInfo.InvariantCulture));
            if (maxTokens.HasValue) parts.Add(maxTokensField + "=" + maxTokens.Value.ToString(CultureInfo.InvariantCulture));
            if (reasoningEffort != null) parts.Add("reasoning_effort=" + reasoningEffort);
            return string.Join("; ", parts);
        }
    }

    /// <summary>The text settings of a responses data source.</summary>
    public sealed class EvalRunTextParams : ApiObject
    {
        internal EvalRunTextParams(JsonFields json)
        {
            Format = json.Object("format", EvalRunResponseFormat.Read);
            AdditionalProperties = json.Rest();
        }

        /// <summary>EvalRunResponseFormat (text, json_object) or JsonSchemaResponseFormat.</summary>
        public EvalRunResponseFormat? Format { get; }

        public override string ToString() => Format?.ToString() ?? "";
    }

    /// <summary>
    /// An output format, told by Type: text and json_object have no other fields; json_schema reads into
    /// JsonSchemaResponseFormat; a kind this version does not know reads into this class with its fields in
    /// AdditionalProperties.
    /// </summary>
    public class EvalRunResponseFormat : ApiObject
    {
        internal EvalRunResponseFormat(JsonFields json) => Type = json.String("type");

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunResponseFormat Read(JsonFields json) => ReadKind(json, static (kind, json) =>
            kind == "json_schema" ? new JsonSchemaResponseFormat(json) : new EvalRunResponseFormat(json));

        public string? Type { get; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>
    /// Output that follows a JSON schema. Chat completions send the fields inside "json_schema", the Responses API's
    /// text.format sends them flat: both read into the same properties, so a script reads either the same way.
    /// </summary>
    public sealed class JsonSchemaResponseFormat : EvalRunResponseFormat
    {
        internal JsonSchemaResponseFormat(JsonFields json) : base(json)
        {
            var schema = json.Inner("json_schema") ?? json;
            Name = schema.String("name");
            Description = schema.String("description");
            Schema = schema.Value("schema");
            Strict = schema.Bool("strict");
        }

        public string? Name { get; }
        public string? Description { get; }

        /// <summary>The JSON schema, as PowerShell values (its keys as written).</summary>
        public object? Schema { get; }

        public bool? Strict { get; }

        public override string ToString() => $"json_schema {Name}";
    }

    /// <summary>
    /// A tool the model may call, told by Type: FunctionTool, FileSearchTool or WebSearchTool; other kinds
    /// (code_interpreter, mcp, custom and those the API adds) read into this class with their fields in
    /// AdditionalProperties.
    /// </summary>
    public class EvalRunTool : ApiObject
    {
        internal EvalRunTool(JsonFields json) => Type = json.String("type");

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunTool Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "function" => new FunctionTool(json),
            "file_search" => new FileSearchTool(json),
            "web_search" or "web_search_2025_08_26" or "web_search_preview" or "web_search_preview_2025_03_11" => new WebSearchTool(json),
            _ => new EvalRunTool(json),
        });

        public string? Type { get; }

        public override string ToString() => Type ?? "";
    }

    /// <summary>
    /// A function the model may call. Chat completions send its fields inside "function", the Responses API sends
    /// them flat: both read into the same properties.
    /// </summary>
    public sealed class FunctionTool : EvalRunTool
    {
        internal FunctionTool(JsonFields json) : base(json)
        {
            var function = json.Inner("function") ?? json;
            Name = function.String("name");
            Description = function.String("description");
            Parameters = function.Value("parameters");
            Strict = function.Bool("strict");
            OutputSchema = function.Value("output_schema");
            DeferLoading = function.Bool("defer_loading");
            AllowedCallers = function.Strings("allowed_callers");
        }

        public string? Name { get; }
        public string? Description { get; }

        /// <summary>The JSON schema of the arguments, as PowerShell values (its keys as written).</summary>
        public object? Parameters { get; }

        public bool? Strict { get; }

        /// <summary>The JSON schema of the function's output, as PowerShell values.</summary>
        public object? OutputSchema { get; }

        public bool? DeferLoading { get; }

        /// <summary>direct, programmatic; the API may add others.</summary>
        public EvalsList<string>? AllowedCallers { get; }

        public override string ToString() => $"function {Name}";
    }

    /// <summary>Search in vector stores.</summary>
    public sealed class FileSearchTool : EvalRunTool
    {
        internal FileSearchTool(JsonFields json) : base(json)
        {
            VectorStoreIds = json.Strings("vector_store_ids");
            MaxNumResults = json.Long("max_num_results");
            RankingOptions = json.Value("ranking_options");
            Filters = json.Value("filters");
        }

        public EvalsList<string>? VectorStoreIds { get; }
        public long? MaxNumResults { get; }

        /// <summary>Ranking options (ranker, score_threshold, hybrid_search), as PowerShell values.</summary>
        public object? RankingOptions { get; }

        /// <summary>A filter on file attributes, as PowerShell values.</summary>
        public object? Filters { get; }

        public override string ToString() => VectorStoreIds is null ? "file_search" : $"file_search {VectorStoreIds}";
    }

    /// <summary>Search on the web (web_search, web_search_preview and their dated versions).</summary>
    public sealed class WebSearchTool : EvalRunTool
    {
        internal WebSearchTool(JsonFields json) : base(json)
        {
            SearchContextSize = json.String("search_context_size");
            UserLocation = json.Value("user_location");
            Filters = json.Value("filters");
            ExternalWebAccess = json.Bool("external_web_access");
            SearchContentTypes = json.Strings("search_content_types");
        }

        /// <summary>low, medium or high.</summary>
        public string? SearchContextSize { get; }

        /// <summary>The approximate location of the user (type, city, country, region, timezone), as PowerShell values.</summary>
        public object? UserLocation { get; }

        /// <summary>Search filters (allowed_domains), as PowerShell values.</summary>
        public object? Filters { get; }

        public bool? ExternalWebAccess { get; }
        public EvalsList<string>? SearchContentTypes { get; }
    }
}
