using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>One graded item of a run: the data source row, what the model answered, and each grader's result.</summary>
    public sealed class EvalRunOutputItem
    {
        internal EvalRunOutputItem(JsonFields json)
        {
            Id = json.String("id") ?? "";
            json.Subject("output item", Id);
            Object = json.String("object");
            EvalId = json.String("eval_id") ?? "";
            RunId = json.String("run_id") ?? "";
            Status = json.String("status");
            CreatedAt = json.Time("created_at");
            DatasourceItemId = json.Long("datasource_item_id");
            DatasourceItem = ViewText.WithJsonText(json.Value("datasource_item"));
            Results = json.List("results", result => new EvalRunOutputItemResult(result));
            Sample = json.Object("sample", sample => new EvalRunOutputItemSample(sample));
            AdditionalProperties = json.Rest();
        }

        public string? Object { get; }
        public string Id { get; }
        public string EvalId { get; }
        public string RunId { get; }

        /// <summary>The item's grading outcome: pass or fail; the API may add others.</summary>
        public string? Status { get; }

        /// <summary>When the item was graded, in UTC.</summary>
        public DateTime? CreatedAt { get; }

        /// <summary>The row number of the item in the run's data source.</summary>
        public long? DatasourceItemId { get; }

        /// <summary>The data source row (the item), as PowerShell values: $item.DatasourceItem.input. Its ToString (Export-Csv, views) is compact JSON.</summary>
        public object? DatasourceItem { get; }

        /// <summary>One result per grader.</summary>
        public EvalsList<EvalRunOutputItemResult>? Results { get; }

        /// <summary>What the model was given and answered, with its usage and any error.</summary>
        public EvalRunOutputItemSample? Sample { get; }

        /// <summary>Fields the API sent that this version of EvalsPS does not know yet, as PowerShell values.</summary>
        public AdditionalProperties? AdditionalProperties { get; }

        /// <summary>The output item id again, so an item binds to -OutputItemId by property name.</summary>
        public string OutputItemId => Id;

        /// <summary>How many graders passed the item.</summary>
        public int PassedCount => Count(true);

        /// <summary>How many graders failed the item.</summary>
        public int FailedCount => Count(false);

        /// <summary>The names of the graders that failed the item, with their scores, separated by "; ".</summary>
        public string FailedCriteria
        {
            get
            {
                var failed = new List<string>();
                if (Results != null)
                    foreach (var result in Results)
                        if (result.Passed == false)
                            failed.Add(result.Score is double score ? $"{result.Name} (score {score.ToString(CultureInfo.InvariantCulture)})" : result.Name ?? "");
                return string.Join("; ", failed);
            }
        }

        /// <summary>The model's answer as text (its output messages, one per line).</summary>
        public string? OutputText => Sample?.OutputText;

        public override string ToString() => $"{Id}: {Status}";

        private int Count(bool passed)
        {
            int count = 0;
            if (Results != null)
                foreach (var result in Results)
                    if (result.Passed == passed) count++;
            return count;
        }
    }

    /// <summary>One grader's result for an output item; graders may add fields of their own, kept in AdditionalProperties.</summary>
    public sealed class EvalRunOutputItemResult : ApiObject
    {
        internal EvalRunOutputItemResult(JsonFields json)
        {
            Name = json.String("name");
            Type = json.String("type");
            Score = json.Double("score");
            Passed = json.Bool("passed");
            Sample = json.Value("sample");
            AdditionalProperties = json.Rest();
        }

        /// <summary>The criterion: the same text as a run's PerTestingCriteriaResults.TestingCriteria and a grader's Id.</summary>
        public string? Name { get; }

        /// <summary>The grader type as results spell it, such as string-check-grader.</summary>
        public string? Type { get; }

        public double? Score { get; }
        public bool? Passed { get; }

        /// <summary>The grader's intermediate data, as PowerShell values; usually null.</summary>
        public object? Sample { get; }

        public override string ToString() =>
            $"{Name}: {(Passed is bool passed ? passed ? "passed" : "failed" : "not graded")}" +
            (Score is double score ? " (score " + score.ToString(CultureInfo.InvariantCulture) + ")" : "");
    }

    /// <summary>What the model under evaluation was given and answered for one item.</summary>
    public sealed class EvalRunOutputItemSample
    {
        internal EvalRunOutputItemSample(JsonFields json)
        {
            Input = json.List("input", message => new EvalRunMessage(message));
            Output = json.List("output", message => new EvalRunMessage(message));
            FinishReason = json.String("finish_reason");
            Model = json.String("model");
            Usage = json.Object("usage", usage => new EvalRunOutputItemUsage(usage));
            Error = json.Object("error", error => new EvalRunError(error));
            Temperature = json.Double("temperature");
            TopP = json.Double("top_p");
            MaxCompletionTokens = json.Long("max_completion_tokens");
            Seed = json.Long("seed");
            AdditionalProperties = json.Rest();
        }

        public EvalsList<EvalRunMessage>? Input { get; }
        public EvalsList<EvalRunMessage>? Output { get; }

        /// <summary>Why the model stopped, such as stop or length.</summary>
        public string? FinishReason { get; }

        /// <summary>The dated model that answered, such as gpt-4o-mini-2024-07-18.</summary>
        public string? Model { get; }

        public EvalRunOutputItemUsage? Usage { get; }

        /// <summary>Why the model gave no answer, when it did not.</summary>
        public EvalRunError? Error { get; }

        public double? Temperature { get; }
        public double? TopP { get; }
        public long? MaxCompletionTokens { get; }
        public long? Seed { get; }
        public AdditionalProperties? AdditionalProperties { get; }

        /// <summary>The output messages' text, one per line.</summary>
        public string? OutputText
        {
            get
            {
                if (Output is null) return null;
                var texts = new List<string>(Output.Count);
                foreach (var message in Output) texts.Add(message.Text ?? "");
                return string.Join("\n", texts);
            }
        }

        /// <summary>
        /// One line for Export-Csv and views, leading with the answer: "the answer (model)", or "the answer (model; error
        /// code: message)" when the model failed; empty parts are left out.
        /// </summary>
        public override string ToString()
        {
            string answer = ViewText.Line(OutputText);
            var notes = new List<string>(2);
            if (!string.IsNullOrEmpty(Model)) notes.Add(Model!);
            if (Error is { } error && (!string.IsNullOrEmpty(error.Code) || !string.IsNullOrEmpty(error.Message)))
                notes.Add("error " + string.Join(": ", new[] { error.Code, error.Message }.Where(part => !string.IsNullOrEmpty(part))));
            if (notes.Count == 0) return answer;
            string said = "(" + string.Join("; ", notes) + ")";
            return answer.Length == 0 ? said : answer + " " + said;
        }
    }

    /// <summary>Tokens the model used for one item.</summary>
    public sealed class EvalRunOutputItemUsage : ApiObject
    {
        internal EvalRunOutputItemUsage(JsonFields json)
        {
            TotalTokens = json.Long("total_tokens") ?? 0;
            CompletionTokens = json.Long("completion_tokens") ?? 0;
            PromptTokens = json.Long("prompt_tokens") ?? 0;
            CachedTokens = json.Long("cached_tokens") ?? 0;
            AdditionalProperties = json.Rest();
        }

        public long TotalTokens { get; }
        public long CompletionTokens { get; }
        public long PromptTokens { get; }
        public long CachedTokens { get; }

        public override string ToString() =>
            $"{TotalTokens} tokens ({PromptTokens} prompt, {CompletionTokens} completion, {CachedTokens} cached)";
    }
}
