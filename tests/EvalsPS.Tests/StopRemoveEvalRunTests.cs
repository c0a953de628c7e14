using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using EvalsPS.FakeApi;
using Xunit;

namespace EvalsPS.Tests
{
    public sealed class StopRemoveEvalRunTests : HostedTest
    {
        [Fact]
        public void Cancels_every_queued_run_piped_from_a_listing()
        {
            var queued = Fake.AddRuns("eval_1", 4, "queued");
            Fake.AddRuns("eval_1", 3, "completed");
            var result = Run("Get-EvalRun -EvalId eval_1 -Status queued | Stop-EvalRun -Force");
            result.ThrowOnError();
            Assert.Empty(result.Output);
            Assert.All(queued, id => Assert.Equal("canceled", Fake.RunStatus("eval_1", id)));
            var posts = Fake.Requests.Where(r => r.Method == "POST").Select(r => r.RawPath).OrderBy(p => p);
            Assert.Equal(queued.Select(id => $"/v1/evals/eval_1/runs/{id}").OrderBy(p => p), posts);
        }

        [Fact]
        public void PassThru_writes_the_canceled_run()
        {
            var id = Fake.AddRun("eval_1", status: "in_progress");
            var run = Assert.Single(Ok($"Stop-EvalRun eval_1 {id} -PassThru"));
            Assert.Equal("EvalsPS.EvalRun", run.BaseObject.GetType().FullName);
            Assert.Equal("canceled", Prop(run, "Status"));
        }

        [Fact]
        public void Positional_ids_cancel_several_runs()
        {
            var a = Fake.AddRun("eval_1", status: "queued");
            var b = Fake.AddRun("eval_1", status: "queued");
            Ok($"Stop-EvalRun eval_1 {a},{b}");
            // Both go out at once (ThrottleLimit 8), so they may arrive in either order.
            Assert.Equal(new[] { $"POST /v1/evals/eval_1/runs/{a}", $"POST /v1/evals/eval_1/runs/{b}" }, Requests().OrderBy(r => r));
        }

        [Fact]
        public void WhatIf_sends_no_request_and_names_each_target()
        {
            Fake.AddRuns("eval_1", 3, "queued");
            var runs = Run("$runs = Get-EvalRun -EvalId eval_1");
            Fake.ClearRequests();
            Session.Host.ClearText();
            var result = Run("$runs | Remove-EvalRun -WhatIf; $runs | Stop-EvalRun -WhatIf; $runs | Remove-EvalRun -Force -WhatIf");
            result.ThrowOnError();
            Assert.Empty(Fake.Requests);
            Assert.Equal(9, result.HostText.Split('\n').Count(line => line.StartsWith("What if: ")));
            Assert.Contains("What if: Performing the operation \"Delete eval run\" on target \"run 'evalrun_", result.HostText);
            Assert.Contains("of eval 'eval_1'", result.HostText);
        }

        [Fact]
        public void Remove_prompts_by_default_and_a_declined_prompt_sends_nothing()
        {
            var id = Fake.AddRun("eval_1", name: "nightly regression");
            var run = Run($"$run = Get-EvalRun eval_1 {id}");
            Fake.ClearRequests();
            Session.Host.Answers.Enqueue("N");
            var result = Run("$run | Remove-EvalRun");
            result.ThrowOnError();
            Assert.Empty(Fake.Requests);
            var prompt = Assert.Single(Session.Host.Prompts);
            Assert.Contains($"run '{id}' ('nightly regression') of eval 'eval_1'", prompt);
            Assert.NotNull(Fake.RunStatus("eval_1", id));
        }

        [Fact]
        public void Yes_to_All_asks_once_and_deletes_every_run()
        {
            var ids = Fake.AddRuns("eval_1", 3);
            Session.Host.Answers.Enqueue("A");
            Ok($"Remove-EvalRun eval_1 {string.Join(",", ids)}");
            Assert.Single(Session.Host.Prompts);
            Assert.Equal(3, Fake.Requests.Count(r => r.Method == "DELETE"));
            Assert.Equal(0, Fake.RunCount("eval_1"));
        }

        [Fact]
        public void No_to_All_asks_once_and_sends_nothing()
        {
            var ids = Fake.AddRuns("eval_1", 3);
            Session.Host.Answers.Enqueue("L");
            Ok($"Remove-EvalRun eval_1 {string.Join(",", ids)}");
            Assert.Single(Session.Host.Prompts);
            Assert.Empty(Fake.Requests);
            Assert.Equal(3, Fake.RunCount("eval_1"));
        }

        [Fact]
        public void Yes_then_No_acts_only_on_the_confirmed_run()
        {
            var ids = Fake.AddRuns("eval_1", 2);
            Session.Host.Answers.Enqueue("Y");
            Session.Host.Answers.Enqueue("N");
            Ok($"Remove-EvalRun eval_1 {string.Join(",", ids)}");
            Assert.Equal(new[] { $"DELETE /v1/evals/eval_1/runs/{ids[0]}" }, Requests());
        }

        [Fact]
        public void Confirm_on_Stop_prompts_even_though_its_impact_is_medium()
        {
            var id = Fake.AddRun("eval_1", status: "queued");
            Session.Host.Answers.Enqueue("N");
            Ok($"Stop-EvalRun eval_1 {id} -Confirm");
            Assert.Single(Session.Host.Prompts);
            Assert.Empty(Fake.Requests);
        }

