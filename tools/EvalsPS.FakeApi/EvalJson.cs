using System.Globalization;
using System.Text;

namespace EvalsPS.FakeApi
{
    /// <summary>Renders generated evals and output items (and their list pages) as JSON text.</summary>
    internal static class EvalJson
    {
        /// <summary>The id of the string_check criterion of generated evals, as results name it.</summary>
        internal const string StringCheckId = "Match output to human label-4d2a7c1e-9b53-4f0a-8e61-2c7d5b9f3a10";

        /// <summary>A full Eval: a custom data source config and one grader of each of the five kinds.</summary>
        internal static string Render(string id, string name, long createdAt, string? json)
        {
            if (json != null) return json;
            var sb = new StringBuilder(3072);
            sb.Append('{').Prop("object").Str("eval")
              .Append(',').Prop("id").Str(id)
              .Append(',').Prop("name").Str(name)
              .Append(',').Prop("created_at").Num(createdAt)
              .Append(',').Prop("metadata").Append("{\"team\":\"fake\"}")
              .Append(',').Append(DataSourceConfig)
              .Append(',').Append(TestingCriteria)
              .Append('}');
            return sb.ToString();
        }

        /// <summary>
        /// A full EvalRunOutputItem. Item n of a run fails its string check when n is a multiple of 3; when n is a
        /// multiple of 9 the model gave no answer at all (a sample error).
        /// </summary>
        internal static string RenderItem(string evalId, string runId, string id, int n, long createdAt)
        {
            bool failed = n % 3 == 0;
            bool errored = n % 9 == 0;
            string truth = Topics[n % Topics.Length];
            string answer = errored ? "" : failed ? Topics[(n + 1) % Topics.Length] : truth;
            var sb = new StringBuilder(1536);
            sb.Append('{').Prop("object").Str("eval.run.output_item")
              .Append(',').Prop("id").Str(id)
              .Append(',').Prop("created_at").Num(createdAt)
              .Append(',').Prop("run_id").Str(runId)
              .Append(',').Prop("eval_id").Str(evalId)
              .Append(',').Prop("status").Str(failed ? "fail" : "pass")
              .Append(',').Prop("datasource_item_id").Num(n)
              .Append(',').Prop("datasource_item").Append('{')
                  .Prop("input").Str("Headline number " + n.ToString(CultureInfo.InvariantCulture) + " about " + truth).Append(',')
                  .Prop("ground_truth").Str(truth).Append('}')
              .Append(',').Prop("results").Append("[{")
                  .Prop("name").Str(StringCheckId).Append(',')
                  .Prop("type").Str("string-check-grader").Append(',')
                  .Prop("sample").Append("null,")
                  .Prop("passed").Append(failed ? "false" : "true").Append(',')
                  .Prop("score").Append(failed ? "0.0" : "1.0").Append("}]")
              .Append(',').Prop("sample").Append('{')
                  .Prop("input").Append("[{\"role\":\"developer\",\"content\":\"Categorize a given news headline into one of the following topics: Technology, Markets, World, Business, or Sports.\"},{\"role\":\"user\",\"content\":")
                      .Str("Headline number " + n.ToString(CultureInfo.InvariantCulture) + " about " + truth).Append("}],")
                  .Prop("output").Append(errored ? "[]" : "[{\"role\":\"assistant\",\"content\":" + Quoted(answer) + ",\"tool_call_id\":null,\"tool_calls\":null,\"function_call\":null}]").Append(',')
                  .Prop("finish_reason").Str(errored ? "" : "stop").Append(',')
                  .Prop("model").Str("gpt-4o-mini-2024-07-18").Append(',')
                  .Prop("usage").Append('{')
                      .Prop("total_tokens").Num(errored ? 0 : 325 + n % 5).Append(',')
                      .Prop("completion_tokens").Num(errored ? 0 : 2).Append(',')
                      .Prop("prompt_tokens").Num(errored ? 0 : 323 + n % 5).Append(',')
                      .Prop("cached_tokens").Num(0).Append("},")
                  .Prop("error");
            if (errored) sb.Append("{\"code\":\"rate_limit_exceeded\",\"message\":\"The model was rate limited and gave no answer.\"}");
            else sb.Append("null");
            sb.Append(',').Prop("temperature").Append("1.0")
              .Append(',').Prop("max_completion_tokens").Num(2048)
              .Append(',').Prop("top_p").Append("1.0")
              .Append(',').Prop("seed").Num(42).Append("}}");
            return sb.ToString();
        }

