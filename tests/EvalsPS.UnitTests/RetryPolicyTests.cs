using System;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using EvalsPS.Api;
using Xunit;

namespace EvalsPS.UnitTests
{
    public sealed class RetryPolicyTests
    {
        private static HttpResponseHeaders Headers(params (string Name, string Value)[] headers)
        {
            var response = new HttpResponseMessage();
            foreach (var (name, value) in headers) response.Headers.TryAddWithoutValidation(name, value);
            return response.Headers;
        }

        [Theory]
        [InlineData(408, true)]
        [InlineData(409, true)]
        [InlineData(429, true)]
        [InlineData(500, true)]
        [InlineData(503, true)]
        [InlineData(599, true)]
        [InlineData(400, false)]
        [InlineData(401, false)]
        [InlineData(403, false)]
        [InlineData(404, false)]
        [InlineData(422, false)]
        public void Retries_408_409_429_and_every_5xx(int status, bool retried) =>
            Assert.Equal(retried, RetryPolicy.IsRetryable(status, Headers()));

        [Theory]
        [InlineData(400, "true", true)]
        [InlineData(400, "TRUE", true)]
        [InlineData(503, "false", false)]
        [InlineData(503, " False ", false)]
        [InlineData(503, "maybe", true)]
        [InlineData(404, "maybe", false)]
        public void X_should_retry_decides_when_it_is_true_or_false(int status, string header, bool retried) =>
            Assert.Equal(retried, RetryPolicy.IsRetryable(status, Headers(("x-should-retry", header))));

        [Theory]
        [InlineData("retry-after-ms", "1500", 1500)]
        [InlineData("retry-after-ms", "0", 0)]
        [InlineData("retry-after-ms", "12.5", 12.5)]
        [InlineData("retry-after", "2", 2000)]
        [InlineData("retry-after", "0.25", 250)]
        public void Requested_delay_reads_milliseconds_and_seconds(string header, string value, double expectedMs) =>
            Assert.Equal(expectedMs, RetryPolicy.RequestedDelay(Headers((header, value)), DateTimeOffset.UtcNow)!.Value.TotalMilliseconds);

        [Fact]
        public void Retry_after_ms_wins_over_retry_after() =>
            Assert.Equal(TimeSpan.FromMilliseconds(300), RetryPolicy.RequestedDelay(Headers(("retry-after", "9"), ("retry-after-ms", "300")), DateTimeOffset.UtcNow));

        [Theory]
        [InlineData("retry-after-ms", "-5")]
        [InlineData("retry-after-ms", "soon")]
        [InlineData("retry-after", "-1")]
        [InlineData("retry-after", "tomorrow")]
        public void Requested_delay_ignores_values_it_cannot_read(string header, string value) =>
            Assert.Null(RetryPolicy.RequestedDelay(Headers((header, value)), DateTimeOffset.UtcNow));

        [Fact]
        public void Requested_delay_reads_an_http_date_and_a_past_date_as_no_wait()
        {
            var now = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
            string Date(int seconds) => now.AddSeconds(seconds).ToString("r", CultureInfo.InvariantCulture);
            Assert.Equal(TimeSpan.FromSeconds(7), RetryPolicy.RequestedDelay(Headers(("retry-after", Date(7))), now));
            Assert.Equal(TimeSpan.Zero, RetryPolicy.RequestedDelay(Headers(("retry-after", Date(-30))), now));
        }

        [Theory]
        [InlineData(0, 0.5)]
        [InlineData(1, 1)]
        [InlineData(2, 2)]
        [InlineData(3, 4)]
        [InlineData(4, 8)]
        [InlineData(5, 8)]
        [InlineData(40, 8)]
        public void Backoff_doubles_from_half_a_second_to_8_seconds_less_up_to_a_quarter_of_jitter(int retry, double fullSeconds)
        {
            var waits = Enumerable.Range(0, 200).Select(_ => RetryPolicy.Backoff(retry).TotalSeconds).ToArray();
            Assert.All(waits, w => Assert.InRange(w, fullSeconds * 0.75, fullSeconds));
            Assert.True(waits.Distinct().Count() > 100, "the jitter varies the wait");
        }
    
