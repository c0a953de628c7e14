using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EvalsPS.FakeApi;
using Xunit;

namespace EvalsPS.Tests
{
    public sealed class GetEvalRunTests : HostedTest
    {
        [Fact]
        public void Gets_one_run_per_id_as_typed_EvalRun_objects()
        {
            var ids = Fake.AddRuns("eval_1", 3);
            var runs = Ok("Get-EvalRun -EvalId eval_1 -RunId $args" .Replace("$args", string.Join(",", ids)));
            Assert.Equal(ids, runs.Select(r => (string)Prop(r, "Id")!));
            Assert.All(runs, r => Assert.Equal("EvalsPS.EvalRun", r.BaseObject.GetType().FullName));
            Assert.Equal(ids.Select(id => $"GET /v1/evals/eval_1/runs/{id}"), Requests());
        }

        [Fact]
        public void Positional_ids_work_like_named_ones()
        {
            var id = Fake.AddRun("eval_1");
            var run = Assert.Single(Ok($"Get-EvalRun eval_1 {id}"));
            Assert.Equal(id, Prop(run, "RunId"));
            Assert.Equal("eval_1", Prop(run, "EvalId"));
        }

        [Fact]
        public void A_piped_run_is_refreshed_by_property_name()
        {
            var id = Fake.AddRun("eval_1", status: "queued");
            var statuses = Ok($"$run = Get-EvalRun eval_1 {id}; Stop-EvalRun eval_1 {id} -Confirm:$false; $run.Status; ($run | Get-EvalRun).Status");
            Assert.Equal(new[] { "queued", "canceled" }, statuses.Select(s => s.ToString()));
        }

        [Fact]
        public void Rows_with_eval_id_and_run_id_columns_bind_like_a_csv()
        {
            var a = Fake.AddRun("eval_1");
            var b = Fake.AddRun("eval_2");
            var runs = Ok($"@([pscustomobject]@{{ eval_id = 'eval_1'; run_id = '{a}' }}, [pscustomobject]@{{ eval_id = 'eval_2'; run_id = '{b}' }}) | Get-EvalRun");
            Assert.Equal(new[] { a, b }, runs.Select(r => (string)Prop(r, "Id")!));
        }

        [Fact]
        public void A_missing_run_is_a_non_terminating_ObjectNotFound_and_the_next_id_still_comes()
        {
            var id = Fake.AddRun("eval_1");
            var result = Run($"Get-EvalRun eval_1 evalrun_missing,{id}");
            Assert.Equal(id, Prop(Assert.Single(result.Output), "Id"));
            var error = SingleError(result, "EvalRunNotFound", ErrorCategory.ObjectNotFound, "evalrun_missing");
            Assert.Equal("EvalRunNotFound,EvalsPS.Commands.GetEvalRunCommand", error.FullyQualifiedErrorId);
            Assert.Contains("Run with id 'evalrun_missing' not found.", error.ToString());
            Assert.Contains("HTTP 404", error.ToString());
            Assert.Matches("request id req_[0-9]+", error.ToString());
        }

        [Fact]
        public void Listing_250_runs_follows_the_pages_newest_first()
        {
            Fake.AddRuns("eval_1", 250);
            var runs = Ok("Get-EvalRun -EvalId eval_1");
            Assert.Equal(250, runs.Length);
            var created = runs.Select(r => (DateTime)Prop(r, "CreatedAt")!).ToArray();
            Assert.Equal(created.OrderByDescending(c => c), created);
            Assert.Equal(250, runs.Select(r => Prop(r, "Id")).Distinct().Count());

            var requests = Fake.Requests;
            Assert.Equal(3, requests.Count);
            Assert.All(requests, r => Assert.Equal("100", r.Query["limit"]));
            Assert.All(requests, r => Assert.Equal("desc", r.Query["order"]));
            Assert.False(requests[0].Query.ContainsKey("after"));
            Assert.Equal(Prop(runs[99], "Id"), requests[1].Query["after"]);
            Assert.Equal(Prop(runs[199], "Id"), requests[2].Query["after"]);
        }

