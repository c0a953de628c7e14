using System;
using System.Globalization;
using System.Linq;
using System.Net.Http.Headers;

namespace EvalsPS.Api
{
    /// <summary>When to try a failed call again and how long to wait: the official OpenAI clients' rules.</summary>
    internal static class RetryPolicy
    {
        internal static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(0.5);
        internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(8);
        internal static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(120);

        [ThreadStatic] private static Random? random;

        /// <summary>x-should-retry decides when present; otherwise 408, 409, 429 and every 5xx are retried.</summary>
        internal static bool IsRetryable(int status, HttpResponseHeaders headers)
        {
            var shouldRetry = Header(headers, "x-should-retry");
            if (string.Equals(shouldRetry, "true", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(shouldRetry, "false", StringComparison.OrdinalIgnoreCase)) return false;
            return status == 408 || status == 409 || status == 429 || status >= 500;
        }

        /// <summary>
        /// Whether a request that failed may have been acted on by the server, so that a create must not be sent again:
        /// anything after a connection was made (a timeout, a connection lost after sending, a 5xx, a 2xx whose body
        /// cannot be read or is too large). Not: a 4xx or 3xx answer (the server said it did not do it; 408, 409 and 429
        /// are then retried as usual), an id refused before sending, or a connection that was never made. A failure
        /// this version does not know counts as reached.
        /// </summary>
        internal static bool MayHaveReachedServer(EvalsApiException failure) => failure.Kind switch
        {
            FailureKind.UnsafeAddress => false,
            FailureKind.ConnectionFailed => !failure.NeverConnected,
            FailureKind.Timeout => true,
            _ => !(failure.StatusCode is int status && status >= 300 && status < 500),
        };

        /// <summary>The wait the server asked for: retry-after-ms, else retry-after in seconds or as an HTTP date.</summary>
        internal static TimeSpan? RequestedDelay(HttpResponseHeaders headers, DateTimeOffset now)
        {
            var milliseconds = Header(headers, "retry-after-ms");
            if (milliseconds != null && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
                return TimeSpan.FromMilliseconds(ms);

            var retryAfter = Header(headers, "retry-after");
            if (retryAfter == null) return null;
            if (double.TryParse(retryAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
                return TimeSpan.FromSeconds(seconds);
            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                return date > now ? date - now : TimeSpan.Zero;
            return null;
        }

        /// <summary>Exponential from 0.5 s, capped at 8 s, less up to 25 % jitter. retryNumber counts from 0.</summary>
        internal static TimeSpan Backoff(int retryNumber)
        {
            var rng = random ??= new Random(Guid.NewGuid().GetHashCode());
            double seconds = Math.Min(InitialDelay.TotalSeconds * Math.Pow(2, Math.Min(retryNumber, 30)), MaxBackoff.TotalSeconds);
            return TimeSpan.FromSeconds(seconds * (1 - 0.25 * rng.NextDouble()));
        }

        private static string? Header(HttpResponseHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? values.FirstOrDefault()?.Trim() : null;
    }
}
