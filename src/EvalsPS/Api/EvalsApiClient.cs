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
            this.log = new RedactingLog(log, settings);
            this.http = http ?? HttpTransport.Shared;
        }

        internal Task<Eval> GetEvalAsync(string evalId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, EvalPath(evalId), json => new Eval(json), cancel);

        internal Task<ListPage<Eval>> ListEvalsAsync(string? after, int limit, string order, string orderBy, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, "evals" + ListQuery(after, limit, order, "order_by", orderBy),
                answer => new ListPage<Eval>(answer, eval => new Eval(eval)), cancel);

        internal Task<EvalRun> GetRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId), json => new EvalRun(json), cancel);

        /// <summary>
        /// Gets a run for a poll: the run, and how long the server asks pollers to wait (openai-poll-after-ms), if it does.
        /// A poll reads the run as a listing does (its data source from a copy of its own, when first used): most polls
        /// are let go at once, and a run that kept the answer's document until collected would hold megabytes of inline
        /// items per poll (and the pool's buffers behind them) for nothing.
        /// </summary>
        internal Task<PolledRun> PollRunAsync(string evalId, string runId, CancellationToken cancel) =>
            SendAsync(HttpMethod.Get, RunPath(evalId, runId),
                answer => new PolledRun(new EvalRun(answer.Fields, deferDataSource: true), RetryPolicy.PollAfter(answer.Headers)), cancel,
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

        /// <summary>
        /// Creates an eval. Not idempotent: a failure after the request may have reached the server is not retried
        /// (see <see cref="RetryPolicy.MayHaveReachedServer"/>).
        /// </summary>
        internal Task<Eval> CreateEvalAsync(object body, CancellationToken cancel) =>
            SendAsync(HttpMethod.Post, "evals", answer => new Eval(answer.Fields), cancel, idempotent: false, requestBody: RequestJson.Serialize(body));

        /// <summary>Renames an eval or replaces its metadata: POST to the eval path. Sending it twice changes nothing more.</summary>
        internal Task<Eval> UpdateEvalAsync(string evalId, object body, CancellationToken cancel) =>
            SendAsync(HttpMethod.Post, EvalPath(evalId), answer => new Eval(answer.Fields), cancel, requestBody: RequestJson.Serialize(body));

        internal async Task<EvalDeletion> DeleteEvalAsync(string evalId, CancellationToken cancel)
        {
            var deletion = await SendAsync(HttpMethod.Delete, EvalPath(evalId), json => new EvalDeletion(json, evalId), cancel).ConfigureAwait(false);
            if (!deletion.Deleted)
                throw new EvalsApiException(FailureKind.NotDeleted, "The API answered the delete with success but \"deleted\": false, so the eval may still exist.");
            return deletion;
        }

        /// <summary>Starts a run of an eval. Not idempotent, as <see cref="CreateEvalAsync"/>.</summary>
        internal Task<EvalRun> CreateRunAsync(string evalId, object body, CancellationToken cancel) =>
            SendAsync(HttpMethod.Post, EvalPath(evalId) + "/runs", answer => new EvalRun(answer.Fields), cancel, idempotent: false,
                requestBody: RequestJson.Serialize(body));

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
        /// <paramref name="leastRetryWait"/> keeps a poll's retries at least RetryPolicy.PollFloor apart. A request that
        /// is not idempotent and failed after it may have reached the server is marked MayExist (what it creates may exist).
        /// <paramref name="requestBody"/> is the JSON body; a POST without one sends an empty body (cancel).
        /// </summary>
        private async Task<T> SendAsync<T>(HttpMethod method, string relativePath, Func<JsonAnswer, T> read, CancellationToken cancel,
            bool idempotent = true, TimeSpan leastRetryWait = default, byte[]? requestBody = null)
        {
            var uri = RequestUri.Create(settings.BaseUri, relativePath);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await SendOnceAsync(method, uri, requestBody, read, cancel).ConfigureAwait(false);
                }
                catch (EvalsApiException failure)
                {
                    string? whyNot = null;
                    var wait = attempt <= settings.MaxRetries ? RetryPolicy.RetryWait(failure, attempt, idempotent, leastRetryWait, out whyNot) : null;
                    if (wait is null)
                    {
                        if (whyNot != null) log.Verbose(whyNot);
                        failure.Attempts = attempt;
                        failure.MayExist = !idempotent && RetryPolicy.MayHaveReachedServer(failure);
                        throw;
                    }
                    log.Verbose($"Retrying {method} {uri} in {wait.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s after {Describe(failure)} " +
                                $"(retry {attempt} of {settings.MaxRetries}).");
                    await Task.Delay(wait.Value, cancel).ConfigureAwait(false);
                }
            }
        }

        private async Task<T> SendOnceAsync<T>(HttpMethod method, Uri uri, byte[]? requestBody, Func<JsonAnswer, T> read, CancellationToken cancel)
        {
            using var request = new HttpRequestMessage(method, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.RevealApiKey());
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (settings.Organization != null) request.Headers.TryAddWithoutValidation("OpenAI-Organization", settings.Organization);
            if (settings.Project != null) request.Headers.TryAddWithoutValidation("OpenAI-Project", settings.Project);
            if (requestBody != null)
            {
                request.Content = new ByteArrayContent(requestBody);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            else if (method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent(Array.Empty<byte>());
            }
            if (log.DebugEnabled) log.Debug(DescribeRequest(request, requestBody));

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
            catch (OperationCanceledException ex) when (!cancel.IsCancellationRequested)
            {
                // Neither Ctrl+C nor -TimeoutSec: SocketsHttpHandler's ConnectTimeout, which .NET reports as a cancellation
                // (inner TimeoutException). Nothing was sent; it is a connection failure like a refused one, and retried so.
                log.Verbose($"{method} {uri} failed: no connection to {uri.Host} within {ConnectionSettings.ConnectTimeout.TotalSeconds:0} s.");
                throw new EvalsApiException(FailureKind.ConnectionFailed,
                    $"The connection to {uri.Host} could not be made within {ConnectionSettings.ConnectTimeout.TotalSeconds:0} s.", ex);
            }

            JsonAnswer? answer = null;
            try
            {
                int status = (int)response.StatusCode;
                if (log.VerboseEnabled)
                    log.Verbose($"{method} {uri} -> {status} {DisplayText.Value(ShownReason(response))} (request id {ShownRequestId(response) ?? "none"}, {clock.ElapsedMilliseconds} ms)");
                if (log.DebugEnabled) log.Debug(DescribeResponse(response, body.Count));

                if (status >= 200 && status < 300)
                {
                    try
                    {
                        answer = new JsonAnswer(JsonDocument.Parse(body.AsMemory()), body, response.Headers, log);
                        return read(answer);
                    }
                    catch (JsonException ex)
                    {
                        string? shownReason = ShownReason(response);
                        throw new EvalsApiException(FailureKind.InvalidJsonResponse,
                            body.Count == 0
                                ? $"The API answered {status} {shownReason} with an empty body where JSON was expected."
                                : $"The API answered {status} {shownReason} but the body is not well-formed JSON ({ex.Message}).",
                            ex)
                        { StatusCode = status, ReasonPhrase = shownReason, RequestId = ShownRequestId(response) };
                    }
                }

                string? reason = ShownReason(response);
                string? requestId = ShownRequestId(response);

                if (status >= 300 && status < 400)
                {
                    string? location = settings.Redact(response.Headers.Location?.OriginalString);
                    throw new EvalsApiException(FailureKind.Redirect,
                        $"The server answered {status} {reason}, redirecting to '{location ?? "(no Location header)"}'. " +
                        "The API never redirects, so the redirect was not followed: the base address or a proxy is probably wrong.")
                    { StatusCode = status, ReasonPhrase = reason, RequestId = requestId, Location = location };
                }

                var failure = ApiErrorBody.ToException(status, reason, response.Content.Headers.ContentType?.MediaType, body, settings.Redact);
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

        /// <summary>
        /// The most one answer's body may hold: 256 MiB. The largest real answers are a run, or a page of runs, whose data
        /// source holds its items inline; the benchmark's 65,000-item run is about 20 MB, so the cap leaves room for runs
        /// more than ten times larger, while a broken server or proxy that sends without end is stopped long before the
        /// process runs out of memory (a body is held whole while it is parsed).
        /// </summary>
        internal const int MaxBodyBytes = 256 * 1024 * 1024;

        /// <summary>The first buffer of a body; it doubles as bytes arrive.</summary>
        private const int FirstBufferBytes = 64 * 1024;

        /// <summary>
        /// The whole body, read within the call's deadline, into a <see cref="BodyBuffer"/> (the caller returns it). The buffer grows only as bytes arrive (a Content-Length is the server's word,
        /// not a reason to allocate), and never beyond <see cref="MaxBodyBytes"/>: more is ResponseTooLarge.
        /// </summary>
        private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancel)
        {
            using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            long? declared = content.Headers.ContentLength;
            if (declared > MaxBodyBytes) throw TooLarge($"declares {declared.Value.ToString(CultureInfo.InvariantCulture)} bytes (Content-Length), more than");
            byte[] buffer = BodyBuffer.Rent(declared is long known && known > 0 ? (int)Math.Min(known, FirstBufferBytes) : FirstBufferBytes);
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length >= MaxBodyBytes)
                        {
                            // Full at the cap: one byte more tells a body of exactly MaxBodyBytes from a longer one.
                            if (await stream.ReadAsync(new byte[1], 0, 1, cancel).ConfigureAwait(false) > 0) throw TooLarge("is longer than");
                            return new ArraySegment<byte>(buffer, 0, length);
                        }
                        byte[] larger = BodyBuffer.Rent((int)Math.Min((long)buffer.Length * 2, MaxBodyBytes));
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

        /// <summary>
        /// The answer's reason phrase and x-request-id, server text that may be shown: a server or proxy that echoes the
        /// Authorization header gets no key printed. Read where they are shown (a verbose line, an error), so a successful
        /// answer with -Verbose off does not pay for redacting them.
        /// </summary>
        private string? ShownReason(HttpResponseMessage response) => settings.Redact(response.ReasonPhrase);

        private string? ShownRequestId(HttpResponseMessage response) =>
            settings.Redact(response.Headers.TryGetValues("x-request-id", out var ids) ? ids.FirstOrDefault() : null);

        private static EvalsApiException TooLarge(string what) =>
            new EvalsApiException(FailureKind.ResponseTooLarge,
                $"The answer was not read: its body {what} the {MaxBodyBytes / (1024 * 1024)} MiB EvalsPS reads from one answer. " +
                "No real run or page is that large: check -BaseUri / $env:OPENAI_BASE_URL and any proxy between you and the API.");

        private static string Describe(EvalsApiException failure) =>
            failure.StatusCode is int status ? $"{status} {failure.ReasonPhrase}" : failure.Kind == FailureKind.Timeout ? "a timeout" : "a connection failure";

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        /// <summary>The longest request body -Debug shows: a run's inline items can be megabytes.</summary>
        private const int MaxDebugBody = 4000;

        private string DescribeRequest(HttpRequestMessage request, byte[]? body)
        {
            var text = new StringBuilder().Append(request.Method).Append(' ').Append(request.RequestUri);
            foreach (var header in request.Headers)
            {
                text.Append("\n  ").Append(header.Key).Append(": ")
                    .Append(header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer ****" : string.Join(", ", header.Value));
            }
            if (body != null)
            {
                // A body holds what the user gave (metadata, items), which could hold the key itself: mask it there too,
                // with the one redaction, before the text is cut (so a key the cut would split is masked whole).
                string json = settings.Redact(Encoding.UTF8.GetString(body))!;
                text.Append("\n  body (").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes): ")
                    .Append(DisplayText.Safe(json, MaxDebugBody));
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

    /// <summary>What the client logs, with the key (or a long prefix of it) hidden wherever server text echoes it.</summary>
    internal sealed class RedactingLog : IApiLog
    {
        private readonly IApiLog log;
        private readonly ConnectionSettings settings;

        internal RedactingLog(IApiLog log, ConnectionSettings settings)
        {
            this.log = log;
            this.settings = settings;
        }

        public bool VerboseEnabled => log.VerboseEnabled;
        public bool DebugEnabled => log.DebugEnabled;
        public void Verbose(string message) => log.Verbose(settings.Redact(message)!);
        public void Debug(string message) => log.Debug(settings.Redact(message)!);
        public void Warning(string message) => log.Warning(settings.Redact(message)!);
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
    /// A 2xx answer's parsed body, on the buffer it was read into. The client releases it once read, unless the reader
    /// keeps it: a page reads its head at once and builds its items later. Released, it warns, once per field, of what
    /// could not be read, and frees the document and buffer, unless objects read from it still hold parts to read when
    /// first used (inline items, samples): those own them from then on (<see cref="KeptJson"/>), so no part is copied,
    /// except in a small answer, whose parts get copies of their own (<see cref="KeptJson.CopiesParts"/>).
    /// </summary>
    internal sealed class JsonAnswer : IDisposable
    {
        private readonly JsonDocument document;
        private readonly byte[] buffer;
        private readonly KeptJson kept;
        private readonly ReadIssues issues = new ReadIssues();
        private readonly IApiLog log;
        private bool released;

        /// <param name="body">The body the document was parsed from, in its pooled buffer.</param>
        internal JsonAnswer(JsonDocument document, ArraySegment<byte> body, HttpResponseHeaders headers, IApiLog log)
        {
            this.document = document;
            buffer = body.Array!;
            this.log = log;
            Headers = headers;
            kept = new KeptJson(document, buffer) { CopiesParts = body.Count <= KeptJson.CopyPartsUpTo };
            try
            {
                Fields = JsonFields.Root(document.RootElement, issues, kept);
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
            if (!kept.HandOver())
            {
                document.Dispose();
                BodyBuffer.Return(buffer);
            }
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
