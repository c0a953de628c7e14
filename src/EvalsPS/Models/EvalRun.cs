using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>An evaluation run, as the Evals API returns it.</summary>
    public sealed class EvalRun
    {
        [JsonInclude] public string? Object { get; internal set; }
        [JsonInclude] public string Id { get; internal set; } = "";
        [JsonInclude] public string EvalId { get; internal set; } = "";
        [JsonInclude] public string? Name { get; internal set; }
        [JsonInclude] public string? Model { get; internal set; }
        [JsonInclude] public string? Status { get; internal set; }

        /// <summary>When the run was created, in UTC.</summary>
        [JsonInclude, JsonConverter(typeof(UnixSecondsConverter))]
        public DateTime CreatedAt { get; internal set; }

        [JsonInclude] public string? ReportUrl { get; internal set; }
        [JsonInclude] public EvalRunResultCounts? ResultCounts { get; internal set; }
        [JsonInclude] public EvalsList<EvalRunModelUsage>? PerModelUsage { get; internal set; }
        [JsonInclude] public EvalsList<EvalRunCriteriaResult>? PerTestingCriteriaResults { get; internal set; }

        /// <summary>
        /// Where the run's items come from. For a listed run it is read from the JSON the API sent when first used:
        /// a pipeline that never looks at it does not pay for reading it.
        /// </summary>
        [JsonIgnore] public EvalRunDataSource? DataSource => DataSourceValue?.Value;

        [JsonInclude, JsonPropertyName("data_source"), JsonConverter(typeof(DeferredDataSourceConverter))]
        internal DeferredDataSource? DataSourceValue { get; set; }

        [JsonInclude] public EvalRunMetadata? Metadata { get; internal set; }
        [JsonInclude] public EvalRunError? Error { get; internal set; }

        /// <summary>Fields the API sent that this version of EvalsPS does not know yet.</summary>
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        /// <summary>The run id again, so a run binds to -RunId by property name.</summary>
        [JsonIgnore] public string RunId => Id;

        [JsonIgnore] public int Total => ResultCounts?.Total ?? 0;
        [JsonIgnore] public int Passed => ResultCounts?.Passed ?? 0;
        [JsonIgnore] public int Failed => ResultCounts?.Failed ?? 0;
        [JsonIgnore] public int Errored => ResultCounts?.Errored ?? 0;

        public override string ToString() => Name is null || Name == Id ? Id : $"{Name} ({Id})";
    }

    /// <summary>Counters summarizing the outcomes of a run.</summary>
    public sealed class EvalRunResultCounts
    {
        [JsonInclude] public int Total { get; internal set; }
        [JsonInclude] public int Errored { get; internal set; }
        [JsonInclude] public int Failed { get; internal set; }
        [JsonInclude] public int Passed { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => $"{Passed} passed, {Failed} failed, {Errored} errored of {Total}";
    }

    /// <summary>Token usage of one model during a run.</summary>
    public sealed class EvalRunModelUsage
    {
        [JsonInclude] public string? ModelName { get; internal set; }
        [JsonInclude] public long InvocationCount { get; internal set; }
        [JsonInclude] public long PromptTokens { get; internal set; }
        [JsonInclude] public long CompletionTokens { get; internal set; }
        [JsonInclude] public long TotalTokens { get; internal set; }
        [JsonInclude] public long CachedTokens { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => $"{ModelName}: {InvocationCount} calls, {TotalTokens} tokens";
    }

    /// <summary>Results of one testing criterion.</summary>
    public sealed class EvalRunCriteriaResult
    {
        [JsonInclude] public string? TestingCriteria { get; internal set; }
        [JsonInclude] public int Passed { get; internal set; }
        [JsonInclude] public int Failed { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => $"{TestingCriteria}: {Passed} passed, {Failed} failed";
    }

    /// <summary>The error a failed run reports.</summary>
    public sealed class EvalRunError
    {
        [JsonInclude] public string? Code { get; internal set; }
        [JsonInclude] public string? Message { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
    }

    /// <summary>The result of Remove-EvalRun.</summary>
    public sealed class EvalRunDeletion
    {
        [JsonInclude] public string? Object { get; internal set; }
        [JsonIgnore] public string EvalId { get; internal set; } = "";
        [JsonInclude] public string RunId { get; internal set; } = "";
        [JsonInclude] public bool Deleted { get; internal set; }
        [JsonExtensionData, JsonInclude] public AdditionalProperties? AdditionalProperties { get; internal set; }

        public override string ToString() => $"{RunId} of {EvalId}: {(Deleted ? "deleted" : "not deleted")}";
    }

    /// <summary>Metadata pairs of a run (at most 16, string to string).</summary>
    public sealed class EvalRunMetadata : Dictionary<string, string?>
    {
        public EvalRunMetadata() : base(StringComparer.Ordinal) { }

        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var pair in this) parts.Add(pair.Key + "=" + pair.Value);
            return string.Join("; ", parts);
        }
    }

    /// <summary>A list that shows its items, not its type name, in tables and CSV.</summary>
    public sealed class EvalsList<T> : List<T>
    {
        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var item in this) parts.Add(item?.ToString() ?? "");
            return string.Join("; ", parts);
        }
    }

    /// <summary>Unknown fields of an API object, kept so nothing the API sends is lost.</summary>
    public sealed class AdditionalProperties : Dictionary<string, JsonElement>
    {
        public AdditionalProperties() : base(StringComparer.Ordinal) { }

        /// <summary>The value of an unknown field as PowerShell objects.</summary>
        public object? GetValue(string name) => TryGetValue(name, out var value) ? JsonValues.ToPowerShell(value) : null;

        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var pair in this) parts.Add(pair.Key + "=" + pair.Value.GetRawText());
            return string.Join("; ", parts);
        }
    }
}
