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
        public void Inline_items_keep_the_exact_text_sent_and_read_as_objects()
        {
            Fake.Enqueue(FakeResponse.Json(200, RawItemsRun));
            var values = Ok("$r = Get-EvalRun eval_1 evalrun_raw; $c = $r.DataSource.Source.Content; "
                + "$r.DataSource.GetType().Name; $r.DataSource.Source.GetType().Name; $c.Count; "
                + "$c | ForEach-Object { $_.ToString() }; "
                + "$c[0].Item.input; @($c[0].Item.tags).Count; $c[0].Item.tags[1]; $c[0].Sample.output[0].content; "
                + "$null -eq $c[1].Sample; $c[2].Item; $null -eq $c[2].Sample; $c[3].Item; $c[3].AdditionalProperties.GetValue('note').kept; "
                + "$r.DataSource.InputMessages.Template[0].Text")
                .Select(o => o?.ToString() ?? "").ToArray();

            using var sent = System.Text.Json.JsonDocument.Parse(RawItemsRun);
            var items = sent.RootElement.GetProperty("data_source").GetProperty("source").GetProperty("content")
                .EnumerateArray().Select(e => e.GetProperty("item").GetRawText()).ToArray();
            Assert.Equal(new[] { "CompletionsDataSource", "FileContentSource", "4" }
                .Concat(items)
                .Concat(new[] { "caf\u00e9 \"quoted\"\nline", "4", "2.5", "Ma\u00f1ana", "True", "a bare string", "True", "42", "True", "{{item.input}}" }),
                values);
            Assert.Contains("\\u00e9 \\\"quoted", items[0]); // the text as sent, escapes and all
        }

        [Fact]
        public void Thousands_of_inline_items_of_every_size_keep_their_own_text()
        {
            // Enough text to fill several shared buffers, sizes that leave their ends unused, and one item larger
            // than the buffer that would come next.
            var items = Enumerable.Range(0, 3000)
                .Select(i => $"{{\"n\":{i},\"input\":\"{new string((char)('a' + i % 26), i == 2 ? 200_000 : i * 37 % 1500)}\"}}")
                .ToArray();
            var body = "{\"object\":\"eval.run\",\"id\":\"evalrun_many\",\"eval_id\":\"eval_1\",\"status\":\"completed\","
                + "\"data_source\":{\"type\":\"jsonl\",\"source\":{\"type\":\"file_content\",\"content\":["
                + string.Join(",", items.Select((item, i) => i % 2 == 0 ? $"{{\"item\":{item}}}" : $"{{\"item\":{item},\"sample\":{{\"k\":{i}}}}}"))
                + "]}}}";
            Fake.Enqueue(FakeResponse.Json(200, body));
            var values = Ok("$c = (Get-EvalRun eval_1 evalrun_many).DataSource.Source.Content; "
                + "$c | ForEach-Object { $_.ToString() }; "
                + "($c | ForEach-Object { $_.Item.n }) -join ','; "
                + "($c | Where-Object { $null -ne $_.Sample } | ForEach-Object { $_.Sample.k }) -join ','; "
                + "$c[2].Item.input.Length")
                .Select(o => o.ToString()).ToArray();
            Assert.Equal(items.Length + 3, values.Length);
            Assert.Equal(items, values.Take(items.Length));
            Assert.Equal(string.Join(",", Enumerable.Range(0, 3000)), values[items.Length]);
            Assert.Equal(string.Join(",", Enumerable.Range(0, 3000).Where(i => i % 2 == 1)), values[items.Length + 1]);
            Assert.Equal("200000", values[items.Length + 2]);
        }

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

        [Theory]
        [MemberData(nameof(EveryFixture), MemberType = typeof(HostedTest))]
        public void A_listed_run_reads_its_data_source_when_first_used_into_the_same_objects_as_by_id(string fixture)
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get(fixture));
            var values = Ok(DumpFunction + $@"
$flags = [Reflection.BindingFlags]'NonPublic,Instance'
function IsRead($run) {{ $d = $run.GetType().GetProperty('DataSourceValue', $flags).GetValue($run); $d.GetType().GetProperty('IsRead', $flags).GetValue($d) }}
$listed = Get-EvalRun eval_1 | Where-Object Id -eq '{id}'
$byId = Get-EvalRun eval_1 '{id}'
IsRead $listed
IsRead $byId
$kept = $listed.GetType().GetProperty('DataSourceValue', $flags).GetValue($listed)
$text = $kept.GetType().GetProperty('Text', $flags).GetValue($kept).ToString()
(Dump $listed.DataSource 'ds') -join ""`n""
(Dump $byId.DataSource 'ds') -join ""`n""
IsRead $listed
[object]::ReferenceEquals($listed.DataSource, $listed.DataSource)
$text").Select(o => o?.ToString() ?? "").ToArray();

            Assert.Equal("False", values[0]); // listed: kept as text, not read
            Assert.Equal("True", values[1]);  // by id: read at once
            Assert.Equal(values[3], values[2]); // the same objects, leaf by leaf
            Assert.DoesNotContain("could not read", values[2]);
            Assert.Contains("ds.Type=", values[2]);
            Assert.True(values[2].Split('\n').Length > 3, values[2]);
            Assert.Equal("True", values[4]);
            Assert.Equal("True", values[5]); // read once: the same object every time

            // The kept text is exactly the data_source the API sent.
            using var sent = System.Text.Json.JsonDocument.Parse(Fixtures.Get(fixture));
            using var kept = System.Text.Json.JsonDocument.Parse(values[6]);
            Assert.True(System.Text.Json.JsonElement.DeepEquals(sent.RootElement.GetProperty("data_source"), kept.RootElement), values[6]);
        }

        [Fact]
        public void Inline_items_of_a_listed_run_are_slices_of_its_kept_text_not_second_copies()
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get("seed-completions-run"));
            var values = Ok($@"
$flags = [Reflection.BindingFlags]'NonPublic,Instance'
$run = Get-EvalRun eval_1 | Where-Object Id -eq '{id}'
$d = $run.GetType().GetProperty('DataSourceValue', $flags).GetValue($run)
$kept = $d.GetType().GetProperty('Text', $flags).GetValue($d)
$items = $run.DataSource.Source.Content
$items.Count
@($items | Where-Object {{ $j = $_.GetType().GetProperty('ItemJson', $flags).GetValue($_); -not $j.GetType().GetMethod('LiesIn', $flags).Invoke($j, @($kept)) }}).Count
$m = $run.DataSource.InputMessages.Template[0]
$c = $m.GetType().GetProperty('ContentJson', $flags).GetValue($m)
$c.GetType().GetMethod('LiesIn', $flags).Invoke($c, @($kept))").Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "15", "0", "True" }, values);
        }

        [Fact]
        public void A_listed_run_read_by_many_threads_at_once_reads_its_data_source_once()
        {
            Fake.AddRunJson("eval_1", Fixtures.Get("seed-completions-run"));
            var values = Ok(@"
$runs = @(Get-EvalRun eval_1 | ForEach-Object { $_ })
$seen = 1..64 | ForEach-Object -ThrottleLimit 8 -Parallel { $r = $using:runs; [System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($r[0].DataSource) }
$distinct = [System.Collections.Generic.HashSet[int]]::new()
foreach ($h in $seen) { $null = $distinct.Add($h) }
@($seen).Count
$distinct.Count
$runs[0].DataSource.Source.Content.Count").Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "64", "1", "15" }, values);
        }

        [Fact]
        public void A_listed_data_source_that_does_not_read_is_kept_whole_and_says_why_not_thrown_on()
        {
            string RunJson(string id, string samplingParams) =>
                $"{{\"object\":\"eval.run\",\"id\":\"{id}\",\"eval_id\":\"eval_1\",\"status\":\"completed\",\"data_source\":{{\"type\":\"completions\","
                + $"\"model\":\"gpt-4o-mini\",\"sampling_params\":{samplingParams}}}}}";
            var page = $"{{\"object\":\"list\",\"data\":[{RunJson("evalrun_bad", "{\"temperature\":\"hot\"}")},{RunJson("evalrun_good", "{\"temperature\":0.5}")}],"
                + "\"first_id\":\"evalrun_bad\",\"last_id\":\"evalrun_good\",\"has_more\":false}";
            Fake.Enqueue(FakeResponse.Json(200, page));
            var result = Run(@"
$runs = @(Get-EvalRun eval_1)
$runs.Count
$runs[1].DataSource.SamplingParams.Temperature
$bad = $runs[0].DataSource
$bad.GetType().Name
$bad.Type
$bad.AdditionalProperties.GetValue('model')
$bad.AdditionalProperties.GetValue('sampling_params').temperature
$bad.ToString()
[object]::ReferenceEquals($bad, $runs[0].DataSource)
$runs[0].Status");
            Assert.Empty(result.Errors);
            var values = result.Output.Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "2", "0.5", "EvalRunDataSource", "completions", "gpt-4o-mini", "hot" }, values.Take(6));
            Assert.StartsWith("completions (EvalsPS could not read it: ", values[6]);
            Assert.Equal(new[] { "True", "completed" }, values.Skip(7));

            // The same run by id fails at once, as an answer that is not the JSON expected.
            Fake.Enqueue(FakeResponse.Json(200, RunJson("evalrun_bad", "{\"temperature\":\"hot\"}")));
            var byId = Run("Get-EvalRun eval_1 evalrun_bad");
            Assert.Empty(byId.Output);
            Assert.Contains("not the JSON expected", Assert.Single(byId.Errors).Exception.Message);
        }

        [Fact]
        public void Unknown_fields_and_kinds_are_kept_not_failed_on()
        {
            var values = Values("future-fields-run",
                "$r.AdditionalProperties.GetValue('priority')",
                "$r.AdditionalProperties.GetValue('labels') -join ','",
                "$r.ResultCounts.AdditionalProperties.GetValue('skipped')",
                "$r.DataSource.GetType().Name",
                "$r.DataSource.Type",
                "$r.DataSource.AdditionalProperties.Count -gt 0",
                "$r.DataSource.Source.GetType().Name");
            Assert.Equal(new[] { "3", "a,b", "1", "EvalRunDataSource", "batch", "True", "EvalRunSource" }, values);
        }
    }
}
