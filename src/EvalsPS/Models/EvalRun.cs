using System;
using System.Collections.Generic;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>An evaluation run, as the Evals API returns it.</summary>
    public sealed class EvalRun
    {
        /// <param name="deferDataSource">
        /// Read data_source when DataSource is first used (a listing: most pipelines over one never look at it);
        /// otherwise now, with a warning for any field of it that cannot be read.
        /// </param>
        internal EvalRun(JsonFields json, bool deferDataSource = false)
        {
            Id = json.String("id") ?? "";
            json.Subject("run", Id);
            Object = json.String("object");
            EvalId = json.String("eval_id") ?? "";
            Name = json.String("name");
            Model = json.String("model");
            Status = json.String("status");
            CreatedAt = json.Time("created_at");
            ReportUrl = json.String("report_url");
            ResultCounts = json.Object("result_counts", counts => new EvalRunResultCounts(counts));
            PerModelUsage = json.List("per_model_usage", usage => new EvalRunModelUsage(usage));
            PerTestingCriteriaResults = json.List("per_testing_criteria_results", result => new EvalRunCriteriaResult(result));
            dataSource = deferDataSource
                ? json.Later("data_source", EvalRunDataSource.Read)
                : new Deferred<EvalRunDataSource>(json.Object("data_source", EvalRunDataSource.Read));
            Metadata = json.Metadata("metadata");
            Error = json.Object("error", error => new EvalRunError(error));
            AdditionalProperties = json.Rest();
        }

        public string? Object { get; }
        public string Id { get; }
        public string EvalId { get; }
        public string? Name { get; }
        public string? Model { get; }

        /// <summary>queued, in_progress, completed, canceled or failed; the API may add others.</summary>
        public string? Status { get; }

        /// <summary>When the run was created, in UTC.</summary>
        public DateTime? CreatedAt { get; }

        public string? ReportUrl { get; }
        public EvalRunResultCounts? ResultCounts { get; }
        public EvalsList<EvalRunModelUsage>? PerModelUsage { get; }
        public EvalsList<EvalRunCriteriaResult>? PerTestingCriteriaResults { get; }

        /// <summary>
        /// Where the run's items come from: a JsonlDataSource, CompletionsDataSource or ResponsesDataSource. For a
        /// listed run it is read when first used.
        /// </summary>
        public EvalRunDataSource? DataSource => dataSource.Value;

        private readonly Deferred<EvalRunDataSource> dataSource;

        public EvalRunMetadata? Metadata { get; }
        public EvalRunError? Error { get; }

        /// <summary>Fields the API sent that this version of EvalsPS does not know yet, as PowerShell values.</summary>
        public AdditionalProperties? AdditionalProperties { get; }

        /// <summary>The run id again, so a run binds to -RunId by property name.</summary>
        public string RunId => Id;

        public int Total => ResultCounts?.Total ?? 0;
        public int Passed => ResultCounts?.Passed ?? 0;
        public int Failed => ResultCounts?.Failed ?? 0;
        public int Errored => ResultCounts?.Errored ?? 0;

        public override string ToString() => Name is null || Name == Id ? Id : $"{Name} ({Id})";
    }

    /// <summary>Counters summarizing the outcomes of a run.</summary>
    public sealed class EvalRunResultCounts : ApiObject
    {
        internal EvalRunResultCounts(JsonFields json)
        {
            Total = json.Int("total") ?? 0;
            Errored = json.Int("errored") ?? 0;
            Failed = json.Int("failed") ?? 0;
            Passed = json.Int("passed") ?? 0;
            AdditionalProperties = json.Rest();
        }

        public int Total { get; }
        public int Errored { get; }
        public int Failed { get; }
        public int Passed { get; }

        public override string ToString() => $"{Passed} passed, {Failed} failed, {Errored} errored of {Total}";
    }

    /// <summary>Token usage of one model during a run.</summary>
    public sealed class EvalRunModelUsage : ApiObject
    {
        internal EvalRunModelUsage(JsonFields json)
        {
            ModelName = json.String("model_name");
            InvocationCount = json.Long("invocation_count") ?? 0;
            PromptTokens = json.Long("prompt_tokens") ?? 0;
            CompletionTokens = json.Long("completion_tokens") ?? 0;
            TotalTokens = json.Long("total_tokens") ?? 0;
            CachedTokens = json.Long("cached_tokens") ?? 0;
            AdditionalProperties = json.Rest();
        }

        public string? ModelName { get; }
        public long InvocationCount { get; }
        public long PromptTokens { get; }
        public long CompletionTokens { get; }
        public long TotalTokens { get; }
        public long CachedTokens { get; }

        public override string ToString() => $"{ModelName}: {InvocationCount} calls, {TotalTokens} tokens";
    }

    /// <summary>Results of one testing criterion.</summary>
    public sealed class EvalRunCriteriaResult : ApiObject
    {
        internal EvalRunCriteriaResult(JsonFields json)
        {
            TestingCriteria = json.String("testing_criteria");
            Passed = json.Int("passed") ?? 0;
            Failed = json.Int("failed") ?? 0;
            AdditionalProperties = json.Rest();
        }

        public string? TestingCriteria { get; }
        public int Passed { get; }
        public int Failed { get; }

        public override string ToString() => $"{TestingCriteria}: {Passed} passed, {Failed} failed";
    }

    /// <summary>The error a failed run reports.</summary>
    public sealed class EvalRunError : ApiObject
    {
        internal EvalRunError(JsonFields json)
        {
            Code = json.String("code");
            Message = json.String("message");
            AdditionalProperties = json.Rest();
        }

        public string? Code { get; }
        public string? Message { get; }

        public override string ToString() => Code is null ? Message ?? "" : $"{Code}: {Message}";
    }

    /// <summary>The result of Remove-EvalRun.</summary>
    public sealed class EvalRunDeletion : ApiObject
    {
        internal EvalRunDeletion(JsonFields json, string evalId, string runId)
        {
            RunId = json.String("run_id") ?? runId;
            json.Subject("run", RunId);
            Object = json.String("object");
            EvalId = evalId;
            Deleted = json.Bool("deleted") ?? false;
            AdditionalProperties = json.Rest();
        }

        public string? Object { get; }
        public string EvalId { get; }
        public string RunId { get; }
        public bool Deleted { get; }

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

    /// <summary>
    /// Fields the API sent that this version of EvalsPS does not know yet, or could not read, as PowerShell
    /// values (PSCustomObject, object[], string, long, double, bool): $run.AdditionalProperties.some_field.
    /// </summary>
    public sealed class AdditionalProperties : Dictionary<string, object?>
    {
        public AdditionalProperties() : base(StringComparer.Ordinal) { }

        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var pair in this) parts.Add(pair.Key + "=" + PowerShellValues.Describe(pair.Value));
            return string.Join("; ", parts);
        }
    }
}
