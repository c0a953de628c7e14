using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EvalsPS.FakeApi
{
    public sealed partial class FakeEvalsApi
    {
        /// <summary>The second criterion of the items AddGradedOutputItems makes: a score between 0 and 1, passing from 0.8.</summary>
        public const string SimilarityCriterion = "Close to the label-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";

        /// <summary>The first criterion of the items AddGradedOutputItems makes: a string check scoring 1 or 0.</summary>
        public const string StringCheckCriterion = EvalJson.StringCheckId;

        /// <summary>
        /// Adds output items to a run as two runs being compared need them: one character of
        /// <paramref name="outcomes"/> per data source row, from <paramref name="firstDatasourceItemId"/> on: 'p' an item
        /// that passes, 'f' one that fails, '.' no item for that row. Each item has the results of two criteria
        /// (StringCheckCriterion and SimilarityCriterion), both passed or both failed with it, so two runs built from
        /// outcome strings differ exactly where the strings do. Returns the new output item ids.
        /// </summary>
        public IReadOnlyList<string> AddGradedOutputItems(string evalId, string runId, string outcomes, long firstDatasourceItemId = 1)
        {
            if (outcomes is null) throw new ArgumentNullException(nameof(outcomes));
            var ids = new List<string>(outcomes.Length);
            lock (gate)
            {
                RunEntry run = FindOrThrow(evalId, runId);
                for (int i = 0; i < outcomes.Length; i++)
                {
                    char outcome = outcomes[i];
                    if (outcome == '.') continue;
                    if (outcome != 'p' && outcome != 'f')
                        throw new ArgumentException($"Outcome '{outcome}' at {i}: use p (pass), f (fail) or . (no item).", nameof(outcomes));
                    int n = ++run.ItemCount;
                    string id = "outputitem_" + runId + "_" + n.ToString("D5", CultureInfo.InvariantCulture);
                    long createdAt = run.CreatedAt + 60 + n;
                    string json = GradedItem(evalId, runId, id, firstDatasourceItemId + i, outcome == 'p', createdAt);
                    run.Items.Add(new ItemEntry(id, outcome == 'p' ? "pass" : "fail", createdAt, n, json));
                    ids.Add(id);
                }
            }
            return ids;
        }

        private static string GradedItem(string evalId, string runId, string id, long row, bool passed, long createdAt)
        {
            string rowText = row.ToString(CultureInfo.InvariantCulture);
            string answer = passed ? "Markets" : "Sports";
            var sb = new StringBuilder(1280);
            sb.Append('{').Prop("object").Str("eval.run.output_item")
              .Append(',').Prop("id").Str(id)
              .Append(',').Prop("created_at").Num(createdAt)
              .Append(',').Prop("run_id").Str(runId)
              .Append(',').Prop("eval_id").Str(evalId)
              .Append(',').Prop("status").Str(passed ? "pass" : "fail")
              .Append(',').Prop("datasource_item_id").Num(row)
              .Append(',').Prop("datasource_item").Append('{')
                  .Prop("input").Str("Headline number " + rowText + " about the markets").Append(',')
                  .Prop("ground_truth").Str("Markets").Append('}')
              .Append(',').Prop("results").Append("[{")
                  .Prop("name").Str(StringCheckCriterion).Append(',')
                  .Prop("type").Str("string-check-grader").Append(',')
                  .Prop("sample").Append("null,")
                  .Prop("passed").Append(passed ? "true" : "false").Append(',')
                  .Prop("score").Append(passed ? "1.0" : "0.0").Append("},{")
                  .Prop("name").Str(SimilarityCriterion).Append(',')
                  .Prop("type").Str("text-similarity-grader").Append(',')
                  .Prop("sample").Append("null,")
                  .Prop("passed").Append(passed ? "true" : "false").Append(',')
                  .Prop("score").Append(passed ? "0.9" : "0.25").Append("}]")
              .Append(',').Prop("sample").Append('{')
                  .Prop("input").Append("[{\"role\":\"user\",\"content\":").Str("Headline number " + rowText + " about the markets").Append("}],")
                  .Prop("output").Append("[{\"role\":\"assistant\",\"content\":").Str(answer).Append("}],")
                  .Prop("finish_reason").Str("stop").Append(',')
                  .Prop("model").Str("gpt-4o-mini-2024-07-18").Append(',')
                  .Prop("usage").Append("{\"total_tokens\":40,\"completion_tokens\":1,\"prompt_tokens\":39,\"cached_tokens\":0},")
                  .Prop("error").Append("null,")
                  .Prop("temperature").Append("1.0,")
                  .Prop("max_completion_tokens").Num(2048).Append(',')
                  .Prop("top_p").Append("1.0,")
                  .Prop("seed").Num(42).Append("}}");
            return sb.ToString();
        }
    }
}
