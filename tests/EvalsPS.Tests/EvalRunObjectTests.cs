using System;
using System.Linq;
using EvalsPS.FakeApi;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>Every field of a run reads into a typed property, for each data_source kind.</summary>
    public sealed class EvalRunObjectTests : HostedTest
    {
        private string[] Values(string fixture, params string[] expressions)
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get(fixture));
            var script = $"$r = Get-EvalRun eval_1 '{id}'; " + string.Join("; ", expressions.Select(e => $"[string]({e})"));
            return Ok(script).Select(o => o?.ToString() ?? "").ToArray();
        }

        [Fact]
        public void The_reference_example_run_reads_into_typed_properties()
        {
            var values = Values("seed-completions-run",
                "$r.GetType().FullName",
                "$r.ResultCounts.Total",
                "$r.DataSource.GetType().Name",
                "$r.DataSource.Source.GetType().Name",
                "$r.DataSource.Source.Content.Count",
                "$r.DataSource.Source.Content[0].Item.ground_truth",
                "$r.DataSource.InputMessages.Template[0].Role",
                "$r.DataSource.InputMessages.Template[1].Text",
                "$r.DataSource.SamplingParams.Seed",
                "$r.DataSource.SamplingParams.MaxCompletionTokens",
                "$r.DataSource.SamplingParams.Temperature",
                "$r.DataSource.Model",
                "$r.CreatedAt -is [datetime]",
                "$r.CreatedAt.Kind",
                "$r.CreatedAt.ToString('o')",
                "$null -eq $r.PerModelUsage",
                "$null -eq $r.Error",
                "$r.Metadata.Count",
                "$r.Status",
                "$r.ReportUrl.StartsWith('https://platform.openai.com/evaluations/')");
            Assert.Equal(new[]
            {
                "EvalsPS.EvalRun", "0", "CompletionsDataSource", "FileContentSource", "15", "Technology", "developer",
                "{{item.input}}", "42", "2048", "1", "gpt-4o-mini", "True", "Utc",
                DateTimeOffset.FromUnixTimeSeconds(1743092069).UtcDateTime.ToString("o"),
                "True", "True", "0", "canceled", "True",
            }, values);
        }

        [Fact]
        public void A_jsonl_run_with_items_samples_usage_and_criteria()
        {
            var values = Values("jsonl-file-content-run",
                "$r.DataSource.GetType().Name",
                "$r.DataSource.Source.Content.Count -gt 0",
                "$null -ne $r.DataSource.Source.Content[0].Sample",
                "$r.PerModelUsage.Count",
                "$r.PerModelUsage[0].TotalTokens -gt 0",
                "$r.PerTestingCriteriaResults.Count",
                "$r.PerTestingCriteriaResults[0].TestingCriteria.Length -gt 0",
                "$r.Metadata.Count",
                "$r.Total -eq $r.ResultCounts.Total",
                "$r.Passed + $r.Failed + $r.Errored -le $r.Total");
            Assert.Equal(new[] { "JsonlDataSource", "True", "True", "2", "True", "2", "True", "2", "True", "True" }, values);
        }

        [Fact]
        public void A_jsonl_run_from_a_file_id()
        {
            var values = Values("jsonl-file-id-run", "$r.DataSource.Source.GetType().Name", "$r.DataSource.Source.Id.Length -gt 0", "$r.Status");
            Assert.Equal(new[] { "FileIdSource", "True", "in_progress" }, values);
        }

        [Fact]
        public void A_completions_run_from_stored_completions_with_an_item_reference()
        {
            var values = Values("completions-stored-run",
                "$r.DataSource.Source.GetType().Name",
                "$r.DataSource.Source.CreatedAfter -is [datetime]",
                "$r.DataSource.Source.Limit -gt 0",
                "$r.DataSource.InputMessages.GetType().Name",
                "$r.DataSource.InputMessages.ItemReference",
                "$r.DataSource.SamplingParams.MaxCompletionTokens -gt 0",
                "$null -ne $r.DataSource.SamplingParams.ResponseFormat.type",
                "@($r.DataSource.SamplingParams.Tools).Count -gt 0");
            Assert.Equal(new[] { "StoredCompletionsSource", "True", "True", "ItemReferenceInputMessages", "item.input", "True", "True", "True" }, values);
        }

        [Fact]
        public void A_responses_run_with_string_and_part_contents_and_text_format()
        {
            var values = Values("responses-run",
                "$r.DataSource.GetType().Name",
                "$r.DataSource.Source.GetType().Name",
                "$r.DataSource.Source.Users.Count -gt 0",
                "$r.DataSource.InputMessages.Template.Count",
                "($r.DataSource.InputMessages.Template | Where-Object { -not $_.Text }).Count",
                "$r.DataSource.SamplingParams.Text.format.type");
            Assert.Equal(new[] { "ResponsesDataSource", "ResponsesSource", "True", "2", "0", "json_schema" }, values);
        }

        [Fact]
        public void A_failed_run_carries_its_error()
        {
            var values = Values("failed-run", "$r.Status", "$r.Error.Code", "$r.Error.Message.Length -gt 0", "$r.Error.ToString().StartsWith('invalid_file: ')");
            Assert.Equal(new[] { "failed", "invalid_file", "True", "True" }, values);
        }

        // Sent verbatim: spacing, escapes and the order of "type" are as a server may write them.
        private const string RawItemsRun = "{ \"object\": \"eval.run\", \"id\": \"evalrun_raw\", \"eval_id\": \"eval_1\", \"status\": \"completed\",\n"
            + "  \"data_source\": { \"source\": { \"content\": [\n"
            + "      { \"item\" : { \"input\": \"caf\\u00e9 \\\"quoted\\\"\\nline\", \"tags\": [1, 2.5, true, null] },\n"
            + "        \"sample\": {\"output\": [{\"role\": \"assistant\", \"content\": \"Ma\u00f1ana\"}]} },\n"
            + "      {\"\\u0069tem\":{\"input\":\"no sample\"}},\n"
            + "      {\"item\": \"a bare string\", \"sample\": null},\n"
            + "      {\"item\": 42, \"note\": {\"kept\": true}}\n"
            + "    ], \"type\": \"file_content\" },\n"
            + "    \"input_messages\": {\"template\": [{\"role\": \"user\", \"content\": {\"type\": \"input_text\", \"text\": \"{{item.input}}\"}}], \"type\": \"template\"},\n"
            + "    \"type\": \"completions\" } }";

        [Fact]
        public void Inline_items_of_every_run_in_a_listed_page_read_apart()
        {
            string Run(string id, string input) =>
                $"{{\"object\":\"eval.run\",\"id\":\"{id}\",\"eval_id\":\"eval_1\",\"status\":\"completed\",\"data_source\":{{\"type\":\"jsonl\","
                + $"\"source\":{{\"type\":\"file_content\",\"content\":[{{\"item\":{{\"input\":\"{input}\"}}}}]}}}}}}";
            Fake.Enqueue(FakeResponse.Json(200, $"{{\"object\":\"list\",\"data\":[{Run("evalrun_a", "first")},{Run("evalrun_b", "second")}],"
                + "\"first_id\":\"evalrun_a\",\"last_id\":\"evalrun_b\",\"has_more\":false}"));
            var values = Ok("Get-EvalRun eval_1 | ForEach-Object { $_.Id + ' ' + $_.DataSource.Source.Content[0].Item.input }")
                .Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "evalrun_a first", "evalrun_b second" }, values);
        }

        // Every property, down to the leaves, as "path=value" lines: what a user can reach from the object.
        private const string DumpFunction = @"
