using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EvalsPS.FakeApi
{
    /// <summary>A scripted answer for FakeEvalsApi.Enqueue.</summary>
    public sealed partial class FakeResponse
    {
        internal enum Kind { Fixed, Reset, Slow, StallBody, Raw }

        private readonly List<KeyValuePair<string, string>> headers = new List<KeyValuePair<string, string>>();

        private FakeResponse(Kind kind, int status, string? contentType, byte[] body, TimeSpan delay, string description)
        {
            ResponseKind = kind;
            Status = status;
            ContentType = contentType;
            Body = body;
            Delay = delay;
            this.description = description;
        }

        private readonly string description;
        internal Kind ResponseKind { get; }
        internal int Status { get; }
        internal string? ContentType { get; }
        internal byte[] Body { get; }
        internal TimeSpan Delay { get; }

        /// <summary>The request is handled first (a create creates), then this answer replaces the real one.</summary>
        internal bool Handled { get; private set; }

        internal KeyValuePair<string, string>[] ExtraHeaders
        {
            get { lock (headers) return headers.ToArray(); }
        }

        /// <summary>A JSON answer (Content-Type: application/json) with this status and body.</summary>
        public static FakeResponse Json(int status, string body)
        {
            if (body is null) throw new ArgumentNullException(nameof(body));
            return new FakeResponse(Kind.Fixed, CheckStatus(status), "application/json", Encoding.UTF8.GetBytes(body), TimeSpan.Zero, "Json " + status);
        }

        /// <summary>An API error: {"error":{"message","type","param","code"}}, absent param and code as JSON null.</summary>
        public static FakeResponse Error(int status, string message, string type = "invalid_request_error", string? code = null, string? param = null)
        {
            if (message is null) throw new ArgumentNullException(nameof(message));
            if (type is null) throw new ArgumentNullException(nameof(type));
            return new FakeResponse(Kind.Fixed, CheckStatus(status), "application/json",
                Encoding.UTF8.GetBytes(JsonText.Error(message, type, code, param)), TimeSpan.Zero, "Error " + status);
        }

        /// <summary>An HTML page such as a gateway answers: "&lt;title&gt;502 Bad Gateway&lt;/title&gt;".</summary>
        public static FakeResponse Html(int status)
        {
            string title = status.ToString(CultureInfo.InvariantCulture) + " " + Http.Reason(CheckStatus(status));
            string page = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
                          "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
            return new FakeResponse(Kind.Fixed, status, "text/html", Encoding.UTF8.GetBytes(page), TimeSpan.Zero, "Html " + status);
        }

        /// <summary>No body and no Content-Type; Content-Length: 0.</summary>
        public static FakeResponse Empty(int status) =>
            new FakeResponse(Kind.Fixed, CheckStatus(status), null, new byte[0], TimeSpan.Zero, "Empty " + status);

        /// <summary>A 200 application/json whose body is the first ~60 % of a valid run (Content-Length matches what is sent).</summary>
        public static FakeResponse TruncatedJson()
        {
            string run = RunJson.Render(new RunView("evalrun_truncated", "eval_truncated", "completed", 1743092069, 1, null, null));
            byte[] all = Encoding.UTF8.GetBytes(run);
            byte[] cut = new byte[all.Length * 6 / 10];
            Array.Copy(all, cut, cut.Length);
            return new FakeResponse(Kind.Fixed, 200, "application/json", cut, TimeSpan.Zero, "TruncatedJson");
        }

        /// <summary>A redirect (such as 307) to <paramref name="location"/>, with no body.</summary>
        public static FakeResponse Redirect(int status, string location) => Empty(status).WithHeader("Location", location);

        /// <summary>A 200 list page of one generated run whose cursor never advances: has_more true, last_id always <paramref name="runId"/>.</summary>
        public static FakeResponse StuckPage(string evalId, string runId) =>
            new FakeResponse(Kind.Fixed, 200, "application/json",
                Encoding.UTF8.GetBytes(RunJson.Page(new[] { new RunView(runId, evalId, "completed", 1743092069, 1, null, null) }, hasMore: true)),
                TimeSpan.Zero, "StuckPage " + runId);

        /// <summary>A 200 answer to a delete that says the run was not deleted ("deleted": false).</summary>
        public static FakeResponse NotDeleted(string runId) =>
            new FakeResponse(Kind.Fixed, 200, "application/json", Encoding.UTF8.GetBytes(RunJson.Deleted(runId, deleted: false)), TimeSpan.Zero, "NotDeleted " + runId);

        /// <summary>Close the connection with a TCP RST (linger on, timeout 0) before sending anything.</summary>
        public static FakeResponse Reset() =>
            new FakeResponse(Kind.Reset, 0, null, new byte[0], TimeSpan.Zero, "Reset");

        /// <summary>Wait <paramref name="delay"/>, then answer as if nothing were scripted (plus any WithHeader headers).</summary>
        public static FakeResponse Slow(TimeSpan delay)
        {
            if (delay < TimeSpan.Zero && delay != System.Threading.Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(delay));
            return new FakeResponse(Kind.Slow, 0, null, new byte[0], delay, "Slow " + delay);
        }

        /// <summary>
        /// Answer as if nothing were scripted, but send only the headers and half the body, then wait
        /// <paramref name="delay"/> before sending the rest: a body that stalls after the headers.
        /// </summary>
        public static FakeResponse StallBody(TimeSpan delay)
        {
            if (delay < TimeSpan.Zero && delay != System.Threading.Timeout.InfiniteTimeSpan) throw new ArgumentOutOfRangeException(nameof(delay));
            return new FakeResponse(Kind.StallBody, 0, null, new byte[0], delay, "StallBody " + delay);
        }

        /// <summary>
        /// Adds a header to this answer and returns this (e.g. retry-after, retry-after-ms, x-should-retry).
        /// A header the fake sets itself (Content-Type, x-request-id) is replaced; Content-Length,
        /// Connection and Transfer-Encoding are the fake's and cannot be set.
        /// </summary>
        public FakeResponse WithHeader(string name, string value)
        {
            if (string.IsNullOrEmpty(name) || name.IndexOfAny(new[] { ':', '\r', '\n', ' ' }) >= 0) throw new ArgumentException("Not a header name.", nameof(name));
            if (value is null) throw new ArgumentNullException(nameof(value));
            if (value.IndexOfAny(new[] { '\r', '\n' }) >= 0) throw new ArgumentException("A header value cannot hold a line break.", nameof(value));
            if (Http.IsFramingHeader(name)) throw new ArgumentException($"The fake sets '{name}' itself.", nameof(name));
            lock (headers) headers.Add(new KeyValuePair<string, string>(name, value));
            return this;
        }

        /// <summary>
        /// Handle the request as if nothing were scripted (a create creates its run or eval), then answer with this
        /// instead (a Reset, an Error(500, ...)): the answer to a create is lost, but the create happened. Returns this.
        /// </summary>
        public FakeResponse AfterHandling()
        {
            Handled = true;
            return this;
        }

        public override string ToString() => Handled ? description + " after handling" : description;

        private static int CheckStatus(int status) =>
            status >= 100 && status <= 999 ? status : throw new ArgumentOutOfRangeException(nameof(status), "An HTTP status is 100..999.");
    }
}