        [Fact]
        public void First_5_makes_exactly_one_request()
        {
            Fake.AddRuns("eval_1", 250);
            var runs = Ok("Get-EvalRun -EvalId eval_1 -First 5");
            Assert.Equal(5, runs.Length);
            var request = Assert.Single(Fake.Requests);
            Assert.Equal("5", request.Query["limit"]);
        }

        [Fact]
        public void Skip_and_First_page_only_as_far_as_needed()
        {
            var ids = Fake.AddRuns("eval_1", 250);
            var runs = Ok("Get-EvalRun -EvalId eval_1 -Order asc -Skip 150 -First 20");
            Assert.Equal(ids.Skip(150).Take(20), runs.Select(r => (string)Prop(r, "Id")!));
            Assert.Equal(new[] { "100", "70" }, Fake.Requests.Select(r => r.Query["limit"]));
        }

        [Fact]
        public void Skip_alone_asks_for_full_pages()
        {
            var ids = Fake.AddRuns("eval_1", 250);
            var runs = Ok("Get-EvalRun -EvalId eval_1 -Order asc -Skip 5");
            Assert.Equal(ids.Skip(5), runs.Select(r => (string)Prop(r, "Id")!));
            Assert.Equal(new[] { "100", "100", "100" }, Fake.Requests.Select(r => r.Query["limit"]));
        }

        [Fact]
        public void The_next_page_is_asked_for_while_the_current_one_is_written()
        {
            Fake.AddRuns("eval_1", 250);
            Session.SetVariable("fake", Fake);
            // While the first run is still in the pipeline, wait (up to 10 s) for the second page's request to arrive.
            var output = Ok("Get-EvalRun -EvalId eval_1 | ForEach-Object -Begin { $n = 0 } -Process { "
                + "if ($n++ -eq 0) { $until = [DateTime]::UtcNow.AddSeconds(10); "
                + "while ($fake.Requests.Count -lt 2 -and [DateTime]::UtcNow -lt $until) { [Threading.Thread]::Sleep(10) }; "
                + "'requests seen at the first run: ' + $fake.Requests.Count } } -End { 'runs: ' + $n }");
            Assert.Equal(new[] { "requests seen at the first run: 2", "runs: 250" }, output.Select(o => o.ToString()));
            Assert.Equal(3, Fake.Requests.Count);
        }

