using System;
using System.IO;
using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using EvalsPS.Api;
using EvalsPS.Loading;
using Xunit;

namespace EvalsPS.UnitTests
{
    /// <summary>What the module does for the runtime it lands on: TLS 1.2 on old .NET Framework, and its own dependencies.</summary>
    public sealed class PlatformTests
    {
        [Theory]
        [InlineData(SecurityProtocolType.Tls, SecurityProtocolType.Tls | SecurityProtocolType.Tls12)]
        [InlineData(SecurityProtocolType.Tls | SecurityProtocolType.Tls11, SecurityProtocolType.Tls | SecurityProtocolType.Tls11 | SecurityProtocolType.Tls12)]
        [InlineData(SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13, SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13)]
        [InlineData(SecurityProtocolType.SystemDefault, SecurityProtocolType.SystemDefault)]
        public void Tls12_is_added_to_what_is_enabled_never_replacing_it(SecurityProtocolType current, SecurityProtocolType expected) =>
            Assert.Equal(expected, HttpTransport.WithTls12(current));

        [Fact]
        public void The_NET_Framework_handler_allows_as_many_connections_per_server_as_the_largest_ThrottleLimit_and_no_redirect()
        {
            // .NET Framework's default is two per server, which would make -ThrottleLimit 8 send two at a time.
            using var handler = HttpTransport.CreateFrameworkHandler();
            Assert.Equal(64, handler.MaxConnectionsPerServer);
            Assert.False(handler.AllowAutoRedirect);
        }

        [Fact]
        public void The_shared_client_never_ends_a_request_before_its_TimeoutSec()
        {
            // Each call sets its own deadline from -TimeoutSec (600 s by default, up to 86,400); HttpClient's own
            // Timeout (100 s unless set) would end such a call early, as an error that is neither a timeout nor Ctrl+C.
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, HttpTransport.Shared.Timeout);
            using var client = HttpTransport.Create(new System.Net.Http.HttpClientHandler());
            Assert.Equal(System.Threading.Timeout.InfiniteTimeSpan, client.Timeout);
        }

        // The folder dotnet build lays out: out/EvalsPS/Dependencies.
        private static readonly string Dependencies = Path.Combine(RepositoryRoot(), "out", "EvalsPS", "Dependencies");
        private static readonly Assembly Module = typeof(HttpTransport).Assembly;

        private static string RepositoryRoot()
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory != null && !File.Exists(Path.Combine(directory.FullName, "EvalsPS.sln"))) directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("EvalsPS.sln not found above " + AppContext.BaseDirectory);
        }

        [Fact]
        public void The_resolver_answers_EvalsPS_with_the_shipped_copy_in_a_private_context()
        {
            var resolver = new DependencyResolver(Dependencies, Module);
            // This host (.NET 10) has System.Text.Json 10; the module ships 8. Asked for 8 by EvalsPS, it loads its own copy beside the host's.
            var answer = resolver.Resolve(new AssemblyName("System.Text.Json, Version=8.0.0.0"), Module);
            Assert.NotNull(answer);
            Assert.Equal(Path.Combine(Dependencies, "System.Text.Json.dll"), answer!.Location);
            Assert.Equal(8, answer.GetName().Version!.Major);
            Assert.NotSame(typeof(System.Text.Json.JsonSerializer).Assembly, answer);
            Assert.NotEqual(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(answer));

            // A shipped dependency asking for its own dependencies is answered too.
            var memory = resolver.Resolve(new AssemblyName("System.Memory, Version=4.0.1.2"), answer);
            Assert.Equal(Path.Combine(Dependencies, "System.Memory.dll"), memory?.Location);

            // .NET Framework often names no requester: a shipped name is answered all the same.
            var unnamed = resolver.Resolve(new AssemblyName("System.Text.Json, Version=8.0.0.0"), null);
            Assert.Equal(Path.Combine(Dependencies, "System.Text.Json.dll"), unnamed?.Location);
        }

        [Theory]
        [InlineData("System.Text.Json, Version=8.0.0.0", "host")]
        [InlineData("System.Text.Json, Version=8.0.0.0", "tests")]
        [InlineData("Not.Shipped.Here, Version=1.0.0.0", null)]
        [InlineData("System.Text.Json, Version=99.0.0.0", null)]
        [InlineData("Not.Shipped.Here, Version=1.0.0.0", "module")]
        [InlineData("System.Text.Json, Version=99.0.0.0", "module")]
        public void The_resolver_ignores_requests_that_are_not_EvalsPS_s_to_answer(string requested, string? requester)
        {
            var from = requester switch
            {
                "host" => typeof(object).Assembly,
                "tests" => typeof(PlatformTests).Assembly,
                "module" => Module,
                _ => null,
            };
            Assert.Null(new DependencyResolver(Dependencies, Module).Resolve(new AssemblyName(requested), from));
        }
    }
}
