using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EvalsPS.FakeApi
{
    /// <summary>
    /// A loopback HTTP/1.1 fake of the Evals API (evals, runs, output items), on a raw TcpListener so
    /// every byte on the wire can be scripted: errors, HTML and empty bodies, truncated JSON, resets, delays.
    /// Point a client (or OPENAI_BASE_URL) at BaseUri.
    /// </summary>
    public sealed partial class FakeEvalsApi : IDisposable
    {
        /// <summary>created_at of the first generated run; each further one is one second later.</summary>
        public const long FirstCreatedAt = 1743092069;

        private readonly object gate = new object();
        private readonly Dictionary<string, EvalEntry> evals = new Dictionary<string, EvalEntry>(StringComparer.Ordinal);
        private long nextCreatedAt = FirstCreatedAt;
        private long nextSeq;
        private int nextEvalNumber;
        private long nextEvalCreatedAt = FirstCreatedAt - 86400; // evals are a day older than runs; runs keep their own clock

        private readonly List<RecordedRequest> requests = new List<RecordedRequest>();
        private readonly List<ScriptEntry> script = new List<ScriptEntry>();
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly ConcurrentDictionary<HttpConnection, byte> connections = new ConcurrentDictionary<HttpConnection, byte>();
        private readonly object startGate = new object();
        private TcpListener? listener;
        private Uri? baseUri;
        private int requestCounter;
        private int disposed;
        private long latencyTicks;
        private volatile string? expectedApiKey;

        /// <summary>A fake with no data; call Start.</summary>
        public FakeEvalsApi() { }

        /// <summary>"http://127.0.0.1:{port}/v1", once started.</summary>
        public Uri BaseUri => baseUri ?? throw new InvalidOperationException("Call Start() first.");

        /// <summary>When set, a request whose Authorization is not exactly "Bearer {key}" gets 401. Null accepts any.</summary>
        public string? ExpectedApiKey
        {
            get => expectedApiKey;
            set => expectedApiKey = value;
        }

        /// <summary>Added before every answer (and before a scripted reset).</summary>
        public TimeSpan Latency
        {
            get => TimeSpan.FromTicks(Interlocked.Read(ref latencyTicks));
            set
            {
                if (value < TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(value));
                Interlocked.Exchange(ref latencyTicks, value.Ticks);
            }
        }

        /// <summary>
        /// Connections open now. A client that gives up on a request closes its connection, and the fake sees that the
        /// next time it reads from it, after writing its answer; a connection the client keeps for its next request stays.
        /// </summary>
        public int OpenConnections => connections.Count;

        /// <summary>Listens on 127.0.0.1 on a free port. Returns this; a second call does nothing.</summary>
        public FakeEvalsApi Start()
        {
            lock (startGate)
            {
                if (Volatile.Read(ref disposed) != 0) throw new ObjectDisposedException(nameof(FakeEvalsApi));
                if (listener != null) return this;
                var l = new TcpListener(IPAddress.Loopback, 0);
                l.Start(1024);
                int port = ((IPEndPoint)l.LocalEndpoint).Port;
                baseUri = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/v1");
                listener = l;
                Task.Run(() => AcceptLoopAsync(l));
                return this;
            }
        }

        /// <summary>Stops listening, cancels pending delays and closes every connection.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            try { stopping.Cancel(); } catch (AggregateException) { }
            lock (startGate)
            {
                try { listener?.Stop(); } catch (Exception) { }
            }
            foreach (HttpConnection connection in connections.Keys) connection.Dispose();
        }

        // ---------------------------------------------------------------- data

        /// <summary>
        /// Adds a generated run (a full EvalRun with a completions data source) and returns its id:
        /// runId, or the next free "evalrun_0001"-style id of the eval. created_at strictly increases per added run.
        /// </summary>
        public string AddRun(string evalId, string? runId = null, string status = "completed", string? name = null)
        {
            CheckId(evalId, nameof(evalId));
            if (runId != null) CheckId(runId, nameof(runId));
            if (status is null) throw new ArgumentNullException(nameof(status));
            lock (gate)
            {
                EvalEntry eval = GetOrAddEval(evalId);
                string id = runId ?? eval.NextFreeId();
                if (eval.ById.ContainsKey(id)) throw new ArgumentException($"Eval '{evalId}' already has a run '{id}'.", nameof(runId));
                eval.Add(new RunEntry(id, evalId, status, nextCreatedAt++, nextSeq++, ++eval.GeneratedCount, name, null));
                return id;
            }
        }

        /// <summary>Adds count generated runs with ids "evalrun_0001", "evalrun_0002"... (unique within the eval).</summary>
        public IReadOnlyList<string> AddRuns(string evalId, int count, string status = "completed")
        {
            CheckId(evalId, nameof(evalId));
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            if (status is null) throw new ArgumentNullException(nameof(status));
            var ids = new string[count];
            lock (gate)
            {
                EvalEntry eval = GetOrAddEval(evalId);
                for (int i = 0; i < count; i++)
                {
                    string id = eval.NextFreeId();
                    eval.Add(new RunEntry(id, evalId, status, nextCreatedAt++, nextSeq++, ++eval.GeneratedCount, null, null));
                    ids[i] = id;
                }
            }
            return ids;
        }

        /// <summary>
        /// Adds a full run object (e.g. Fixtures.Get("seed-completions-run")), served as given except that its
        /// eval_id is set to evalId. Its id, status and created_at are read from it. Returns the id.
        /// </summary>
        public string AddRunJson(string evalId, string json)
        {
            CheckId(evalId, nameof(evalId));
            if (json is null) throw new ArgumentNullException(nameof(json));
            string text = StoredRunJson.Prepare(json, evalId, out string id, out string status, out long createdAt);
            lock (gate)
            {
                EvalEntry eval = GetOrAddEval(evalId);
                if (eval.ById.ContainsKey(id)) throw new ArgumentException($"Eval '{evalId}' already has a run '{id}'.", nameof(json));
                eval.Add(new RunEntry(id, evalId, status, createdAt, nextSeq++, 0, null, text));
                return id;
            }
        }

        /// <summary>Makes an eval known with no runs: listing it answers an empty page, not 404.</summary>
        public void AddEval(string evalId)
        {
            CheckId(evalId, nameof(evalId));
            lock (gate) GetOrAddEval(evalId);
        }

        /// <summary>Makes an eval known with this name (a full generated Eval when fetched or listed).</summary>
        public void AddEval(string evalId, string name)
        {
            CheckId(evalId, nameof(evalId));
            if (name is null) throw new ArgumentNullException(nameof(name));
            lock (gate) GetOrAddEval(evalId).Name = name;
        }

        /// <summary>Adds count generated evals with ids "eval_0001", "eval_0002"... (the next free ones); created_at strictly increases.</summary>
        public IReadOnlyList<string> AddEvals(int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            var ids = new string[count];
            lock (gate)
            {
                for (int i = 0; i < count; i++)
                {
                    string id;
                    do id = "eval_" + (++nextEvalNumber).ToString("D4", CultureInfo.InvariantCulture);
                    while (evals.ContainsKey(id));
                    GetOrAddEval(id);
                    ids[i] = id;
                }
            }
            return ids;
        }

        /// <summary>Adds a full eval object, served as given. Its id and created_at are read from it. Returns the id.</summary>
        public string AddEvalJson(string json)
        {
            if (json is null) throw new ArgumentNullException(nameof(json));
            string text = StoredRunJson.PrepareEval(json, out string id, out long createdAt);
            lock (gate)
            {
                if (evals.ContainsKey(id)) throw new ArgumentException($"There is already an eval '{id}'.", nameof(json));
                EvalEntry eval = GetOrAddEval(id);
                eval.CreatedAt = createdAt;
                eval.Json = text;
                return id;
            }
        }

        /// <summary>
        /// Adds count generated output items ("outputitem_0001"...) to a run. Item n fails its grader when n is a
        /// multiple of 3, and has a sample error (no answer) when n is a multiple of 9. Returns the ids.
        /// </summary>
        public IReadOnlyList<string> AddOutputItems(string evalId, string runId, int count)
        {
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
            var ids = new string[count];
            lock (gate)
            {
                RunEntry run = FindOrThrow(evalId, runId);
                for (int i = 0; i < count; i++)
                {
                    int n = ++run.ItemCount;
                    string id = "outputitem_" + n.ToString("D4", CultureInfo.InvariantCulture);
                    run.Items.Add(new ItemEntry(id, n % 3 == 0 ? "fail" : "pass", run.CreatedAt + 60 + n, n, null));
                    ids[i] = id;
                }
            }
            return ids;
        }

        /// <summary>Adds a full output item to a run, served as given except that its eval_id and run_id are set. Returns its id.</summary>
        public string AddOutputItemJson(string evalId, string runId, string json)
        {
            if (json is null) throw new ArgumentNullException(nameof(json));
            string text = StoredRunJson.PrepareItem(json, evalId, runId, out string id, out string status, out long createdAt);
            lock (gate)
            {
                RunEntry run = FindOrThrow(evalId, runId);
                run.ItemCount++;
                run.Items.Add(new ItemEntry(id, status, createdAt, run.ItemCount, text));
                return id;
            }
        }

        /// <summary>
        /// Makes the run's status move: each later GET of the run (alone, not in a listing) takes the next of these
        /// statuses, and the last one stays. Deterministic, so waiting is tested by counting polls, not by sleeping.
        /// </summary>
        public void SetStatusSequence(string evalId, string runId, string[] statuses)
        {
            if (statuses is null || statuses.Length == 0) throw new ArgumentException("Give at least one status.", nameof(statuses));
            lock (gate) FindOrThrow(evalId, runId).StatusSequence = new Queue<string>(statuses);
        }

        /// <summary>When set, every GET of one run answers with an openai-poll-after-ms header of this value.</summary>
        public int? PollAfterMs { get; set; }

        /// <summary>The run's status, or null when there is no such run.</summary>
        public string? RunStatus(string evalId, string runId)
        {
            lock (gate)
                return evals.TryGetValue(evalId, out EvalEntry? eval) && eval.ById.TryGetValue(runId, out RunEntry? run) ? run.Status : null;
        }

        /// <summary>How many runs the eval has (0 when unknown).</summary>
        public int RunCount(string evalId)
        {
            lock (gate)
                return evals.TryGetValue(evalId, out EvalEntry? eval) ? eval.ById.Count : 0;
        }

        // ---------------------------------------------------------------- what was received

        /// <summary>A copy of the requests received so far, in arrival order.</summary>
        public IReadOnlyList<RecordedRequest> Requests
        {
            get { lock (requests) return requests.ToArray(); }
        }

        public void ClearRequests()
        {
            lock (requests) requests.Clear();
        }

        // ---------------------------------------------------------------- scripted answers

        /// <summary>
        /// Queues an answer for the next <paramref name="times"/> requests whose raw path contains
        /// <paramref name="pathContains"/> (null: any request). Queued answers are used first in, first out,
        /// after the API key check and instead of the normal behaviour.
        /// </summary>
        public void Enqueue(FakeResponse response, int times = 1, string? pathContains = null)
        {
            if (response is null) throw new ArgumentNullException(nameof(response));
            if (times < 1) throw new ArgumentOutOfRangeException(nameof(times));
            lock (script) script.Add(new ScriptEntry(response, times, pathContains));
        }

        public void ClearScript()
        {
            lock (script) script.Clear();
        }

        private FakeResponse? TakeScripted(string rawPath)
        {
            lock (script)
            {
                for (int i = 0; i < script.Count; i++)
                {
                    ScriptEntry entry = script[i];
                    if (entry.PathContains != null && rawPath.IndexOf(entry.PathContains, StringComparison.Ordinal) < 0) continue;
                    if (--entry.Remaining == 0) script.RemoveAt(i);
                    return entry.Response;
                }
                return null;
            }
        }

        // ---------------------------------------------------------------- server

        private async Task AcceptLoopAsync(TcpListener l)
        {
            CancellationToken cancel = stopping.Token;
            while (!cancel.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await l.AcceptTcpClientAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    if (cancel.IsCancellationRequested) return;
                    try { await Task.Delay(10, cancel).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
                    continue;
                }

                HttpConnection connection;
                try { connection = new HttpConnection(client); }
                catch (Exception) { client.Close(); continue; }
                connections.TryAdd(connection, 0);
                if (cancel.IsCancellationRequested) { connection.Dispose(); return; } // raced with Dispose
                _ = Task.Run(() => ServeConnectionAsync(connection));
            }
        }

        /// <summary>One loop per connection: read a request, answer it, until the client or the fake closes.</summary>
        private async Task ServeConnectionAsync(HttpConnection connection)
        {
            CancellationToken cancel = stopping.Token;
            try
            {
                while (!cancel.IsCancellationRequested)
                {
                    ParsedRequest? request;
                    try
                    {
                        request = await connection.ReadRequestAsync(cancel).ConfigureAwait(false);
                    }
                    catch (BadRequestException bad)
                    {
                        byte[] answer = Serialize(new Reply(bad.Status, ErrorJson(bad.Message, "invalid_request_error", null, null)),
                            NextRequestId(), null, keepAlive: false, headOnly: false);
                        await connection.WriteAsync(answer, cancel).ConfigureAwait(false);
                        break;
                    }
                    if (request is null) break;
                    if (!await HandleAsync(connection, request, cancel).ConfigureAwait(false)) break;
                }
            }
            catch (Exception)
            {
                // The client went away, the connection was reset, or the fake is being disposed.
            }
            finally
            {
                connections.TryRemove(connection, out _);
                connection.CloseGracefully();
            }
        }

        /// <summary>Answers one request; false when the connection must close.</summary>
        private async Task<bool> HandleAsync(HttpConnection connection, ParsedRequest request, CancellationToken cancel)
        {
            string target = request.Target;
            int q = target.IndexOf('?');
            string rawPath = q < 0 ? target : target.Substring(0, q);
            string routePath = PathOfAbsoluteForm(rawPath);
            var segments = new List<string>();
            foreach (string s in routePath.Split('/'))
                if (s.Length > 0) segments.Add(Http.Decode(s));
            IReadOnlyDictionary<string, string> query = Http.ParseQuery(q < 0 ? "" : target.Substring(q + 1));
            string requestId = NextRequestId();
            var record = new RecordedRequest(request.Method, target, rawPath, segments.AsReadOnly(), query, request.Headers, DateTime.UtcNow, requestId,
                Encoding.UTF8.GetString(request.Body));
            lock (requests) requests.Add(record);

            TimeSpan latency = Latency;
            if (latency > TimeSpan.Zero) await Task.Delay(latency, cancel).ConfigureAwait(false);

            Reply reply;
            KeyValuePair<string, string>[]? extraHeaders = null;
            TimeSpan bodyStall = TimeSpan.Zero;
            if (!IsAuthorized(request))
            {
                reply = new Reply(401, ErrorJson("Incorrect API key provided.", "invalid_request_error", "invalid_api_key", null));
            }
            else
            {
                FakeResponse? scripted = TakeScripted(rawPath);
                Reply? handled = scripted != null && scripted.Handled ? RouteSafely(request.Method, routePath, query, request.Body) : null;
                if (scripted != null && scripted.ResponseKind == FakeResponse.Kind.Reset)
                {
                    record.ResponseStatus = 0;
                    connection.Reset();
                    return false;
                }
                if (scripted != null && scripted.ResponseKind == FakeResponse.Kind.Raw)
                {
                    record.ResponseStatus = scripted.Status;
                    try { await scripted.RawWriter!(connection, cancel).ConfigureAwait(false); }
                    catch (Exception) { } // the client left, as it should from an endless answer
                    return false;
                }
                if (scripted != null && scripted.ResponseKind == FakeResponse.Kind.Slow)
                    await Task.Delay(scripted.Delay, cancel).ConfigureAwait(false);
                if (scripted != null && scripted.ResponseKind == FakeResponse.Kind.StallBody)
                    bodyStall = scripted.Delay;

                reply = scripted != null && scripted.ResponseKind == FakeResponse.Kind.Fixed
                    ? new Reply(scripted.Status, scripted.ContentType, scripted.Body)
                    : handled ?? RouteSafely(request.Method, routePath, query, request.Body);
                extraHeaders = scripted?.ExtraHeaders;
            }

            bool keepAlive = request.KeepAlive;
            byte[] bytes = Serialize(reply, requestId, extraHeaders, keepAlive, headOnly: request.Method == "HEAD");
            record.ResponseStatus = reply.Status; // before writing: the client may look as soon as it has the answer
            if (bodyStall > TimeSpan.Zero)
            {
                // The headers and half the body now, the rest after the stall.
                int first = bytes.Length - reply.Body.Length / 2;
                await connection.WriteAsync(bytes, 0, first, cancel).ConfigureAwait(false);
                await Task.Delay(bodyStall, cancel).ConfigureAwait(false);
                await connection.WriteAsync(bytes, first, bytes.Length - first, cancel).ConfigureAwait(false);
                return keepAlive;
            }
            await connection.WriteAsync(bytes, cancel).ConfigureAwait(false);
            return keepAlive;
        }

        private bool IsAuthorized(ParsedRequest request)
        {
            string? key = expectedApiKey;
            if (key is null) return true;
            string? authorization = request.Header("Authorization");
            return authorization != null && string.Equals(authorization, "Bearer " + key, StringComparison.Ordinal);
        }

        private string NextRequestId() => "req_" + Interlocked.Increment(ref requestCounter).ToString(CultureInfo.InvariantCulture);

        /// <summary>"http://host:port/v1/..." (absolute-form, as sent to proxies) routes as "/v1/...".</summary>
        private static string PathOfAbsoluteForm(string rawPath)
        {
            int scheme = rawPath.IndexOf("://", StringComparison.Ordinal);
            if (rawPath.StartsWith("/", StringComparison.Ordinal) || scheme < 0) return rawPath;
            int slash = rawPath.IndexOf('/', scheme + 3);
            return slash < 0 ? "/" : rawPath.Substring(slash);
        }

        private static byte[] Serialize(Reply reply, string requestId, KeyValuePair<string, string>[]? extraHeaders, bool keepAlive, bool headOnly)
        {
            var head = new StringBuilder(256);
            head.Append("HTTP/1.1 ").Append(reply.Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Http.Reason(reply.Status)).Append("\r\n");
            void Add(string name, string value)
            {
                if (extraHeaders != null)
                    foreach (KeyValuePair<string, string> extra in extraHeaders)
                        if (string.Equals(extra.Key, name, StringComparison.OrdinalIgnoreCase)) return;
                head.Append(name).Append(": ").Append(value).Append("\r\n");
            }
            Add("Date", DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture));
            Add("Server", "EvalsPS.FakeApi");
            if (reply.ContentType != null) Add("Content-Type", reply.ContentType);
            Add("x-request-id", requestId);
            if (reply.Allow != null) Add("Allow", reply.Allow);
            if (reply.PollAfterMs is int pollAfter) Add("openai-poll-after-ms", pollAfter.ToString(CultureInfo.InvariantCulture));
            if (extraHeaders != null)
                foreach (KeyValuePair<string, string> extra in extraHeaders)
                    head.Append(extra.Key).Append(": ").Append(extra.Value).Append("\r\n");
            head.Append("Content-Length: ").Append(reply.Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            head.Append("Connection: ").Append(keepAlive ? "keep-alive" : "close").Append("\r\n\r\n");

            byte[] headBytes = Encoding.UTF8.GetBytes(head.ToString());
            if (headOnly || reply.Body.Length == 0) return headBytes;
            var all = new byte[headBytes.Length + reply.Body.Length];
            Buffer.BlockCopy(headBytes, 0, all, 0, headBytes.Length);
            Buffer.BlockCopy(reply.Body, 0, all, headBytes.Length, reply.Body.Length);
            return all;
        }

        // ---------------------------------------------------------------- endpoints

        private Reply RouteSafely(string method, string path, IReadOnlyDictionary<string, string> query, byte[] body)
        {
            try
            {
                return Route(method, path, query, body);
            }
            catch (Exception e)
            {
                return new Reply(500, ErrorJson("EvalsPS.FakeApi failed: " + e.GetType().Name + ": " + e.Message, "server_error", null, null));
            }
        }

        private Reply Route(string method, string path, IReadOnlyDictionary<string, string> query, byte[] body)
        {
            // Split the raw path first, decode each segment after: "a%2Fb" is one id, never two segments.
            string[] parts = path.Split('/');
            if (parts.Length < 3 || parts[0].Length != 0 || parts[1] != "v1" || parts[2] != "evals")
                return UnknownEndpoint(method, path);
            bool get = method == "GET" || method == "HEAD";
            if (parts.Length == 3)
                return get ? ListEvals(query) : method == "POST" ? CreateEval(body) : MethodNotAllowed(method, path, "GET, POST");
            if (parts[3].Length == 0) return UnknownEndpoint(method, path);
            string evalId = Http.Decode(parts[3]);
            if (parts.Length == 4)
            {
                switch (method)
                {
                    case "GET":
                    case "HEAD": return GetEval(evalId);
                    case "POST": return UpdateEval(evalId, body);
                    case "DELETE": return DeleteEval(evalId);
                    default: return MethodNotAllowed(method, path, "GET, POST, DELETE");
                }
            }
            if (parts[4] != "runs") return UnknownEndpoint(method, path);
            if (parts.Length == 5)
            {
                if (get) return ListRuns(evalId, query);
                return method == "POST" ? CreateRun(evalId, body) : MethodNotAllowed(method, path, "GET, POST");
            }
            if (parts[5].Length == 0) return UnknownEndpoint(method, path);
            string runId = Http.Decode(parts[5]);
            if (parts.Length == 6)
            {
                switch (method)
                {
                    case "GET":
                    case "HEAD": return GetRun(evalId, runId);
                    case "POST": return CancelRun(evalId, runId);
                    case "DELETE": return DeleteRun(evalId, runId);
                    default: return MethodNotAllowed(method, path, "GET, POST, DELETE");
                }
            }
            if (parts[6] != "output_items") return UnknownEndpoint(method, path);
            if (parts.Length == 7)
                return get ? ListOutputItems(evalId, runId, query) : MethodNotAllowed(method, path, "GET");
            if (parts.Length == 8 && parts[7].Length > 0)
                return get ? GetOutputItem(evalId, runId, Http.Decode(parts[7])) : MethodNotAllowed(method, path, "GET");
            return UnknownEndpoint(method, path);
        }

        private static Reply UnknownEndpoint(string method, string path) =>
            new Reply(404, ErrorJson("Unknown endpoint: " + method + " " + path, "invalid_request_error", null, null));

        private static Reply MethodNotAllowed(string method, string path, string allow) =>
            new Reply(405, ErrorJson($"Method {method} is not allowed on {path}. Allowed: {allow}.", "invalid_request_error", null, null)) { Allow = allow };

        /// <summary>limit (1..100, default 20) and order (asc, the default, or desc) of a listing; a 400 reply when either is wrong.</summary>
        private static Reply? ReadPaging(IReadOnlyDictionary<string, string> query, out int limit, out bool ascending)
        {
            limit = 20;
            ascending = true;
            if (query.TryGetValue("limit", out string? limitText))
            {
                if (!int.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit))
                    return BadRequest($"Invalid 'limit': expected an integer, but got '{limitText}' instead.", "invalid_type", "limit");
                if (limit < 1)
                    return BadRequest($"Invalid 'limit': integer below minimum value. Expected a value >= 1, but got {limit} instead.", "integer_below_min_value", "limit");
                if (limit > 100)
                    return BadRequest($"Invalid 'limit': integer above maximum value. Expected a value <= 100, but got {limit} instead.", "integer_above_max_value", "limit");
            }
            if (query.TryGetValue("order", out string? order))
            {
                if (order == "desc") ascending = false;
                else if (order != "asc")
                    return BadRequest($"Invalid value for 'order': expected one of 'asc' or 'desc', but got '{order}' instead.", "invalid_value", "order");
            }
            return null;
        }

        private Reply ListRuns(string evalId, IReadOnlyDictionary<string, string> query)
        {
            if (ReadPaging(query, out int limit, out bool ascending) is Reply bad) return bad;
            query.TryGetValue("status", out string? status);
            query.TryGetValue("after", out string? after);

            RunView[] page;
            bool hasMore = false;
            lock (gate)
            {
                if (!evals.TryGetValue(evalId, out EvalEntry? eval)) return NotFound($"Eval with id '{evalId}' not found.");
                List<RunEntry> sorted = eval.SortedRuns();
                int step = ascending ? 1 : -1;
                int i = ascending ? 0 : sorted.Count - 1;
                if (after != null)
                {
                    if (!eval.Positions().TryGetValue(after, out int position))
                        return BadRequest($"Invalid 'after': eval '{evalId}' has no run with id '{after}'.", "invalid_value", "after");
                    i = position + step;
                }
                var found = new List<RunView>(Math.Min(limit, eval.ById.Count));
                for (; i >= 0 && i < sorted.Count; i += step)
                {
                    RunEntry run = sorted[i];
                    if (status != null && !string.Equals(run.Status, status, StringComparison.Ordinal)) continue;
                    if (found.Count == limit) { hasMore = true; break; }
                    found.Add(run.View());
                }
                page = found.ToArray();
            }
            return Ok(RunJson.Page(page, hasMore));
        }

        private Reply GetRun(string evalId, string runId)
        {
            RunView view;
            lock (gate)
            {
                RunEntry? run = Find(evalId, runId);
                if (run is null) return RunNotFound(runId);
                if (run.StatusSequence is { Count: > 0 } sequence)
                {
                    run.Status = sequence.Count == 1 ? sequence.Peek() : sequence.Dequeue();
                    if (run.Json != null) run.Json = StoredRunJson.WithStatus(run.Json, run.Status);
                    RunStatusChanged(run);
                }
                view = run.View();
            }
            var reply = Ok(RunJson.Render(view));
            if (PollAfterMs is int pollAfter) reply.PollAfterMs = pollAfter;
            return reply;
        }

        private Reply ListEvals(IReadOnlyDictionary<string, string> query)
        {
            if (ReadPaging(query, out int limit, out bool ascending) is Reply bad) return bad;
            bool byUpdate = false;
            if (query.TryGetValue("order_by", out string? orderBy))
            {
                if (orderBy == "updated_at") byUpdate = true;
                else if (orderBy != "created_at")
                    return BadRequest($"Invalid value for 'order_by': expected one of 'created_at' or 'updated_at', but got '{orderBy}' instead.", "invalid_value", "order_by");
            }
            query.TryGetValue("after", out string? after);
            var texts = new List<string>();
            var ids = new List<string>();
            bool hasMore = false;
            lock (gate)
            {
                var sorted = new List<KeyValuePair<string, EvalEntry>>(evals);
                sorted.Sort((a, b) =>
                {
                    long x = byUpdate ? a.Value.UpdatedAt() : a.Value.CreatedAt, y = byUpdate ? b.Value.UpdatedAt() : b.Value.CreatedAt;
                    int c = x != y ? x.CompareTo(y) : a.Value.Seq.CompareTo(b.Value.Seq);
                    return ascending ? c : -c;
                });
                int i = 0;
                if (after != null)
                {
                    i = sorted.FindIndex(pair => pair.Key == after) + 1;
                    if (i == 0) return BadRequest($"Invalid 'after': there is no eval with id '{after}'.", "invalid_value", "after");
                }
                for (; i < sorted.Count; i++)
                {
                    if (texts.Count == limit) { hasMore = true; break; }
                    texts.Add(RenderEval(sorted[i].Key, sorted[i].Value));
                    ids.Add(sorted[i].Key);
                }
            }
            return Ok(EvalJson.Page(texts.ToArray(), ids.ToArray(), hasMore));
        }

        private Reply GetEval(string evalId)
        {
            lock (gate)
            {
                if (!evals.TryGetValue(evalId, out EvalEntry? eval)) return NotFound($"Eval with id '{evalId}' not found.");
                return Ok(RenderEval(evalId, eval));
            }
        }

        private static string RenderEval(string evalId, EvalEntry eval) =>
            EvalJson.Render(evalId, eval.Name ?? "Fake eval " + (eval.Seq + 1).ToString(CultureInfo.InvariantCulture), eval.CreatedAt, eval.Json);

        private Reply ListOutputItems(string evalId, string runId, IReadOnlyDictionary<string, string> query)
        {
            if (ReadPaging(query, out int limit, out bool ascending) is Reply bad) return bad;
            query.TryGetValue("status", out string? status);
            if (status != null && status != "pass" && status != "fail")
                return BadRequest($"Invalid value for 'status': expected one of 'fail' or 'pass', but got '{status}' instead.", "invalid_value", "status");
            query.TryGetValue("after", out string? after);
            var texts = new List<string>();
            var ids = new List<string>();
            bool hasMore = false;
            lock (gate)
            {
                RunEntry? run = Find(evalId, runId);
                if (run is null) return RunNotFound(runId);
                List<ItemEntry> items = run.Items;
                int step = ascending ? 1 : -1;
                int i = ascending ? 0 : items.Count - 1;
                if (after != null)
                {
                    int position = items.FindIndex(item => item.Id == after);
                    if (position < 0) return BadRequest($"Invalid 'after': run '{runId}' has no output item with id '{after}'.", "invalid_value", "after");
                    i = position + step;
                }
                for (; i >= 0 && i < items.Count; i += step)
                {
                    ItemEntry item = items[i];
                    if (status != null && item.Status != status) continue;
                    if (texts.Count == limit) { hasMore = true; break; }
                    texts.Add(item.Json ?? EvalJson.RenderItem(evalId, runId, item.Id, item.N, item.CreatedAt));
                    ids.Add(item.Id);
                }
            }
            return Ok(EvalJson.Page(texts.ToArray(), ids.ToArray(), hasMore));
        }

        private Reply GetOutputItem(string evalId, string runId, string itemId)
        {
            lock (gate)
            {
                RunEntry? run = Find(evalId, runId);
                if (run is null) return RunNotFound(runId);
                ItemEntry? item = run.Items.Find(entry => entry.Id == itemId);
                if (item is null) return NotFound($"Output item with id '{itemId}' not found.");
                return Ok(item.Json ?? EvalJson.RenderItem(evalId, runId, item.Id, item.N, item.CreatedAt));
            }
        }

        private Reply CancelRun(string evalId, string runId)
        {
            RunView view;
            lock (gate)
            {
                RunEntry? run = Find(evalId, runId);
                if (run is null) return RunNotFound(runId);
                if (run.Status != "queued" && run.Status != "in_progress")
                    return BadRequest($"Cannot cancel run '{runId}': its status is '{run.Status}'.", null, null);
                if (run.Json != null) run.Json = StoredRunJson.WithStatus(run.Json, "canceled");
                run.Status = "canceled";
                view = run.View();
            }
            return Ok(RunJson.Render(view));
        }

        private Reply DeleteRun(string evalId, string runId)
        {
            lock (gate)
            {
                if (!evals.TryGetValue(evalId, out EvalEntry? eval) || !eval.Remove(runId)) return RunNotFound(runId);
            }
            return Ok(RunJson.Deleted(runId));
        }

        private RunEntry? Find(string evalId, string runId) =>
            evals.TryGetValue(evalId, out EvalEntry? eval) && eval.ById.TryGetValue(runId, out RunEntry? run) ? run : null;

        private RunEntry FindOrThrow(string evalId, string runId) =>
            Find(evalId, runId) ?? throw new ArgumentException($"Eval '{evalId}' has no run '{runId}'.", nameof(runId));

        private EvalEntry GetOrAddEval(string evalId)
        {
            if (!evals.TryGetValue(evalId, out EvalEntry? eval))
            {
                eval = new EvalEntry { CreatedAt = nextEvalCreatedAt++, Seq = evals.Count };
                evals.Add(evalId, eval);
            }
            return eval;
        }

        private static void CheckId(string id, string parameter)
        {
            if (id is null) throw new ArgumentNullException(parameter);
            if (id.Length == 0) throw new ArgumentException("An id cannot be empty.", parameter);
        }

        private static Reply Ok(string json) => new Reply(200, json);
        private static Reply NotFound(string message) => new Reply(404, ErrorJson(message, "invalid_request_error", null, null));
        private static Reply RunNotFound(string runId) => NotFound($"Run with id '{runId}' not found.");
        private static Reply BadRequest(string message, string? code, string? param) => new Reply(400, ErrorJson(message, "invalid_request_error", code, param));
        private static string ErrorJson(string message, string type, string? code, string? param) => JsonText.Error(message, type, code, param);

        // ---------------------------------------------------------------- types

        private sealed class Reply
        {
            internal Reply(int status, string json) : this(status, "application/json", Encoding.UTF8.GetBytes(json)) { }

            internal Reply(int status, string? contentType, byte[] body)
            {
                Status = status; ContentType = contentType; Body = body;
            }

            internal int Status { get; }
            internal string? ContentType { get; }
            internal byte[] Body { get; }
            internal string? Allow { get; set; }
            internal int? PollAfterMs { get; set; }
        }

        private sealed class ScriptEntry
        {
            internal ScriptEntry(FakeResponse response, int times, string? pathContains)
            {
                Response = response; Remaining = times; PathContains = pathContains;
            }

            internal FakeResponse Response { get; }
            internal int Remaining { get; set; }
            internal string? PathContains { get; }
        }

        /// <summary>The runs of one eval, and their order by (created_at, insertion), kept up to date lazily.</summary>
        private sealed class EvalEntry
        {
            internal readonly Dictionary<string, RunEntry> ById = new Dictionary<string, RunEntry>(StringComparer.Ordinal);
            private List<RunEntry> sorted = new List<RunEntry>();
            private Dictionary<string, int>? positions;
            private bool stale;
            private int nextIdNumber;
            internal int GeneratedCount;
            internal string? Name;
            internal string? Json;       // evals added as JSON text; null for generated ones
            internal long CreatedAt;
            internal long Seq;           // insertion order, breaks created_at ties

            /// <summary>The eval's last change: its newest run's creation, else its own.</summary>
            internal long UpdatedAt()
            {
                long latest = CreatedAt;
                foreach (RunEntry run in ById.Values) if (run.CreatedAt > latest) latest = run.CreatedAt;
                return latest;
            }

            internal string NextFreeId()
            {
                string id;
                do id = "evalrun_" + (++nextIdNumber).ToString("D4", CultureInfo.InvariantCulture);
                while (ById.ContainsKey(id));
                return id;
            }

            internal void Add(RunEntry run)
            {
                ById.Add(run.Id, run);
                if (stale) return;
                // Generated runs arrive in created_at order: append; anything else re-sorts on the next read.
                if (sorted.Count == 0 || sorted[sorted.Count - 1].CreatedAt <= run.CreatedAt)
                {
                    sorted.Add(run);
                    if (positions != null) positions[run.Id] = sorted.Count - 1;
                }
                else
                {
                    stale = true;
                }
            }

            internal bool Remove(string runId)
            {
                if (!ById.Remove(runId)) return false;
                stale = true;
                return true;
            }

            internal List<RunEntry> SortedRuns()
            {
                if (stale)
                {
                    sorted = new List<RunEntry>(ById.Values);
                    sorted.Sort((a, b) => a.CreatedAt != b.CreatedAt ? a.CreatedAt.CompareTo(b.CreatedAt) : a.Seq.CompareTo(b.Seq));
                    positions = null;
                    stale = false;
                }
                return sorted;
            }

            internal Dictionary<string, int> Positions()
            {
                List<RunEntry> runs = SortedRuns();
                if (positions is null)
                {
                    positions = new Dictionary<string, int>(runs.Count, StringComparer.Ordinal);
                    for (int i = 0; i < runs.Count; i++) positions[runs[i].Id] = i;
                }
                return positions;
            }
        }
    }
}
