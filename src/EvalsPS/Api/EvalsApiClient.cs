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
        /// <summary>False when verbose output is not shown, so the line for each request is not built.</summary>
        bool VerboseEnabled { get; }

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

        internal Task<Eval> GetEvalAsync(string evalId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, EvalPath(evalId), json => new Eval(json), cancel);

        internal Task<ListPage<Eval>> ListEvalsAsync(string? after, int limit, string order, string orderBy, CancellationToken cancel,
            Action<PageHead>? headRead = null) =>
            SendAsync(HttpMethod.Get, "evals" + ListQuery(after, limit, order, "order_by", orderBy),
                json => new ListPage<Eval>(json, eval => new Eval(eval), headRead), cancel);

        internal Task<EvalRun> GetRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        /// <summary>Gets a run for a poll: the run, and how long the server asks pollers to wait (openai-poll-after-ms), if it does.</summary>
        internal Task<PolledRun> PollRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), (json, headers) => new PolledRun(new EvalRun(json), PollAfter(headers)), cancel);

        internal Task<ListPage<EvalRun>> ListRunsAsync(string evalId, string? after, int limit, string order, string? status, CancellationToken cancel,
            Action<PageHead>? headRead = null) =>
            SendAsync(HttpMethod.Get, EvalPath(evalId) + "/runs" + ListQuery(after, limit, order, "status", status),
                json => new ListPage<EvalRun>(json, run => new EvalRun(run, deferDataSource: true), headRead), cancel);

        /// <summary>Cancels a run: POST to the run path itself, as the API description and official SDKs do.</summary>
        internal Task<EvalRun> CancelRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Post, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        internal async Task<EvalRunDeletion> DeleteRunAsync(string evalId, string runId, CancellationToken cancel)
        {
            var deletion = await SendAsync(HttpMethod.Delete, RunPath(evalId, runId), json => new EvalRunDeletion(json, evalId, runId), cancel).ConfigureAwait(false);
            if (!deletion.Deleted)
                throw new EvalsApiException(FailureKind.NotDeleted, "The API answered the delete with success but \"deleted\": false, so the run may still exist.");
            return deletion;
        }

        internal Task<EvalRunOutputItem> GetOutputItemAsync(string evalId, string runId, string outputItemId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId) + "/output_items/" + Segment(outputItemId), json => new EvalRunOutputItem(json), cancel);

        internal Task<ListPage<EvalRunOutputItem>> ListOutputItemsAsync(string evalId, string runId, string? after, int limit, string order, string? status,
            CancellationToken cancel, Action<PageHead>? headRead = null) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId) + "/output_items" + ListQuery(after, limit, order, "status", status),
                json => new ListPage<EvalRunOutputItem>(json, item => new EvalRunOutputItem(item), headRead), cancel);

        internal static string EvalPath(string evalId) => "evals/" + Segment(evalId);

        internal static string RunPath(string evalId, string runId) => EvalPath(evalId) + "/runs/" + Segment(runId);

        /// <summary>The query of a cursor listing: limit, order, one filter when given, and the cursor.</summary>
        private static string ListQuery(string? after, int limit, string order, string filterName, string? filterValue)
        {
            var query = new StringBuilder("?limit=").Append(limit.ToString(CultureInfo.InvariantCulture))
                .Append("&order=").Append(Uri.EscapeDataString(order));
            if (filterValue != null) query.Append('&').Append(filterName).Append('=').Append(Uri.EscapeDataString(filterValue));
            if (after != null) query.Append("&after=").Append(Uri.EscapeDataString(after));
            return query.ToString();
        }

        private static TimeSpan? PollAfter(HttpResponseHeaders headers) =>
            headers.TryGetValues("openai-poll-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0
                ? TimeSpan.FromMilliseconds(ms)
                : null;

        /// <summary>
        /// An id as one path segment: percent-encoded, so no id ("a/b", "x?y") can reach another endpoint.
        /// Dots stay as they are (every runtime keeps "run.1" intact); RequestUri refuses "." and "..".
        /// </summary>
        internal static string Segment(string id) => Uri.EscapeDataString(id);

        private Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonFields, T> read, CancellationToken cancel) =>
            SendAsync(method, relativePath, (json, _) => read(json), cancel);

        private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonFields, HttpResponseHeaders, T> read, CancellationToken cancel)
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
            if (failure.Kind == FailureKind.InvalidJsonResponse || failure.Kind == FailureKind.Redirect) return null;
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

        private async Task<T> SendOnceAsync<T>(HttpMethod method, Uri uri, Func<JsonFields, HttpResponseHeaders, T> read, CancellationToken cancel)
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
                // .NET Framework's response stream ignores the token: disposing the response when the deadline
                // or Ctrl+C fires closes the connection and ends a body that stalls after the headers.
                using (deadline.Token.Register(state => ((HttpResponseMessage)state!).Dispose(), response))
                {
                    body = await ReadBodyAsync(response.Content, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (cancel.IsCancellationRequested && !(ex is OperationCanceledException))
            {
                // A read ended by the disposal above on Ctrl+C: report it as the cancellation it is.
                throw new OperationCanceledException("The request was cancelled.", ex, cancel);
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

            // Set when the answer's objects keep parts of its document to read later: they own the body from then on.
            bool handedOver = false;
            try
            {
                int status = (int)response.StatusCode;
                string? requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
                if (log.VerboseEnabled)
                    log.Verbose($"{method} {uri} -> {status} {DisplayText.Value(response.ReasonPhrase)} (request id {requestId ?? "none"}, {clock.ElapsedMilliseconds} ms)");
                if (log.DebugEnabled) log.Debug(DescribeResponse(response, body.Count));

                if (status >= 200 && status < 300)
                {
                    var issues = new ReadIssues();
                    T result;
                    JsonDocument? document = null;
                    try
                    {
                        document = JsonDocument.Parse(body.AsMemory());
                        var kept = new KeptJson(document, body.Array);
                        result = read(JsonFields.Root(document.RootElement, issues, kept), response.Headers);
                        handedOver = kept.HandOver();
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
                    finally
                    {
                        if (!handedOver) document?.Dispose();
                    }
                    foreach (var issue in issues.Messages) log.Warning(issue);
                    return result;
                }

                if (status >= 300 && status < 400)
                {
                    string? location = response.Headers.Location?.OriginalString;
                    throw new EvalsApiException(FailureKind.Redirect,
                        $"The server answered {status} {response.ReasonPhrase}, redirecting to '{location ?? "(no Location header)"}'. " +
                        "The API never redirects, so the redirect was not followed: the base address or a proxy is probably wrong.")
                    { StatusCode = status, ReasonPhrase = response.ReasonPhrase, RequestId = requestId, Location = location };
                }

                var failure = ApiErrorBody.ToException(status, response.ReasonPhrase, response.Content.Headers.ContentType?.MediaType, body);
                failure.RequestId = requestId;
                failure.ResponseHeaders = response.Headers;
                throw failure;
            }
            finally
            {
                // Unless handed over, nothing read from the answer refers to the buffer: its values are copied.
                if (!handedOver) ArrayPool<byte>.Shared.Return(body.Array!);
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
                text.Append("\n  ").Append(header.Key).Append(": ").Append(DisplayText.Safe(string.Join(", ", header.Value), DisplayText.MaxMessage));
            return text.ToString();
        }
    }

    /// <summary>What a page says of the listing, read before its items: how many items, whether more follow, and the cursor.</summary>
    internal readonly struct PageHead
    {
        internal PageHead(int count, bool hasMore, string? cursor)
        {
            Count = count;
            HasMore = hasMore;
            Cursor = cursor;
        }

        /// <summary>How many items the page holds (as many as Data will).</summary>
        internal int Count { get; }

        internal bool HasMore { get; }

        /// <summary>The page's last_id, or the id of its last item when the API left last_id out.</summary>
        internal string? Cursor { get; }
    }

    /// <summary>A page of a cursor listing (evals, runs, output items) as the list endpoints return it.</summary>
    internal sealed class ListPage<T> where T : class
    {
        /// <param name="headRead">
        /// Told what the page says of the listing before its items are read, on the thread that reads the answer: a
        /// listing asks for the next page there, so the server makes it while this page's items are read.
        /// </param>
        internal ListPage(JsonFields json, Func<JsonFields, T> readItem, Action<PageHead>? headRead = null)
        {
            LastId = json.String("last_id");
            HasMore = json.Bool("has_more") ?? false;
            int count = json.Count("data", "id", out string? lastItemId);
            headRead?.Invoke(new PageHead(count, HasMore, LastId ?? lastItemId));
            Data = json.List("data", readItem);
        }

        internal EvalsList<T>? Data { get; }
        internal string? LastId { get; }
        internal bool HasMore { get; }
    }

    /// <summary>A run as one poll saw it, with the wait the server asked for before the next poll.</summary>
    internal sealed class PolledRun
    {
        internal PolledRun(EvalRun run, TimeSpan? pollAfter)
        {
            Run = run;
            PollAfter = pollAfter;
        }

        internal EvalRun Run { get; }
        internal TimeSpan? PollAfter { get; }
    }
}