        [Fact]
        public void Csv_rows_are_deleted_with_Force_and_PassThru_writes_deletions()
        {
            var ids = Fake.AddRuns("eval_1", 2);
            var rows = string.Join(", ", ids.Select(id => $"[pscustomobject]@{{ eval_id = 'eval_1'; run_id = '{id}' }}"));
            var deletions = Ok($"@({rows}) | Remove-EvalRun -Force -PassThru");
            Assert.Equal(ids, deletions.Select(d => (string)Prop(d, "RunId")!));
            Assert.All(deletions, d =>
            {
                Assert.Equal("EvalsPS.EvalRunDeletion", d.BaseObject.GetType().FullName);
                Assert.Equal("eval_1", Prop(d, "EvalId"));
                Assert.Equal(true, Prop(d, "Deleted"));
            });
            Assert.Empty(Session.Host.Prompts);
        }

        [Fact]
        public void Hundred_inputs_with_ten_missing_give_ninety_results_and_ten_errors_in_input_order()
        {
            var existing = Fake.AddRuns("eval_1", 90, "queued").ToList();
            var inputs = existing.ToList();
            var missing = Enumerable.Range(1, 10).Select(i => $"evalrun_gone_{i:00}").ToList();
            for (int i = 0; i < missing.Count; i++) inputs.Insert(i * 10 + 3, missing[i]);
            Session.SetVariable("ids", inputs.ToArray());

            var result = Run("$ids | ForEach-Object { [pscustomobject]@{ EvalId = 'eval_1'; RunId = $_ } } | Stop-EvalRun -PassThru");
            Assert.Null(result.Terminating);
            Assert.Equal(existing, result.Output.Select(o => (string)Prop(o, "Id")!));
            Assert.Equal(missing, result.Errors.Select(e => (string)e.TargetObject));
            Assert.All(result.Errors, e =>
            {
                Assert.Equal("EvalRunNotFound,EvalsPS.Commands.StopEvalRunCommand", e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
            });
            Assert.Equal(100, Fake.Requests.Count);
            Assert.Equal(100, Fake.Requests.Select(r => r.RawPath).Distinct().Count());
        }

        [Fact]
        public void A_run_that_can_no_longer_be_canceled_is_InvalidOperation_with_the_api_message()
        {
            var id = Fake.AddRun("eval_1", status: "completed");
            var result = Run($"Stop-EvalRun eval_1 {id}");
            var error = SingleError(result, "EvalRunNotCancelable", ErrorCategory.InvalidOperation, id);
            Assert.Contains($"Cannot cancel run '{id}': its status is 'completed'.", error.ToString());
            Assert.Single(Fake.Requests);
        }

        [Fact]
        public void Deleting_a_missing_run_is_ObjectNotFound()
        {
            var result = Run("Remove-EvalRun eval_1 evalrun_gone -Force");
            SingleError(result, "EvalRunNotFound", ErrorCategory.ObjectNotFound, "evalrun_gone");
        }

        [Fact]
        public void ThrottleLimit_keeps_that_many_requests_in_flight()
        {
            var ids = Fake.AddRuns("eval_1", 12, "queued");
            Fake.Latency = TimeSpan.FromMilliseconds(300);
            Ok($"Stop-EvalRun eval_1 {string.Join(",", ids)} -ThrottleLimit 4");
            var arrivals = Fake.Requests.Select(r => r.ReceivedAtUtc).OrderBy(t => t).ToArray();
            Assert.Equal(12, arrivals.Length);
            // Four start together; the fifth only once one of them has answered.
            Assert.True(arrivals[3] - arrivals[0] < TimeSpan.FromMilliseconds(200), $"first four spread over {arrivals[3] - arrivals[0]}");
            Assert.True(arrivals[4] - arrivals[0] >= TimeSpan.FromMilliseconds(250), $"fifth came {arrivals[4] - arrivals[0]} after the first");
        }

        [Fact]
        public void ThrottleLimit_1_sends_one_request_at_a_time()
        {
            var ids = Fake.AddRuns("eval_1", 3, "queued");
            Fake.Latency = TimeSpan.FromMilliseconds(150);
            Ok($"Stop-EvalRun eval_1 {string.Join(",", ids)} -ThrottleLimit 1");
            var arrivals = Fake.Requests.Select(r => r.ReceivedAtUtc).ToArray();
            Assert.True(arrivals[1] - arrivals[0] >= TimeSpan.FromMilliseconds(140));
            Assert.True(arrivals[2] - arrivals[1] >= TimeSpan.FromMilliseconds(140));
        }

        [Fact]
        public void ThrottleLimit_outside_1_to_64_is_refused()
        {
            AssertRefusedBeforeAnyRequest("Stop-EvalRun eval_1 r1 -ThrottleLimit 65");
        }

        [Fact]
        public void Progress_counts_the_work_and_completes()
        {
            var ids = Fake.AddRuns("eval_1", 10, "queued");
            var result = Run($"Stop-EvalRun eval_1 {string.Join(",", ids)}");
            result.ThrowOnError();
            Assert.NotEmpty(result.Progress);
            Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
            Assert.Contains("10 done", result.Progress[^1].StatusDescription);
        }

        [Fact]
        public void Ctrl_C_cancels_the_requests_in_flight_and_starts_none_after()
        {
            var ids = Fake.AddRuns("eval_1", 40, "queued");
            Fake.Latency = TimeSpan.FromSeconds(20);
            Session.SetVariable("ids", ids.ToArray());
            var stopping = PressCtrlCWhen("$ids | ForEach-Object { [pscustomobject]@{ EvalId = 'eval_1'; RunId = $_ } } | Stop-EvalRun -ThrottleLimit 4",
                () => Fake.Requests.Count == 4);
            Assert.True(stopping < TimeSpan.FromSeconds(5), $"Stopping took {stopping}");
            Thread.Sleep(200);
            Assert.Equal(4, Fake.Requests.Count);
            Assert.All(ids, id => Assert.Equal("queued", Fake.RunStatus("eval_1", id)));
        }
    }
}