        /// <summary>A list page of rendered objects.</summary>
        internal static string Page(string[] objects, string[] ids, bool hasMore)
        {
            var sb = new StringBuilder(64 + objects.Length * 2048);
            sb.Append("{\"object\":\"list\",\"data\":[");
            for (int i = 0; i < objects.Length; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(objects[i]);
            }
            sb.Append("],").Prop("first_id").Str(ids.Length == 0 ? null : ids[0])
              .Append(',').Prop("last_id").Str(ids.Length == 0 ? null : ids[ids.Length - 1])
              .Append(',').Prop("has_more").Append(hasMore ? "true" : "false")
              .Append('}');
            return sb.ToString();
        }

        private static string Quoted(string text) => new StringBuilder().Str(text).ToString();

        private static readonly string[] Topics = { "Technology", "Markets", "World", "Business", "Sports" };

        private const string DataSourceConfig =
            "\"data_source_config\":{\"type\":\"custom\",\"schema\":{\"type\":\"object\",\"properties\":{" +
            "\"item\":{\"type\":\"object\",\"properties\":{\"input\":{\"type\":\"string\"},\"ground_truth\":{\"type\":\"string\"}},\"required\":[\"input\",\"ground_truth\"]}}," +
            "\"required\":[\"item\"]}}";

        private const string TestingCriteria =
            "\"testing_criteria\":[" +
            "{\"type\":\"string_check\",\"name\":\"Match output to human label\",\"id\":\"" + StringCheckId + "\"," +
            "\"input\":\"{{sample.output_text}}\",\"reference\":\"{{item.ground_truth}}\",\"operation\":\"eq\"}," +
            "{\"type\":\"label_model\",\"name\":\"Tone\",\"id\":\"Tone-0b6f1c2a-3d4e-4f5a-8b9c-0d1e2f3a4b5c\",\"model\":\"gpt-4o-mini\"," +
            "\"input\":[{\"type\":\"message\",\"role\":\"developer\",\"content\":{\"type\":\"input_text\",\"text\":\"Label the tone of the answer.\"}}," +
            "{\"type\":\"message\",\"role\":\"user\",\"content\":{\"type\":\"input_text\",\"text\":\"{{sample.output_text}}\"}}]," +
            "\"labels\":[\"neutral\",\"rude\"],\"passing_labels\":[\"neutral\"],\"sampling_params\":null}," +
            "{\"type\":\"text_similarity\",\"name\":\"Close to the label\",\"id\":\"Close to the label-5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9\"," +
            "\"input\":\"{{sample.output_text}}\",\"reference\":\"{{item.ground_truth}}\",\"evaluation_metric\":\"fuzzy_match\",\"pass_threshold\":0.8}," +
            "{\"type\":\"python\",\"name\":\"One word\",\"id\":\"One word-1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\"," +
            "\"source\":\"def grade(sample, item) -> float:\\n    return 1.0 if len(sample['output_text'].split()) == 1 else 0.0\\n\",\"image_tag\":\"2025-05-08\",\"pass_threshold\":1.0}," +
            "{\"type\":\"score_model\",\"name\":\"Helpfulness\",\"id\":\"Helpfulness-9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a\",\"model\":\"o4-mini\"," +
            "\"input\":[{\"role\":\"user\",\"content\":\"Rate from 0 to 1 how helpful this is: {{sample.output_text}}\"}]," +
            "\"range\":[0,1],\"sampling_params\":{\"seed\":7,\"top_p\":null,\"temperature\":0.2,\"max_completions_tokens\":64,\"reasoning_effort\":\"low\"},\"pass_threshold\":0.5}]";
    }
}
