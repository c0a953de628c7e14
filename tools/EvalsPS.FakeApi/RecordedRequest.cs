using System;
using System.Collections.Generic;
using System.Threading;

namespace EvalsPS.FakeApi
{
    /// <summary>One request the fake received, as it was on the wire.</summary>
    public sealed class RecordedRequest
    {
        private int responseStatus;

        internal RecordedRequest(string method, string rawTarget, string rawPath, IReadOnlyList<string> segments,
            IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, DateTime receivedAtUtc, string requestId, string body)
        {
            Body = body;
            Method = method;
            RawTarget = rawTarget;
            RawPath = rawPath;
            Segments = segments;
            Query = query;
            Headers = headers;
            ReceivedAtUtc = receivedAtUtc;
            RequestId = requestId;
        }

        /// <summary>The method, e.g. "GET".</summary>
        public string Method { get; }

        /// <summary>The request-target exactly as on the wire, e.g. "/v1/evals/e1/runs/a%2Fb?x=1".</summary>
        public string RawTarget { get; }

        /// <summary>RawTarget before '?'.</summary>
        public string RawPath { get; }

        /// <summary>RawPath split on '/', each segment percent-decoded after the split, empty ones dropped.</summary>
        public IReadOnlyList<string> Segments { get; }

        /// <summary>The query, decoded ('+' is a space); a repeated name keeps its last value.</summary>
        public IReadOnlyDictionary<string, string> Query { get; }

        /// <summary>The headers, by case-insensitive name; repeated headers joined with ", ".</summary>
        public IReadOnlyDictionary<string, string> Headers { get; }

        public DateTime ReceivedAtUtc { get; }

        /// <summary>The body as UTF-8 text ("" when there is none): a create's JSON, to check against the API's schemas.</summary>
        public string Body { get; }

        /// <summary>The x-request-id the fake answered with ("req_1", "req_2", ...).</summary>
        public string RequestId { get; }

        /// <summary>The status the fake answered; 0 while unanswered and when the connection was reset.</summary>
        public int ResponseStatus
        {
            get => Volatile.Read(ref responseStatus);
            internal set => Volatile.Write(ref responseStatus, value);
        }

        /// <summary>"GET /v1/... -> 200". Never shows header values: they hold the API key.</summary>
        public override string ToString() => Method + " " + RawTarget + " -> " + ResponseStatus.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