        [Theory]
        [InlineData("retry-after", "1e300")]
        [InlineData("retry-after", "Infinity")]
        [InlineData("retry-after", "10000000")]
        [InlineData("retry-after-ms", "1e300")]
        [InlineData("retry-after-ms", "1e12")]
        public void Requested_delay_reads_a_huge_value_as_at_most_a_day(string header, string value)
        {
            var asked = RetryPolicy.RequestedDelay(Headers((header, value)), DateTimeOffset.UtcNow);
            Assert.NotNull(asked);
            Assert.InRange(asked!.Value, RetryPolicy.MaxRetryAfter, TimeSpan.FromDays(1));
        }

        [Theory]
        [InlineData("0", 1000)]
        [InlineData("20", 1000)]
        [InlineData("2500", 2500)]
        [InlineData("1e12", 120000)]
        [InlineData("Infinity", 120000)]
        public void Poll_after_is_read_within_the_floor_and_the_cap(string value, double expectedMs) =>
            Assert.Equal(expectedMs, RetryPolicy.PollAfter(Headers(("openai-poll-after-ms", value)))!.Value.TotalMilliseconds);

        [Theory]
        [InlineData("-1")]
        [InlineData("NaN")]
        [InlineData("-Infinity")]
        [InlineData("soon")]
        public void Poll_after_ignores_what_is_not_a_wait(string value) =>
            Assert.Null(RetryPolicy.PollAfter(Headers(("openai-poll-after-ms", value))));

        private static EvalsApiException Failure(FailureKind kind, int? status = null, params (string Name, string Value)[] headers) =>
            new EvalsApiException(kind, "failed") { StatusCode = status, ResponseHeaders = status is null ? null : Headers(headers) };

        [Theory]
        [InlineData("Timeout", null)]
        [InlineData("ConnectionFailed", null)]
        [InlineData("HttpStatus", 500)]
        [InlineData("HttpStatus", 503)]
        [InlineData("HttpStatus", 408)]
        [InlineData("InvalidJsonResponse", 200)]
        public void A_request_that_is_not_idempotent_is_not_retried_once_it_may_have_reached_the_server(string kindName, int? status)
        {
            var kind = (FailureKind)Enum.Parse(typeof(FailureKind), kindName);
            Assert.Null(RetryPolicy.RetryWait(Failure(kind, status), 1, idempotent: false, TimeSpan.Zero, out _));
            if (kind != FailureKind.InvalidJsonResponse)
                Assert.NotNull(RetryPolicy.RetryWait(Failure(kind, status), 1, idempotent: true, TimeSpan.Zero, out _));
        }

        [Fact]
        public void A_request_that_is_not_idempotent_is_retried_after_a_429_and_a_connection_never_made()
        {
            Assert.Equal(TimeSpan.FromSeconds(1), RetryPolicy.RetryWait(Failure(FailureKind.HttpStatus, 429, ("retry-after", "1")), 1, idempotent: false, TimeSpan.Zero, out _));
            var refused = new EvalsApiException(FailureKind.ConnectionFailed, "refused",
                new System.Net.Http.HttpRequestException("refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
            Assert.NotNull(RetryPolicy.RetryWait(refused, 1, idempotent: false, TimeSpan.Zero, out _));
        }

        [Fact]
        public void A_retry_waits_at_least_the_floor_and_a_wait_over_the_cap_is_not_retried()
        {
            Assert.Equal(RetryPolicy.PollFloor, RetryPolicy.RetryWait(Failure(FailureKind.HttpStatus, 429, ("retry-after-ms", "0")), 1, true, RetryPolicy.PollFloor, out _));
            Assert.Null(RetryPolicy.RetryWait(Failure(FailureKind.HttpStatus, 429, ("retry-after", "1e300")), 1, true, TimeSpan.Zero, out var whyNot));
            Assert.Contains("more than the 120 s", whyNot);
        }
    }
}
