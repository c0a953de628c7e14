using System;
using System.Globalization;
using System.Linq;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace EvalsPS.Api
{
    /// <summary>
    /// The one retry policy, read by every request: what is retried, how long to wait (the server's retry-after-ms or
    /// Retry-After, else exponential backoff), the caps, and the floor and cap on polling. The rules are the official
    /// OpenAI clients' (openai-python's _should_retry and _calculate_retry_timeout). Every number from the server passes
    /// through here and is bounded: text, NaN, negative values are ignored, and no value, however large, overflows.
    /// </summary>
    internal static class RetryPolicy
    {
        internal static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(0.5);
        internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);

        /// <summary>The longest wait the server may ask for: a retry is not made when it asks for more, a wait is cut to it.</summary>
        internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(120);

        /// <summary>A run is polled at most once per PollFloor, whatever the server asks (openai-poll-after-ms, Retry-After).</summary>
        internal static readonly TimeSpan PollFloor = TimeSpan.FromSeconds(1);

        /// <summary>The longest interval between two polls the server's openai-poll-after-ms or the backoff after a 429 sets.</summary>
        internal static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(2);

        // Any number of milliseconds from the server is read as at most this: far above every cap, far below overflow.
        private static readonly TimeSpan Ceiling = TimeSpan.FromDays(1);

        [ThreadStatic] private static Random? random;

        /// <summary>
        /// How long to wait before trying a failed request again, or null when it is not tried again (then
        /// <paramref name="whyNot"/> may say why, for -Verbose). <paramref name="attempt"/> counts from 1;
        /// <paramref name="floor"/> is the least wait (a poll's retry waits at least PollFloor).
        /// A request that is not idempotent (a POST that creates) is tried again only when it cannot have reached the
        /// server: a 429, or a connection that was never made. A timeout, a connection lost after sending, a 5xx or an
        /// unreadable 2xx may mean it was done, and doing it again would do it twice.
        /// </summary>
        internal static TimeSpan? RetryWait(EvalsApiException failure, int attempt, bool idempotent, TimeSpan floor, out string? whyNot)
        {
            whyNot = null;
            if (failure.Kind == FailureKind.InvalidJsonResponse || failure.Kind == FailureKind.Redirect) return null;
            if (!idempotent && failure.StatusCode != 429 && !(failure.Kind == FailureKind.ConnectionFailed && NeverSent(failure))) return null;

            TimeSpan wait = Backoff(attempt - 1);
            if (failure.StatusCode is int status && failure.ResponseHeaders is HttpResponseHeaders headers)
            {
                if (!IsRetryable(status, headers)) return null;
                if (RequestedDelay(headers, DateTimeOffset.UtcNow) is TimeSpan asked)
                {
                    if (asked > MaxRetryAfter)
                    {
                        whyNot = $"Not retrying: the server asked to wait {asked.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s, " +
                                 $"more than the {MaxRetryAfter.TotalSeconds:0} s EvalsPS waits.";
                        return null;
                    }
                    wait = asked;
                }
            }
            return wait > floor ? wait : floor;
        }

        /// <summary>x-should-retry decides when present; otherwise 408, 409, 429 and every 5xx are retried.</summary>
        internal static bool IsRetryable(int status, HttpResponseHeaders headers)
        {
            var shouldRetry = Header(headers, "x-should-retry");
            if (string.Equals(shouldRetry, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(shouldRetry, "false", StringComparison.OrdinalIgnoreCase)) return false;
            return status == 408 || status == 409 || status == 429 || status >= 500;
        }

        /// <summary>
        /// The wait the server asked for: retry-after-ms, else retry-after in seconds or as an HTTP date; null when it
        /// asked for none it could mean. At most a day, whatever it says.
        /// </summary>
        internal static TimeSpan? RequestedDelay(HttpResponseHeaders headers, DateTimeOffset now)
        {
            if (Milliseconds(Header(headers, "retry-after-ms"), 1) is TimeSpan asked) return asked;

            var retryAfter = Header(headers, "retry-after");
            if (retryAfter == null) return null;
            if (Milliseconds(retryAfter, 1000) is TimeSpan seconds) return seconds;
            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return date <= now ? TimeSpan.Zero : date - now < Ceiling ? date - now : Ceiling;
            return null;
        }

        /// <summary>The wait openai-poll-after-ms asks for before the next poll of a run, within PollFloor and MaxPollInterval.</summary>
        internal static TimeSpan? PollAfter(HttpResponseHeaders headers) =>
            Milliseconds(Header(headers, "openai-poll-after-ms"), 1) is TimeSpan asked ? Poll(asked) : null;

        /// <summary>
        /// How long Wait-EvalRun holds every poll after a 429 that outlasted the request's retries: what Retry-After asks,
        /// within PollFloor and MaxRetryAfter; null when the server named no wait (the run is then reported).
        /// </summary>
        internal static TimeSpan? RateLimitPause(EvalsApiException failure) =>
            failure.StatusCode == 429 && failure.ResponseHeaders is { } headers && RequestedDelay(headers, DateTimeOffset.UtcNow) is TimeSpan asked
                ? (asked < PollFloor ? PollFloor : asked < MaxRetryAfter ? asked : MaxRetryAfter)
                : (TimeSpan?)null;

        /// <summary>The least interval between polls after a 429: twice the last one (starting from the polling interval), within the poll bounds.</summary>
        internal static TimeSpan PollBackoff(TimeSpan last, TimeSpan interval) =>
            Poll(TimeSpan.FromTicks(Math.Min((last == TimeSpan.Zero ? interval : last).Ticks, MaxPollInterval.Ticks) * 2));

        /// <summary>An interval between two polls of a run, within PollFloor and MaxPollInterval.</summary>
        internal static TimeSpan Poll(TimeSpan interval) =>
            interval < PollFloor ? PollFloor : interval > MaxPollInterval ? MaxPollInterval : interval;

        /// <summary>Exponential from 0.5 s, capped at 8 s, less up to 25 % jitter. retryNumber counts from 0.</summary>
        internal static TimeSpan Backoff(int retryNumber)
        {
            var rng = random ??= new Random(Guid.NewGuid().GetHashCode());
            double seconds = Math.Min(InitialDelay.TotalSeconds * Math.Pow(2, Math.Min(retryNumber, 30)), MaxBackoff.TotalSeconds);
            return TimeSpan.FromSeconds(seconds * (1 - 0.25 * rng.NextDouble()));
        }

        /// <summary>A number of units of <paramref name="millisecondsPerUnit"/> ms as a wait: null unless a number &gt;= 0; at most a day.</summary>
        private static TimeSpan? Milliseconds(string? text, double millisecondsPerUnit)
        {
            if (text == null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || value < 0)
                return null;
            double ms = value * millisecondsPerUnit;
            return ms >= Ceiling.TotalMilliseconds ? Ceiling : TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));
        }

        /// <summary>Whether the connection was never made (refused, no such host), so nothing of the request reached the server.</summary>
        private static bool NeverSent(EvalsApiException failure)
        {
            for (Exception? inner = failure.InnerException; inner != null; inner = inner.InnerException)
            {
                if (inner is SocketException socket)
                {
                    return socket.SocketErrorCode == SocketError.ConnectionRefused || socket.SocketErrorCode == SocketError.HostNotFound ||
                           socket.SocketErrorCode == SocketError.HostUnreachable || socket.SocketErrorCode == SocketError.NetworkUnreachable ||
                           socket.SocketErrorCode == SocketError.TryAgain || socket.SocketErrorCode == SocketError.NoData;
                }
            }
            return false;
        }

        private static string? Header(HttpResponseHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;
    }
}
