using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Serialization;

namespace EvalsPS.Api
{
    /// <summary>Where the client reports what it does (verbose) and what it sends (debug).</summary>
    internal interface IApiLog
    {
        /// <summary>False when debug output is not shown, so the request and response dumps are not built.</summary>
        bool DebugEnabled { get; }

        void Verbose(string message);
        void Debug(string message);

        /// <summary>A field of an answer that could not be read; everything else was.</summary>
        void Warning(string message);
    }

    /// <summary>The Evals runs endpoints over the one HTTP path of the module, with retries and timeouts.</summary>
    internal sealed class EvalsApiClient
    {
        private readonly ConnectionSettings settings;
        private readonly IApiLog log;
        private readonly HttpClient http;

        internal EvalsApiClient(ConnectionSettings settings, IApiLog log, HttpClient? http = null)
        {
            this.settings = settings;
            this.log = log;
            this.http = http ?? HttpTransport.Shared;
        }

        internal Task<EvalRun> GetRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        internal Task<EvalRunPage> ListRunsAsync(string evalId, string? after, int limit, string order, string? status, CancellationToken cancel)
        {
            var query = new StringBuilder("?limit=").Append(limit.ToString(CultureInfo.InvariantCulture))
                .Append("&order=").Append(Uri.EscapeDataString(order));
            if (status != null) query.Append("&status=").Append(Uri.EscapeDataString(status));
            if (after != null) query.Append("&after=").Append(Uri.EscapeDataString(after));
            return SendAsync(HttpMethod.Get, "evals/" + Segment(evalId) + "/runs" + query, json => new EvalRunPage(json), cancel);
        }

        /// <summary>Cancels a run: POST to the run path itself, as the API description and official SDKs do.</summary>
        internal Task<EvalRun> CancelRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Post, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        internal Task<EvalRunDeletion> DeleteRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Delete, RunPath(evalId, runId), json => new EvalRunDeletion(json, evalId, runId), cancel);

        internal static string RunPath(string evalId, string runId) => "evals/" + Segment(evalId) + "/runs/" + Segment(runId);

        /// <summary>
        /// An id as one path segment: percent-encoded, dots included, so no id ("..", "a/b", "x?y")
        /// can reach another endpoint.
        /// </summary>
        internal static string Segment(string id) => Uri.EscapeDataString(id).Replace(".", "%2E");

