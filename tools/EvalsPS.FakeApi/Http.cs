using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EvalsPS.FakeApi
{
    internal static class Http
    {
        internal static string Reason(int status)
        {
            switch (status)
            {
                case 100: return "Continue";
                case 200: return "OK";
                case 201: return "Created";
                case 202: return "Accepted";
                case 204: return "No Content";
                case 301: return "Moved Permanently";
                case 302: return "Found";
                case 304: return "Not Modified";
                case 400: return "Bad Request";
                case 401: return "Unauthorized";
                case 403: return "Forbidden";
                case 404: return "Not Found";
                case 405: return "Method Not Allowed";
                case 408: return "Request Timeout";
                case 409: return "Conflict";
                case 413: return "Payload Too Large";
                case 422: return "Unprocessable Entity";
                case 429: return "Too Many Requests";
                case 431: return "Request Header Fields Too Large";
                case 500: return "Internal Server Error";
                case 501: return "Not Implemented";
                case 502: return "Bad Gateway";
                case 503: return "Service Unavailable";
                case 504: return "Gateway Timeout";
                default: return "Status " + status.ToString(CultureInfo.InvariantCulture);
            }
        }

        internal static bool IsFramingHeader(string name) =>
            string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(name, "Connection", StringComparison.OrdinalIgnoreCase) ||
            string.Equals(name, "Transfer-Encoding", StringComparison.OrdinalIgnoreCase);

        /// <summary>Percent-decodes; '+' stays '+' (paths).</summary>
        internal static string Decode(string text) => text.IndexOf('%') < 0 ? text : Uri.UnescapeDataString(text);

        /// <summary>Decodes a query component: '+' is a space.</summary>
        internal static string DecodeQuery(string text) => Decode(text.Replace('+', ' '));

        internal static IReadOnlyDictionary<string, string> ParseQuery(string query)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in query.Split('&'))
            {
                if (pair.Length == 0) continue;
                int eq = pair.IndexOf('=');
                string name = DecodeQuery(eq < 0 ? pair : pair.Substring(0, eq));
                string value = eq < 0 ? "" : DecodeQuery(pair.Substring(eq + 1));
                result[name] = value;
            }
            return new ReadOnlyDictionary<string, string>(result);
        }
    }

    /// <summary>A request as parsed off the wire, with its body.</summary>
    internal sealed class ParsedRequest
    {
        internal ParsedRequest(string method, string target, string version, IReadOnlyDictionary<string, string> headers)
        {
            Method = method; Target = target; Version = version; Headers = headers;
        }

        internal string Method { get; }
        internal string Target { get; }
        internal string Version { get; }
        internal IReadOnlyDictionary<string, string> Headers { get; }

        /// <summary>The body (empty when there is none).</summary>
        internal byte[] Body { get; set; } = new byte[0];

        internal string? Header(string name) => Headers.TryGetValue(name, out string? v) ? v : null;

        /// <summary>HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes unless "keep-alive".</summary>
        internal bool KeepAlive
        {
            get
            {
                string? connection = Header("Connection");
                if (connection != null && HasToken(connection, "close")) return false;
                if (Version == "HTTP/1.0") return connection != null && HasToken(connection, "keep-alive");
                return true;
            }
        }

        internal static bool HasToken(string list, string token)
        {
            foreach (string part in list.Split(','))
                if (string.Equals(part.Trim(), token, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }
    }

    /// <summary>A request the fake cannot read; answered with Status and the connection closed.</summary>
    internal sealed class BadRequestException : Exception
    {
        internal BadRequestException(int status, string message) : base(message) { Status = status; }
        internal int Status { get; }
    }

    /// <summary>One client connection: a buffered reader of HTTP/1.1 requests, and a writer.</summary>
    internal sealed class HttpConnection : IDisposable
    {
        private const int MaxHeadBytes = 64 * 1024;
        private const long MaxBodyBytes = 256L * 1024 * 1024;

        private readonly TcpClient client;
        private readonly NetworkStream stream;
        private byte[] buffer = new byte[8192];
        private int start;
        private int end;
        private int disposed;

        internal HttpConnection(TcpClient client)
        {
            this.client = client;
            client.NoDelay = true;
            stream = client.GetStream();
        }

        /// <summary>The next request, or null when the client closed the connection between requests.</summary>
        internal async Task<ParsedRequest?> ReadRequestAsync(CancellationToken cancel)
        {
            int headEnd;
            while (true)
            {
                // Tolerate empty lines before a request line (RFC 9112 2.2).
                while (start < end && (buffer[start] == (byte)'\r' || buffer[start] == (byte)'\n')) start++;
                headEnd = IndexOf(CrLfCrLf, start, end);
                if (headEnd >= 0) break;
                if (end - start >= MaxHeadBytes) throw new BadRequestException(431, "The request head is too large.");
                if (!await FillAsync(cancel).ConfigureAwait(false)) return null;
            }

            string head = Encoding.UTF8.GetString(buffer, start, headEnd - start);
            start = headEnd + 4;
            string[] lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);

            string[] requestLine = lines[0].Split(' ');
            if (requestLine.Length != 3 || requestLine[0].Length == 0 || requestLine[1].Length == 0 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
                throw new BadRequestException(400, "Malformed request line.");

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i];
                int colon = line.IndexOf(':');
                if (colon <= 0) throw new BadRequestException(400, "Malformed header line.");
                string name = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                headers[name] = headers.TryGetValue(name, out string? earlier) ? earlier + ", " + value : value;
            }

            var request = new ParsedRequest(requestLine[0], requestLine[1], requestLine[2], new ReadOnlyDictionary<string, string>(headers));
            await ReadBodyAsync(request, cancel).ConfigureAwait(false);
            return request;
        }

        private async Task ReadBodyAsync(ParsedRequest request, CancellationToken cancel)
        {
            string? transferEncoding = request.Header("Transfer-Encoding");
            string? contentLength = request.Header("Content-Length");
            bool chunked = transferEncoding != null && ParsedRequest.HasToken(transferEncoding, "chunked");
            long length = 0;
            if (!chunked && contentLength != null &&
                (!long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > MaxBodyBytes))
                throw new BadRequestException(length > MaxBodyBytes ? 413 : 400, "Bad Content-Length.");
            if (!chunked && length == 0) return;

            string? expect = request.Header("Expect");
            if (expect != null && string.Equals(expect, "100-continue", StringComparison.OrdinalIgnoreCase))
                await WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 100 Continue\r\n\r\n"), cancel).ConfigureAwait(false);

            var body = new MemoryStream();
            if (!chunked)
            {
                await CopyAsync(body, length, cancel).ConfigureAwait(false);
                request.Body = body.ToArray();
                return;
            }

            long total = 0;
            while (true)
            {
                string sizeLine = await ReadLineAsync(cancel).ConfigureAwait(false);
                int semicolon = sizeLine.IndexOf(';');
                if (semicolon >= 0) sizeLine = sizeLine.Substring(0, semicolon);
                if (!long.TryParse(sizeLine.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long size) || size < 0)
                    throw new BadRequestException(400, "Bad chunk size.");
                total += size;
                if (total > MaxBodyBytes) throw new BadRequestException(413, "The body is too large.");
                if (size == 0) break;
                await CopyAsync(body, size, cancel).ConfigureAwait(false);
                if ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length != 0) throw new BadRequestException(400, "Bad chunk.");
            }
            while ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length != 0) { } // trailers
            request.Body = body.ToArray();
        }

        private async Task CopyAsync(MemoryStream body, long count, CancellationToken cancel)
        {
            while (count > 0)
            {
                if (start == end && !await FillAsync(cancel).ConfigureAwait(false)) throw new EndOfStreamException();
                int take = (int)Math.Min(count, end - start);
                body.Write(buffer, start, take);
                start += take;
                count -= take;
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancel)
        {
            while (true)
            {
                int lineEnd = IndexOf(CrLf, start, end);
                if (lineEnd >= 0)
                {
                    string line = Encoding.ASCII.GetString(buffer, start, lineEnd - start);
                    start = lineEnd + 2;
                    return line;
                }
                if (end - start >= MaxHeadBytes) throw new BadRequestException(400, "Line too long.");
                if (!await FillAsync(cancel).ConfigureAwait(false)) throw new EndOfStreamException();
            }
        }

        /// <summary>Reads more bytes; false at the end of the stream.</summary>
        private async Task<bool> FillAsync(CancellationToken cancel)
        {
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
            if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            int read = await stream.ReadAsync(buffer, end, buffer.Length - end, cancel).ConfigureAwait(false);
            if (read <= 0) return false;
            end += read;
            return true;
        }

        internal Task WriteAsync(byte[] bytes, CancellationToken cancel) => WriteAsync(bytes, 0, bytes.Length, cancel);

        internal Task WriteAsync(byte[] bytes, int offset, int count, CancellationToken cancel) => stream.WriteAsync(bytes, offset, count, cancel);

        /// <summary>Aborts the connection with a TCP RST: linger on with a zero timeout, then close.</summary>
        internal void Reset()
        {
            try
            {
                client.LingerState = new LingerOption(true, 0);
                client.Client.Close(); // before the stream: disposing the stream would shut down (FIN) first
            }
            catch (Exception) { }
            Dispose();
        }

        /// <summary>Closes after the last response: FIN once what was written is sent.</summary>
        internal void CloseGracefully()
        {
            try { client.Client.Shutdown(SocketShutdown.Send); } catch (Exception) { }
            Dispose();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            try { stream.Dispose(); } catch (Exception) { }
            try { client.Close(); } catch (Exception) { }
        }

        private static readonly byte[] CrLfCrLf = { (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n' };
        private static readonly byte[] CrLf = { (byte)'\r', (byte)'\n' };

        private int IndexOf(byte[] pattern, int from, int to)
        {
            for (int i = from; i <= to - pattern.Length; i++)
            {
                int j = 0;
                while (j < pattern.Length && buffer[i + j] == pattern[j]) j++;
                if (j == pattern.Length) return i;
            }
            return -1;
        }
    }
}
