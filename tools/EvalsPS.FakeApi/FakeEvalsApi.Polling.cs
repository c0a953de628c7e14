using System;

namespace EvalsPS.FakeApi
{
    /// <summary>A hostile server for waiting: any value, however absurd, in the headers a poller reads.</summary>
    public sealed partial class FakeEvalsApi
    {
        /// <summary>
        /// The next <paramref name="times"/> GETs of the run answer as usual (its status sequence goes on), with the
        /// header <paramref name="name"/> set to <paramref name="value"/> as it is: "0", "-5", "1e300", "Infinity", "NaN",
        /// "soon". For openai-poll-after-ms, leave <see cref="PollAfterMs"/> unset so the answer carries only this one.
        /// </summary>
        public void AnswerPollsWith(string runId, string name, string value, int times = 10000) =>
            Enqueue(FakeResponse.Slow(TimeSpan.Zero).WithHeader(name, value), times, "/runs/" + runId);

        /// <summary>The next <paramref name="times"/> GETs of the run answer 429 with the header <paramref name="name"/> set to <paramref name="value"/>.</summary>
        public void RateLimitPollsWith(string runId, string name, string value, int times = 10000) =>
            Enqueue(FakeResponse.Error(429, "Rate limit reached.", "requests", "rate_limit_exceeded").WithHeader(name, value), times, "/runs/" + runId);
    }
}