        [Fact]
        public void A_stopped_listing_does_not_wait_for_the_page_fetched_ahead()
        {
            Fake.AddRuns("eval_1", 250);
            Fake.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(30)), 1, "after=");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Session.SetVariable("fake", Fake);
            // The first run waits (up to 5 s) until the second page's request has arrived, then stops the pipeline.
            var result = Run("Get-EvalRun -EvalId eval_1 | ForEach-Object { $until = [DateTime]::UtcNow.AddSeconds(5); "
                + "while ($fake.Requests.Count -lt 2 -and [DateTime]::UtcNow -lt $until) { [Threading.Thread]::Sleep(10) }; "
                + "throw 'enough' }");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"Stopping took {clock.Elapsed}");
            Assert.Contains("enough", Assert.Single(result.AllErrors).Exception.Message);
            Assert.Equal(2, Fake.Requests.Count);
            Assert.Contains("after=", Fake.Requests[1].RawTarget);
        }

        [Fact]
        public void Status_and_order_reach_the_api_as_query_parameters()
        {
            Fake.AddRuns("eval_1", 3, "queued");
            Fake.AddRuns("eval_1", 2, "completed");
            var runs = Ok("Get-EvalRun -EvalId eval_1 -Status Queued -Order asc");
            Assert.Equal(3, runs.Length);
            Assert.All(runs, r => Assert.Equal("queued", Prop(r, "Status")));
            var request = Assert.Single(Fake.Requests);
            Assert.Equal("queued", request.Query["status"]);
            Assert.Equal("asc", request.Query["order"]);
        }

        [Fact]
        public void An_unknown_status_is_refused_before_any_request()
        {
            AssertRefusedBeforeAnyRequest("Get-EvalRun -EvalId eval_1 -Status running");
        }

        [Fact]
        public void IncludeTotalCount_reports_how_many_runs_there_are()
        {
            Fake.AddRuns("eval_1", 7);
            var output = Ok("$all = @(Get-EvalRun -EvalId eval_1 -IncludeTotalCount); $all.Count; $all[-1].GetType().Name; [string]$all[-1]");
            Assert.Equal(new[] { "8", "UInt64", "7" }, output.Select(o => o.ToString()));
        }

        [Fact]
        public void Listing_an_unknown_eval_is_EvalNotFound_targeting_the_eval()
        {
            var result = Run("Get-EvalRun -EvalId eval_nope");
            SingleError(result, "EvalNotFound", ErrorCategory.ObjectNotFound, "eval_nope");
        }

        [Theory]
        [InlineData("a/b", "a%2Fb")]
        [InlineData("a?b=1", "a%3Fb%3D1")]
        [InlineData("a#b", "a%23b")]
        [InlineData("a b", "a%20b")]
        [InlineData("../../files", "..%2F..%2Ffiles")]
        public void Ids_are_percent_encoded_inside_the_run_path(string runId, string encoded)
        {
            Session.SetVariable("runId", runId);
            var result = Run("Get-EvalRun -EvalId eval_1 -RunId $runId");
            var request = Assert.Single(Fake.Requests);
            Assert.Equal($"/v1/evals/eval_1/runs/{encoded}", request.RawTarget);
            Assert.Equal(new[] { "v1", "evals", "eval_1", "runs", runId }, request.Segments);
            SingleError(result, "EvalRunNotFound", ErrorCategory.ObjectNotFound, runId);
        }

        [Fact]
        public void Sends_the_key_organization_project_and_user_agent()
        {
            var id = Fake.AddRun("eval_1");
            Ok($"Get-EvalRun eval_1 {id} -Organization org_1 -Project proj_1");
            var headers = Assert.Single(Fake.Requests).Headers;
            Assert.Equal("Bearer " + Key, headers["Authorization"]);
            Assert.Equal("org_1", headers["OpenAI-Organization"]);
            Assert.Equal("proj_1", headers["OpenAI-Project"]);
            Assert.StartsWith("EvalsPS/0.1.0", headers["User-Agent"]);
        }

        [Fact]
        public void A_SecureString_key_works_as_well_as_a_plain_one()
        {
            var id = Fake.AddRun("eval_1");
            Session.SetVariable("secure", new System.Net.NetworkCredential("", Key).SecurePassword);
            Ok($"Get-EvalRun eval_1 {id} -ApiKey $secure");
            Assert.Equal("Bearer " + Key, Assert.Single(Fake.Requests).Headers["Authorization"]);
        }

        [Fact]
        public void Ctrl_C_cancels_the_request_in_flight()
        {
            var id = Fake.AddRun("eval_1");
            Fake.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(30)));
            var stopping = PressCtrlCWhen($"Get-EvalRun eval_1 {id}", () => Fake.Requests.Count == 1);
            Assert.True(stopping < TimeSpan.FromSeconds(5), $"Stopping took {stopping}");
            Assert.Single(Fake.Requests);
        }

        [Fact]
        public void Verbose_shows_method_url_status_and_request_id_but_never_the_key()
        {
            var id = Fake.AddRun("eval_1");
            var result = Run($"Get-EvalRun eval_1 {id} -Verbose -Debug");
            result.ThrowOnError();
            Assert.Contains(result.Verbose, v => v.StartsWith($"GET {Fake.BaseUri}/evals/eval_1/runs/{id} -> 200 OK (request id req_"));
            Assert.Contains(result.Debug, d => d.Contains("Authorization: Bearer ****"));
            AssertNoKey(result);
        }

        [Fact]
        public void A_listing_read_ahead_writes_every_page_request_under_Verbose_and_never_the_key()
        {
            Fake.AddRuns("eval_1", 250);
            var result = Run("$n = 0; Get-EvalRun eval_1 -Verbose -Debug | ForEach-Object { $n++ }; 'runs: ' + $n");
            result.ThrowOnError();
            Assert.Equal("runs: 250", Assert.Single(result.Output).ToString());
            Assert.Equal(3, result.Verbose.Count(v => v.StartsWith($"GET {Fake.BaseUri}/evals/eval_1/runs?limit=100&order=desc") && v.Contains(" -> 200 OK")));
            Assert.Equal(3, result.Debug.Count(d => d.Contains("Authorization: Bearer ****")));
            AssertNoKey(result);
        }
    }
}
