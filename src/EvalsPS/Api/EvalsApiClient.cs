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

        internal Task<ListPage<Eval>> ListEvalsAsync(string? after, int limit, string order, string orderBy, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, "evals" + ListQuery(after, limit, order, "order_by", orderBy),
                answer => new ListPage<Eval>(answer, eval => new Eval(eval)), cancel);

        internal Task<EvalRun> GetRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        /// <summary>Gets a run for a poll: the run, and how long the server asks pollers to wait (openai-poll-after-ms), if it does.</summary>
        internal Task<PolledRun> PollRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), answer => new PolledRun(new EvalRun(answer.Fields), RetryPolicy.PollAfter(answer.Headers)), cancel,
                leastRetryWait: RetryPolicy.PollFloor);

        internal Task<ListPage<EvalRun>> ListRunsAsync(string evalId, string? after, int limit, string order, string? status, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, EvalPath(evalId) + "/runs" + ListQuery(after, limit, order, "status", status),
                answer => new ListPage<EvalRun>(answer, run => new EvalRun(run, deferDataSource: true)), cancel);

        /// <summary>
        /// Cancels a run: POST to the run path itself, as the API description and official SDKs do. Idempotent, so
        /// retried as a GET is: cancelling a run twice leaves it canceled.
        /// </summary>
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
            CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId) + "/output_items" + ListQuery(after, limit, order, "status", status),
                answer => new ListPage<EvalRunOutputItem>(answer, item => new EvalRunOutputItem(item)), cancel);

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

        /// <summary>
        /// An id as one path segment: percent-encoded, so no id ("a/b", "x?y") can reach another endpoint.
        /// Dots stay as they are (every runtime keeps "run.1" intact); RequestUri refuses "." and "..".
        /// </summary>
        internal static string Segment(string id) => Uri.EscapeDataString(id);

        private Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonFields, T> read, CancellationToken cancel) =>
            SendAsync(method, relativePath, answer => read(answer.Fields), cancel);

        /// <summary>
        /// Sends a request and reads its answer, trying again as RetryPolicy says. <paramref name="idempotent"/> is false
        /// for a request that creates something (it is then tried again only when it cannot have reached the server);
        /// <paramref name="leastRetryWait"/> keeps a poll's retries at least RetryPolicy.PollFloor apart.
        /// </summary>
        private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonAnswer, T> read, CancellationToken cancel,
            bool idempotent = true, TimeSpan leastRetryWait = default)
        {
            var uri = RequestUri.Create(settings.BaseUri, relativePath);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await SendOnceAsync(method, uri, read, cancel).ConfigureAwait(false);
                }
                catch (EvalsApiException failure)
                {
                    string? whyNot = null;
                    var wait = attempt <= settings.MaxRetries ? RetryPolicy.RetryWait(failure, attempt, idempotent, leastRetryWait, out whyNot) : null;
                    if (wait is null)
                    {
                        if (whyNot != null) log.Verbose(whyNot);
                        failure.Attempts = attempt;
                        throw;
                    }
                    log.Verbose($"Retrying {method} {uri} in {wait.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s after {Describe(failure)} " +
                                $"(retry {attempt} of {settings.MaxRetries}).");
                    await Task.Delay(wait.Value, cancel).ConfigureAwait(false);
                }
            }
        }

        private async Task<T> SendOnceAsync<T>(HttpMethod method, Uri uri, Func<JsonAnswer, T> read, CancellationToken cancel)
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

            JsonAnswer? answer = null;
            try
            {
                int status = (int)response.StatusCode;
                string? requestId = response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null;
                if (log.VerboseEnabled)
                    log.Verbose($"{method} {uri} -> {status} {DisplayText.Value(response.ReasonPhrase)} (request id {requestId ?? "none"}, {clock.ElapsedMilliseconds} ms)");
                if (log.DebugEnabled) log.Debug(DescribeResponse(response, body.Count));

                if (status >= 200 && status < 300)
                {
                    try
                    {
                        answer = new JsonAnswer(JsonDocument.Parse(body.AsMemory()), body.Array!, response.Headers, log);
                        return read(answer);
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
                // Nothing read from the answer refers to the buffer: the document is disposed and its values copied;
                // unless the reader kept the answer (a page builds its items later), and then it releases it.
                if (answer is null) BodyBuffer.Return(body.Array!);
                else if (!answer.Kept) answer.Dispose();
            }
        }

        /// <summary>The whole body, read within the call's deadline, into a <see cref="BodyBuffer"/> (the caller returns it).</summary>
        private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancel)
        {
            using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            long? declared = content.Headers.ContentLength;
            byte[] buffer = BodyBuffer.Rent(declared is long known && known > 0 && known < int.MaxValue ? (int)known : 16 * 1024);
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        byte[] larger = BodyBuffer.Rent(buffer.Length * 2);
                        Buffer.BlockCopy(buffer, 0, larger, 0, length);
                        BodyBuffer.Return(buffer);
                        buffer = larger;
                    }
                    int read = await stream.ReadAsync(buffer, length, buffer.Length - length, cancel).ConfigureAwait(false);
                    if (read == 0) return new ArraySegment<byte>(buffer, 0, length);
                    length += read;
                }
            }
            catch
            {
                BodyBuffer.Return(buffer);
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

    /// <summary>
    /// Buffers for response bodies. Up to 1 MiB they come from the shared pool: a listing's pages are ~140 KB each, and a
    /// new array for each would land on the large object heap and cost a gen-2 collection every few pages. A larger body
    /// (a run with megabytes of inline items) gets an array of its own, collected with it: the shared pool keeps up to
    /// eight arrays of each size per core, and pooled 4 MiB buffers would hold tens of megabytes for the whole session.
    /// </summary>
    internal static class BodyBuffer
    {
        internal const int MaxPooled = 1024 * 1024;

        internal static byte[] Rent(int length) => length <= MaxPooled ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];

        internal static void Return(byte[] buffer)
        {
            if (buffer.Length <= MaxPooled) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A 2xx answer's parsed body, on the buffer it was read into (from the shared pool). The client releases it once
    /// read, unless the reader keeps it: a page reads its head at once and builds its items later. Released, it gives
    /// the buffer back and warns, once per field, of what could not be read.
    /// </summary>
    internal sealed class JsonAnswer : IDisposable
    {
        private readonly JsonDocument document;
        private readonly byte[] buffer;
        private readonly ReadIssues issues = new ReadIssues();
        private readonly IApiLog log;
        private bool released;

        internal JsonAnswer(JsonDocument document, byte[] buffer, HttpResponseHeaders headers, IApiLog log)
        {
            this.document = document;
            this.buffer = buffer;
            this.log = log;
            Headers = headers;
            try
            {
                Fields = JsonFields.Root(document.RootElement, issues);
            }
            catch
            {
                document.Dispose();
                throw;
            }
        }

        internal JsonFields Fields { get; }

        internal HttpResponseHeaders Headers { get; }

        /// <summary>Whether the reader keeps the answer, to release it itself.</summary>
        internal bool Kept { get; private set; }

        internal JsonAnswer Keep()
        {
            Kept = true;
            return this;
        }

        public void Dispose()
        {
            if (released) return;
            released = true;
            document.Dispose();
            BodyBuffer.Return(buffer);
            foreach (var issue in issues.Messages) log.Warning(issue);
        }
    }

    /// <summary>
    /// A page of a cursor listing (evals, runs, output items) as the list endpoints return it. Its head (how many items,
    /// whether more follow, the cursor) is read when it arrives; its items are built on first use of <see cref="Data"/>,
    /// so a listing can ask for the next page before it builds this one's items.
    /// </summary>
    internal sealed class ListPage<T> where T : class
    {
        private readonly Func<JsonFields, T> readItem;
        private JsonAnswer? answer;
        private EvalsList<T>? data;

        internal ListPage(JsonAnswer answer, Func<JsonFields, T> readItem)
        {
            var json = answer.Fields;
            HasMore = json.Bool("has_more") ?? false;
            Count = json.Count("data", "id", out string? lastItemId);
            Cursor = json.String("last_id") ?? lastItemId;
            this.readItem = readItem;
            this.answer = answer.Keep();
        }

        /// <summary>How many items the page holds (as many as Data will).</summary>
        internal int Count { get; }

        internal bool HasMore { get; }

        /// <summary>The page's last_id, or the id of its last item when the API left last_id out.</summary>
        internal string? Cursor { get; }

        /// <summary>The items, built on first use (on one thread: the page is not shared while it is built).</summary>
        internal EvalsList<T>? Data
        {
            get
            {
                if (answer is JsonAnswer kept)
                {
                    answer = null;
                    using (kept) data = kept.Fields.List("data", readItem);
                }
                return data;
            }
        }
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