function Dump($o, [string]$path, [int]$depth = 0) {
    if ($depth -gt 12) { throw ""too deep at $path"" }
    if ($null -eq $o) { ""$path=null""; return }
    if ($o -is [string] -or $o -is [enum] -or $o -is [datetime] -or $o.GetType().IsPrimitive) { ""$path=$o""; return }
    if ($o -is [System.Text.Json.JsonElement]) { ""$path=$($o.GetRawText())""; return }
    if ($o -is [System.Collections.IDictionary]) { foreach ($k in @($o.Keys)) { Dump $o[$k] ""$path.$k"" ($depth + 1) }; return }
    if ($o -is [System.Collections.IEnumerable]) { $i = 0; foreach ($e in $o) { Dump $e ""$path[$i]"" ($depth + 1); $i++ }; return }
    foreach ($p in $o.PSObject.Properties) { Dump $p.Value ""$path.$($p.Name)"" ($depth + 1) }
    ""${path}:$($o.GetType().Name) '$o'""
}";

        [Fact]
        public void Unknown_fields_and_kinds_are_kept_not_failed_on()
        {
            var values = Values("future-fields-run",
                "$r.AdditionalProperties.priority",
                "$r.AdditionalProperties.labels -join ','",
                "$r.ResultCounts.AdditionalProperties.skipped",
                "$r.DataSource.GetType().Name",
                "$r.DataSource.Type",
                "$r.DataSource.AdditionalProperties.Count -gt 0",
                "$r.DataSource.Source.GetType().Name");
            Assert.Equal(new[] { "3", "a,b", "1", "EvalRunDataSource", "batch", "True", "EvalRunSource" }, values);
        }
    }
}