        private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonFields, T> read, CancellationToken cancel)
        {
            var uri = RequestUri.Create(settings.BaseUri, relativePath);
            for (int attempt = 1; ; attempt++)
            {
                TimeSpan? wait;
                try
                {
                    return await SendOnceAsync(method, uri, read, cancel).ConfigureAwait(false);
                }
                catch (EvalsApiException failure) when (attempt <= settings.MaxRetries && (wait = RetryWait(failure, attempt)) != null)
                {
                    log.Verbose($"Retrying {method} {uri} in {wait.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s after {Describe(failure)} " +
                                $"(retry {attempt} of {settings.MaxRetries}).");
                    await Task.Delay(wait.Value, cancel).ConfigureAwait(false);
                }
                catch (EvalsApiException failure)
                {
                    failure.Attempts = attempt;
                    throw;
                }
            }
        }

        private TimeSpan? RetryWait(EvalsApiException failure, int attempt)
        {
            if (failure.Kind == FailureKind.InvalidJsonResponse) return null;
            if (failure.StatusCode is int && failure.ResponseHeaders is HttpResponseHeaders headers)
            {
                if (!RetryPolicy.IsRetryable(failure.StatusCode.Value, headers)) return null;
                var requested = RetryPolicy.RequestedDelay(headers, DateTimeOffset.UtcNow);
                if (requested is TimeSpan asked)
                {
                    if (asked > RetryPolicy.MaxRetryAfter)
                    {
                        log.Verbose($"Not retrying: the server asked to wait {asked.TotalSeconds:0} s, more than the {RetryPolicy.MaxRetryAfter.TotalSeconds:0} s EvalsPS waits.");
                        return null;
                    }
                    return asked;
                }
            }
            return RetryPolicy.Backoff(attempt - 1);
        }

        private async Task<T> SendOnceAsync<T>(HttpMethod method, Uri uri, Func<JsonFields, T> read, CancellationToken cancel)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.RevealApiKey());
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (settings.Organization != null) request.Headers.TryAddWithoutValidation("OpenAI-Organization", settings.Organization);
            if (settings.Project != null) request.Headers.TryAddWithoutValidation("OpenAI-Project", settings.Project);
            if (method == HttpMethod.Post) request.Content = new ByteArrayContent(Array.Empty<byte>());
            if (log.DebugEnabled) log.Debug(DescribeRequest(request));

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(settings.Timeout);
            var clock = Stopwatch.StartNew();
            HttpResponseMessage response;
            ArraySegment<byte> body;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                using (response)
                {
                    body = await ReadBodyAsync(response.Content, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!cancel.IsCancellationRequested && deadline.IsCancellationRequested)
            {
                log.Verbose($"{method} {uri} timed out after {clock.Elapsed.TotalSeconds:0.#} s.");
                throw new EvalsApiException(FailureKind.Timeout,
                    $"The request timed out: no complete answer from {uri.Host} within {settings.Timeout.TotalSeconds:0} s (-TimeoutSec).", ex);
            }
            catch (Exception ex) when (!cancel.IsCancellationRequested && (ex is HttpRequestException || ex is IOException || ex is ObjectDisposedException))
            {
                log.Verbose($"{method} {uri} failed: {Innermost(ex).Message}");
                throw new EvalsApiException(FailureKind.ConnectionFailed,
                    $"The connection to {uri.Host} failed or broke before the answer was complete: {Innermost(ex).Message}", ex);
            }

            try
            {
                int status = (int)response.StatusCode;
                string? requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
                log.Verbose($"{method} {uri} -> {status} {response.ReasonPhrase} (request id {requestId ?? "none"}, {clock.ElapsedMilliseconds} ms)");
                if (log.DebugEnabled) log.Debug(DescribeResponse(response, body.Count));

                if (status >= 200 && status < 300)
                {
                    var issues = new ReadIssues();
                    T result;
                    try
                    {
                        using var document = JsonDocument.Parse(body.AsMemory());
                        result = read(JsonFields.Root(document.RootElement, issues));
                    }
                    catch (JsonException ex)
                    {
                        throw new EvalsApiException(FailureKind.InvalidJsonResponse,
                            body.Count == 0
                                ? $"The API answered {status} {response.ReasonPhrase} with an empty body where JSON was expected."
                                : $"The API answered {status} {response.ReasonPhrase} but the body is not well-formed JSON ({ex.Message}).",
                            ex)
                        { StatusCode = status, ReasonPhrase = response.ReasonPhrase, RequestId = requestId };
                    }
                    foreach (var issue in issues.Messages) log.Warning(issue);
                    return result;
                }

                var failure = ApiErrorBody.ToException(status, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body);
                failure.RequestId = requestId;
                failure.ResponseHeaders = response.Headers;
                throw failure;
            }
            finally
            {
                // Nothing read from the answer refers to the buffer: the document is disposed and its values copied.
                ArrayPool<byte>.Shared.Return(body.Array!);
            }
        }

        /// <summary>
        /// The whole body, read within the call's deadline, into a buffer from the shared pool (the caller returns it): a
        /// listing's pages are ~140 KB each, and a new array for each would land on the large object heap and cost a
        /// gen-2 collection every few pages.
        /// </summary>
        private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancel)
        {
            using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            long? declared = content.Headers.ContentLength;
            var pool = ArrayPool<byte>.Shared;
            byte[] buffer = pool.Rent(declared is long known && known > 0 && known < int.MaxValue ? (int)known : 16 * 1024);
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        byte[] larger = pool.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, larger, 0, length);
                        pool.Return(buffer);
                        buffer = larger;
                    }
                    int read = await stream.ReadAsync(buffer, length, buffer.Length - length, cancel).ConfigureAwait(false);
                    if (read == 0) return new ArraySegment<byte>(buffer, 0, length);
                    length += read;
                }
            }
            catch
            {
                pool.Return(buffer);
                throw;
            }
        }

        private static string Describe(EvalsApiException failure) =>
            failure.StatusCode is int status ? $"{status} {failure.ReasonPhrase}" : failure.Kind == FailureKind.Timeout ? "a timeout" : "a connection failure";

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        private static string DescribeRequest(HttpRequestMessage request)
        {
            var text = new StringBuilder().Append(request.Method).Append(' ').Append(request.RequestUri);
            foreach (var header in request.Headers)
            {
                text.Append("\n  ").Append(header.Key).Append(": ")
                    .Append(header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer ****" : string.Join(", ", header.Value));
            }
            return text.ToString();
        }

        private static string DescribeResponse(HttpResponseMessage response, int bodyLength)
        {
            var text = new StringBuilder().Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase)
                .Append(", ").Append(bodyLength.ToString(CultureInfo.InvariantCulture)).Append(" bytes");
            foreach (var header in response.Headers.Concat(response.Content.Headers))
                text.Append("\n  ").Append(header.Key).Append(": ").Append(string.Join(", ", header.Value));
            return text.ToString();
        }
    }

    /// <summary>A page of runs as the list endpoint returns it.</summary>
    internal sealed class EvalRunPage
    {
        internal EvalRunPage(JsonFields json)
        {
            Data = json.List("data", run => new EvalRun(run));
            FirstId = json.String("first_id");
            LastId = json.String("last_id");
            HasMore = json.Bool("has_more") ?? false;
        }

        internal EvalsList<EvalRun>? Data { get; }
        internal string? FirstId { get; }
        internal string? LastId { get; }
        internal bool HasMore { get; }
    }
}
