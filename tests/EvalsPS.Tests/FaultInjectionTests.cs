using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using EvalsPS.FakeApi;
using EvalsPS.Hosting;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>
    /// The transport under failure. Every scenario runs with -Verbose -Debug, checks every stream for the
    /// key, and asserts the outcome, how many requests the fake received, and a bound on elapsed time.
    /// </summary>
    public sealed class FaultInjectionTests : HostedTest
    {
        private readonly string runId;

        public FaultInjectionTests() => runId = Fake.AddRun("eval_1", status: "queued");

        private (SessionResult Result, TimeSpan Elapsed) Get(string extra = "")
        {
            var clock = Stopwatch.StartNew();
            var result = Run($"Get-EvalRun eval_1 {runId} -Verbose -Debug {extra}");
            clock.Stop();
            AssertNoKey(result);
            return (result, clock.Elapsed);
        }

        private static void Succeeded(SessionResult result) => Assert.Single(result.ThrowOnError().Output);

        private TimeSpan GapBetweenRequests(int first, int second) =>
            Fake.Requests[second].ReceivedAtUtc - Fake.Requests[first].ReceivedAtUtc;

        private static void Within(TimeSpan elapsed, double seconds) =>
            Assert.True(elapsed < TimeSpan.FromSeconds(seconds), $"took {elapsed.TotalSeconds:0.00} s, bound {seconds} s");

        [Fact]
        public void S01_429_with_retry_after_ms_is_retried_after_that_wait()
        {
            Fake.Enqueue(FakeResponse.Error(429, "Rate limit reached.", "requests", "rate_limit_exceeded").WithHeader("retry-after-ms", "400"));
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            var gap = GapBetweenRequests(0, 1);
            Assert.InRange(gap.TotalMilliseconds, 380, 1200);
            Assert.Contains(result.Verbose, v => v.StartsWith("Retrying GET ") && v.Contains("in 0.4 s after 429") && v.Contains("(retry 1 of 2)"));
            Within(elapsed, 5);
        }

        [Fact]
        public void S02_429_with_retry_after_seconds_is_retried_after_that_wait()
        {
            Fake.Enqueue(FakeResponse.Error(429, "Rate limit reached.").WithHeader("retry-after", "1"));
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            Assert.InRange(GapBetweenRequests(0, 1).TotalMilliseconds, 950, 1900);
            Within(elapsed, 5);
        }

        [Fact]
        public void S03_429_with_retry_after_http_date_is_retried_at_that_time()
        {
            var when = DateTimeOffset.UtcNow.AddSeconds(2);
            Fake.Enqueue(FakeResponse.Error(429, "Rate limit reached.").WithHeader("retry-after", when.ToString("r", CultureInfo.InvariantCulture)));
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            // An HTTP date has whole seconds: the wait is between one and two seconds.
            Assert.InRange(GapBetweenRequests(0, 1).TotalMilliseconds, 900, 2600);
            Within(elapsed, 6);
        }

        [Fact]
        public void S04_429_asking_for_more_than_120_seconds_is_not_waited_for()
        {
            Fake.Enqueue(FakeResponse.Error(429, "Rate limit reached.").WithHeader("retry-after", "600"), times: 5);
            var (result, elapsed) = Get();
            var error = SingleError(result, "RateLimitExceeded", ErrorCategory.LimitsExceeded, runId);
            Assert.Contains("Rate limit reached.", error.ToString());
            Assert.Single(Fake.Requests);
            Assert.Contains(result.Verbose, v => v.Contains("asked to wait 600 s"));
            Within(elapsed, 3);
        }

        [Fact]
        public void S05_503_twice_then_success_is_retried_with_backoff()
        {
            Fake.Enqueue(FakeResponse.Error(503, "The server is overloaded.", "server_error"), times: 2);
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(3, Fake.Requests.Count);
            // Backoff: 0.5 s then 1 s, less up to 25 % jitter.
            Assert.InRange(GapBetweenRequests(0, 1).TotalMilliseconds, 360, 1200);
            Assert.InRange(GapBetweenRequests(1, 2).TotalMilliseconds, 740, 1700);
            Within(elapsed, 5);
        }

        [Fact]
        public void S06_5xx_forever_gives_one_ServerError_after_the_default_retries()
        {
            Fake.Enqueue(FakeResponse.Error(500, "Internal error.", "server_error").WithHeader("retry-after-ms", "20"), times: 100);
            var (result, elapsed) = Get();
            var error = SingleError(result, "ServerError", ErrorCategory.ConnectionError, runId);
            Assert.Contains("after 3 attempts", error.ToString());
            Assert.Equal(3, Fake.Requests.Count);
            Within(elapsed, 3);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(3)]
        public void S07_default_backoff_makes_as_many_attempts_as_MaxRetries_allows(int maxRetries)
        {
            Fake.Enqueue(FakeResponse.Error(502, "Bad gateway.", "server_error"), times: 100);
            var (result, elapsed) = Get($"-MaxRetries {maxRetries}");
            SingleError(result, "ServerError", ErrorCategory.ConnectionError, runId);
            Assert.Equal(maxRetries + 1, Fake.Requests.Count);
            Assert.Equal(maxRetries, result.Verbose.Count(v => v.StartsWith("Retrying ")));
            double minimum = Enumerable.Range(0, maxRetries).Sum(n => 0.5 * Math.Pow(2, n) * 0.75);
            Assert.True(elapsed.TotalSeconds >= minimum * 0.95, $"waited {elapsed.TotalSeconds:0.00} s, backoff needs {minimum:0.00} s");
            Within(elapsed, 2 * Enumerable.Range(0, maxRetries).Sum(n => 0.5 * Math.Pow(2, n)) + 2);
        }

        [Fact]
        public void S08_x_should_retry_false_stops_a_retry()
        {
            Fake.Enqueue(FakeResponse.Error(503, "Unavailable.").WithHeader("x-should-retry", "false"), times: 5);
            var (result, elapsed) = Get();
            SingleError(result, "ServerError", ErrorCategory.ConnectionError, runId);
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S09_x_should_retry_true_retries_even_a_400()
        {
            Fake.Enqueue(FakeResponse.Error(400, "Try again.").WithHeader("x-should-retry", "true").WithHeader("retry-after-ms", "10"));
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            Within(elapsed, 3);
        }

        [Fact]
        public void S10_an_html_502_from_a_proxy_is_a_clear_HtmlResponse_error()
        {
            Fake.Enqueue(FakeResponse.Html(502), times: 5);
            var (result, elapsed) = Get("-MaxRetries 0");
            var error = SingleError(result, "HtmlResponse", ErrorCategory.ConnectionError, runId);
            Assert.Contains("HTML page instead of the API's JSON", error.ToString());
            Assert.Contains("HTTP 502", error.ToString());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S11_an_empty_500_is_a_clear_EmptyResponse_error()
        {
            Fake.Enqueue(FakeResponse.Empty(500), times: 5);
            var (result, elapsed) = Get("-MaxRetries 0");
            var error = SingleError(result, "EmptyResponse", ErrorCategory.ConnectionError, runId);
            Assert.Contains("empty body", error.ToString());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S12_truncated_json_in_a_200_is_InvalidJsonResponse_and_not_retried()
        {
            Fake.Enqueue(FakeResponse.TruncatedJson(), times: 5);
            var (result, elapsed) = Get();
            var error = SingleError(result, "InvalidJsonResponse", ErrorCategory.InvalidResult, runId);
            Assert.Contains("not well-formed JSON", error.ToString());
            Assert.IsNotType<NullReferenceException>(error.Exception.InnerException);
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S13_an_answer_slower_than_TimeoutSec_is_a_timeout_error_not_a_hang()
        {
            Fake.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(20)), times: 5);
            var (result, elapsed) = Get("-TimeoutSec 1 -MaxRetries 0");
            var error = SingleError(result, "RequestTimedOut", ErrorCategory.OperationTimeout, runId);
            Assert.Contains("timed out", error.ToString());
            Assert.Single(Fake.Requests);
            Assert.InRange(elapsed.TotalSeconds, 0.9, 4);
        }

        [Fact]
        public void S14_a_timeout_is_retried()
        {
            Fake.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(20)));
            var (result, elapsed) = Get("-TimeoutSec 1");
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            Within(elapsed, 5);
        }

        [Fact]
        public void S15_a_connection_reset_before_the_answer_is_ConnectionFailed()
        {
            Fake.Enqueue(FakeResponse.Reset(), times: 5);
            var (result, elapsed) = Get("-MaxRetries 0");
            var error = SingleError(result, "ConnectionFailed", ErrorCategory.ConnectionError, runId);
            Assert.Contains("connection", error.ToString());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S16_a_reset_once_is_retried()
        {
            Fake.Enqueue(FakeResponse.Reset());
            var (result, elapsed) = Get();
            Succeeded(result);
            Assert.Equal(2, Fake.Requests.Count);
            Within(elapsed, 4);
        }

        [Fact]
        public void S17_a_wrong_key_is_AuthenticationFailed_and_not_retried()
        {
            const string wrongKey = "sk-wrong-0123456789abcdef0123456789abcdef";
            var (result, elapsed) = Get($"-ApiKey {wrongKey}");
            var error = SingleError(result, "AuthenticationFailed", ErrorCategory.AuthenticationError, runId);
            Assert.Contains("Incorrect API key provided.", error.ToString());
            Assert.DoesNotContain(wrongKey, result.AllText());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S18_403_is_PermissionDenied()
        {
            Fake.Enqueue(FakeResponse.Error(403, "You are not allowed to sample from this model.", "invalid_request_error", "model_not_allowed"));
            var (result, elapsed) = Get();
            var error = SingleError(result, "PermissionDenied", ErrorCategory.PermissionDenied, runId);
            Assert.Contains("code model_not_allowed", error.ToString());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S19_400_with_a_param_names_the_param()
        {
            Fake.Enqueue(FakeResponse.Error(400, "Invalid value for limit.", "invalid_request_error", null, "limit"));
            var (result, elapsed) = Get();
            var error = SingleError(result, "BadRequest", ErrorCategory.InvalidArgument, runId);
            Assert.Contains("Invalid value for limit.", error.ToString());
            Assert.Contains("param limit", error.ToString());
            Assert.Single(Fake.Requests);
            Within(elapsed, 3);
        }

        [Fact]
        public void S20_422_is_UnprocessableEntity()
        {
            Fake.Enqueue(FakeResponse.Error(422, "Unprocessable."));
            var (result, _) = Get();
            SingleError(result, "UnprocessableEntity", ErrorCategory.InvalidArgument, runId);
            Assert.Single(Fake.Requests);
        }

        [Fact]
        public void S21_409_is_retried_then_reported_as_Conflict()
        {
            Fake.Enqueue(FakeResponse.Error(409, "Busy.").WithHeader("retry-after-ms", "10"), times: 10);
            var (result, elapsed) = Get();
            SingleError(result, "Conflict", ErrorCategory.ResourceBusy, runId);
            Assert.Equal(3, Fake.Requests.Count);
            Within(elapsed, 3);
        }

        [Fact]
        public void S22_404_is_EvalRunNotFound_and_not_retried()
        {
            var clock = Stopwatch.StartNew();
            var result = Run("Get-EvalRun eval_1 evalrun_nope -Verbose -Debug");
            AssertNoKey(result);
            SingleError(result, "EvalRunNotFound", ErrorCategory.ObjectNotFound, "evalrun_nope");
            Assert.Single(Fake.Requests);
            Within(clock.Elapsed, 3);
        }

        [Fact]
        public void S23_a_bulk_remove_where_some_inputs_fail_accounts_for_every_input_in_order()
        {
            var ids = Fake.AddRuns("eval_2", 4);
            Fake.Enqueue(FakeResponse.Error(500, "Internal error.").WithHeader("retry-after-ms", "10"), times: 100, pathContains: ids[2]);
            var inputs = new[] { ids[0], "evalrun_gone_a", ids[1], ids[2], "evalrun_gone_b", ids[3] };
            var clock = Stopwatch.StartNew();
            var result = Run($"Remove-EvalRun eval_2 {string.Join(",", inputs)} -Force -PassThru -Verbose -Debug");
            AssertNoKey(result);
            Assert.Equal(new[] { ids[0], ids[1], ids[3] }, result.Output.Select(o => (string)Prop(o, "RunId")!));
            Assert.Equal(new[] { "evalrun_gone_a", ids[2], "evalrun_gone_b" }, result.Errors.Select(e => (string)e.TargetObject));
            Assert.Equal(new[] { "EvalRunNotFound", "ServerError", "EvalRunNotFound" },
                result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(8, Fake.Requests.Count); // six inputs, two retries of the failing one
            Within(clock.Elapsed, 5);
        }

        [Fact]
        public void S27_Ctrl_C_during_a_retry_wait_stops_at_once()
        {
            Fake.Enqueue(FakeResponse.Error(429, "Rate limit reached.").WithHeader("retry-after", "60"), times: 5);
            // Stop once the 429 is answered and the client is into its 60 s wait.
            var stopping = PressCtrlCWhen($"Get-EvalRun eval_1 {runId}", () =>
                Fake.Requests.Count == 1 && Fake.Requests[0].ResponseStatus == 429 && DateTime.UtcNow - Fake.Requests[0].ReceivedAtUtc > TimeSpan.FromMilliseconds(300));
            Within(stopping, 2);
            Assert.Single(Fake.Requests);
        }

        [Fact]
        public void S25_plain_http_to_another_host_is_refused_before_sending_the_key()
        {
            var result = Run($"Get-EvalRun eval_1 {runId} -BaseUri http://api.example.com/v1 -Verbose -Debug");
            AssertNoKey(result);
            var error = Assert.Single(result.AllErrors);
            Assert.Equal("UnencryptedAuthenticationRefused,EvalsPS.Commands.GetEvalRunCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
            Assert.Contains("-AllowUnencryptedAuthentication", error.ToString());
        }

        [Fact]
        public void S26_a_base_uri_that_is_not_http_is_refused()
        {
            var result = Run($"Get-EvalRun eval_1 {runId} -BaseUri ftp://127.0.0.1/v1");
            Assert.Equal("InvalidBaseUri,EvalsPS.Commands.GetEvalRunCommand", Assert.Single(result.AllErrors).FullyQualifiedErrorId);
            Assert.Empty(Fake.Requests);
        }
    }
}
