using System;
using System.Text;
using System.Text.Json;

namespace EvalsPS.Api
{
    /// <summary>Reads an error answer ({"error": {message, type, param, code}}, or whatever a proxy sent instead).</summary>
    internal static class ApiErrorBody
    {
        private const int MaxQuotedBody = 200;

        /// <param name="redact">Hides the API key in the body's text before anything is read from it (a server may echo it).</param>
        internal static EvalsApiException ToException(int status, string? reason, string? mediaType, ReadOnlySpan<byte> body, Func<string?, string?> redact)
        {
            var text = redact(Encoding.UTF8.GetString(body.ToArray()).Trim())!;
            if (text.Length == 0)
            {
                return new EvalsApiException(FailureKind.EmptyResponse,
                    $"The server answered {status} {reason} with an empty body, so it gave no reason.")
                { StatusCode = status, ReasonPhrase = reason };
            }

            if (TryReadJsonError(text, out var message, out var type, out var code, out var param))
            {
                return new EvalsApiException(FailureKind.HttpStatus, message ?? $"The API answered {status} {reason}.")
                { StatusCode = status, ReasonPhrase = reason, ApiMessage = message, ErrorType = type, ErrorCode = code, Param = param };
            }

            bool html = (mediaType?.IndexOf("html", StringComparison.OrdinalIgnoreCase) ?? -1) >= 0 || text.StartsWith("<", StringComparison.Ordinal);
            return html
                ? new EvalsApiException(FailureKind.HtmlResponse,
                    $"The server answered {status} {reason} with an HTML page instead of the API's JSON: a proxy or gateway between you and the API probably answered (page title: {HtmlTitle(text)}).")
                  { StatusCode = status, ReasonPhrase = reason }
                : new EvalsApiException(FailureKind.UnreadableErrorResponse,
                    $"The server answered {status} {reason} with a body that is not the API's JSON error: {Quote(text)}")
                  { StatusCode = status, ReasonPhrase = reason };
        }

        private static bool TryReadJsonError(string text, out string? message, out string? type, out string? code, out string? param)
        {
            message = type = code = param = null;
            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return false;
                var error = root.TryGetProperty("error", out var inner) && inner.ValueKind == JsonValueKind.Object ? inner : root;
                message = Text(error, "message");
                type = Text(error, "type");
                code = Text(error, "code");
                param = Text(error, "param");
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static string? Text(JsonElement element, string name)
        {
            if (!element.TryGetProperty(name, out var value)) return null;
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.Undefined => null,
                _ => value.GetRawText(),
            };
        }

        private static string HtmlTitle(string html)
        {
            int start = html.IndexOf("<title>", StringComparison.OrdinalIgnoreCase);
            int end = start < 0 ? -1 : html.IndexOf("</title>", start, StringComparison.OrdinalIgnoreCase);
            return start >= 0 && end > start ? Quote(html.Substring(start + 7, end - start - 7).Trim()) : "none";
        }

        private static string Quote(string text) =>
            "'" + (text.Length > MaxQuotedBody ? text.Substring(0, MaxQuotedBody) + "..." : text) + "'";
    }
}
