using System;
using System.Net;
using System.Net.Http;
using System.Reflection;

namespace EvalsPS.Api
{
    /// <summary>The one HttpClient of the session, and the platform settings it needs.</summary>
    internal static class HttpTransport
    {
        private static readonly Lazy<HttpClient> SharedClient = new Lazy<HttpClient>(() => Create(CreateHandler()));

        internal static HttpClient Shared => SharedClient.Value;

        /// <summary>At least the largest -ThrottleLimit, so every request the cmdlets allow in flight gets a connection.</summary>
        internal const int MaxConnectionsPerServer = 64;

        internal static string UserAgent { get; } =
            $"EvalsPS/{typeof(HttpTransport).Assembly.GetName().Version?.ToString(3)} (PowerShell; {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription})";

        internal static HttpClient Create(HttpMessageHandler handler)
        {
            var client = new HttpClient(handler, disposeHandler: true)
            {
                // Each call sets its own deadline (-TimeoutSec), so a timeout can be told apart from Ctrl+C.
                Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            };
            client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
            return client;
        }

        private static HttpMessageHandler CreateHandler()
        {
            // On PowerShell 7, SocketsHttpHandler gives a connect timeout and pooled-connection recycling;
            // the module targets netstandard2.0, so it is reached by reflection.
            var socketsHandlerType = Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: false);
            if (socketsHandlerType != null && (bool)(socketsHandlerType.GetProperty("IsSupported", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) ?? true))
            {
                var handler = (HttpMessageHandler)Activator.CreateInstance(socketsHandlerType)!;
                Set(handler, "ConnectTimeout", ConnectionSettings.ConnectTimeout);
                Set(handler, "PooledConnectionLifetime", TimeSpan.FromMinutes(5));
                Set(handler, "AutomaticDecompression", DecompressionMethods.GZip | DecompressionMethods.Deflate);
                Set(handler, "UseCookies", false);
                Set(handler, "AllowAutoRedirect", false); // the API never redirects; a 3xx becomes an error
                return handler;
            }

            return CreateFrameworkHandler();
        }

        /// <summary>The handler of .NET Framework (Windows PowerShell 5.1), where SocketsHttpHandler does not exist.</summary>
        internal static HttpClientHandler CreateFrameworkHandler()
        {
            EnableTls12();
            return new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseCookies = false,
                AllowAutoRedirect = false,
                // .NET Framework allows two connections per server by default: -ThrottleLimit 8 would send two at a time.
                MaxConnectionsPerServer = MaxConnectionsPerServer,
            };
        }

        /// <summary>
        /// Windows PowerShell 5.1 on older .NET Framework defaults may leave TLS 1.2 off. Add it to what is
        /// enabled, never replace it; SystemDefault (0) already lets the OS choose, so leave that alone.
        /// </summary>
        internal static void EnableTls12() =>
            ServicePointManager.SecurityProtocol = WithTls12(ServicePointManager.SecurityProtocol);

        internal static SecurityProtocolType WithTls12(SecurityProtocolType current) =>
            current == 0 ? current : current | SecurityProtocolType.Tls12;

        /// <summary>
        /// Whether a failed send never made a connection (name resolution, refused, unreachable), so nothing reached the
        /// server. .NET 8+ says so in HttpRequestException.HttpRequestError (read by name: this module targets
        /// netstandard2.0); .NET Framework in WebException.Status; older .NET in the SocketException of the connect; a connect
        /// timeout is a cancellation with an inner TimeoutException. A
        /// reset or a connection closed after sending is none of these. When unsure: false.
        /// </summary>
        internal static bool NeverConnected(Exception failure)
        {
            for (Exception? ex = failure; ex != null; ex = ex.InnerException)
            {
                // SocketsHttpHandler's ConnectTimeout: a cancellation whose inner exception is a TimeoutException.
                if (ex is OperationCanceledException && ex.InnerException is TimeoutException) return true;
                if (ex is HttpRequestException &&
                    ex.GetType().GetProperty("HttpRequestError")?.GetValue(ex)?.ToString() is string error && error != "Unknown")
                {
                    return error == "NameResolutionError" || error == "ConnectionError" || error == "ProxyTunnelError";
                }
                if (ex is WebException web)
                    return web.Status == WebExceptionStatus.NameResolutionFailure || web.Status == WebExceptionStatus.ConnectFailure ||
                           web.Status == WebExceptionStatus.ProxyNameResolutionFailure;
                if (ex is System.Net.Sockets.SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case System.Net.Sockets.SocketError.ConnectionRefused:
                        case System.Net.Sockets.SocketError.HostNotFound:
                        case System.Net.Sockets.SocketError.HostUnreachable:
                        case System.Net.Sockets.SocketError.NetworkUnreachable:
                        case System.Net.Sockets.SocketError.TryAgain:
                        case System.Net.Sockets.SocketError.NoData:
                        case System.Net.Sockets.SocketError.AddressNotAvailable:
                            return true;
                        default:
                            return false;
                    }
                }
            }
            return false;
        }

        private static void Set(object target, string property, object value) =>
            target.GetType().GetProperty(property)?.SetValue(target, value);
    }
}
