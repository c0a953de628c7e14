using System;

namespace EvalsPS.Api
{
    /// <summary>Why a call failed, in the terms the error mapping needs.</summary>
    internal enum FailureKind
    {
        /// <summary>The API answered with an error status and a JSON error body.</summary>
        HttpStatus,
        /// <summary>An error status whose body is an HTML page (a proxy or gateway answered).</summary>
        HtmlResponse,
        /// <summary>An error status with an empty body.</summary>
        EmptyResponse,
        /// <summary>An error status whose body is neither JSON nor HTML.</summary>
        UnreadableErrorResponse,
        /// <summary>A success status whose body is not the JSON expected (truncated, invalid, empty).</summary>
        InvalidJsonResponse,
        /// <summary>No answer within -TimeoutSec.</summary>
        Timeout,
        /// <summary>The connection could not be made, or broke before the answer was complete.</summary>
        ConnectionFailed,
        /// <summary>An id would change which endpoint is reached on this runtime; nothing was sent.</summary>
        UnsafeAddress,
        /// <summary>A 3xx answer: the API never redirects, so it is not followed.</summary>
        Redirect,
        /// <summary>A listing whose next-page cursor repeats one already used: following it would never end.</summary>
        RepeatedCursor,
        /// <summary>A delete answered with success but "deleted": false.</summary>
        NotDeleted,
        /// <summary>A body larger than EvalsPS reads from one answer (EvalsApiClient.MaxBodyBytes).</summary>
        ResponseTooLarge,
    }
}

namespace EvalsPS
{
    using EvalsPS.Api;

    /// <summary>
    /// A failed call to the Evals API, in every ErrorRecord of such a failure, so a script can catch it by type
    /// (catch [EvalsPS.EvalsApiException]) and read what the API said. The message never holds the API key;
    /// it is bounded and has control characters escaped, while ApiMessage keeps the server's full text.
    /// </summary>
    public sealed class EvalsApiException : Exception
    {
        internal EvalsApiException(FailureKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

        internal FailureKind Kind { get; }

        /// <summary>The HTTP status of the last answer; null when none came (timeout, broken connection).</summary>
        public int? StatusCode { get; internal set; }

        /// <summary>The HTTP reason phrase of the last answer.</summary>
        public string? ReasonPhrase { get; internal set; }

        /// <summary>The API's error message, in full.</summary>
        public string? ApiMessage { get; internal set; }

        /// <summary>The API's error type, such as invalid_request_error.</summary>
        public string? ErrorType { get; internal set; }

        /// <summary>The API's error code, such as rate_limit_exceeded.</summary>
        public string? ErrorCode { get; internal set; }

        /// <summary>The request parameter the API blamed.</summary>
        public string? Param { get; internal set; }

        /// <summary>The x-request-id of the last answer, for OpenAI support.</summary>
        public string? RequestId { get; internal set; }

        /// <summary>The Location a 3xx answer pointed to (never followed).</summary>
        public string? Location { get; internal set; }

        /// <summary>How many times the request was sent (1 plus the retries).</summary>
        public int Attempts { get; internal set; } = 1;

        internal System.Net.Http.Headers.HttpResponseHeaders? ResponseHeaders { get; set; }

        /// <summary>A create that failed after the request may have reached the server: what it creates may exist.</summary>
        internal bool MayExist { get; set; }
    }
}
