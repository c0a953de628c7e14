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
    }

    /// <summary>A failed call to the Evals API. The message never holds the API key.</summary>
    internal sealed class EvalsApiException : Exception
    {
        internal EvalsApiException(FailureKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

        internal FailureKind Kind { get; }
        internal int? StatusCode { get; set; }
        internal string? ReasonPhrase { get; set; }
        internal string? ApiMessage { get; set; }
        internal string? ApiErrorType { get; set; }
        internal string? ApiErrorCode { get; set; }
        internal string? ApiErrorParam { get; set; }
        internal string? RequestId { get; set; }
        internal int Attempts { get; set; } = 1;
        internal System.Net.Http.Headers.HttpResponseHeaders? ResponseHeaders { get; set; }
    }
}
