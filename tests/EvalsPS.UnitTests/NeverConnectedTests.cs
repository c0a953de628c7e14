using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading.Tasks;
using EvalsPS.Api;
using Xunit;

namespace EvalsPS.UnitTests
{
    /// <summary>
    /// Which failed sends never made a connection, so that a create may be sent again: only a connection refused,
    /// unreachable or never resolved, as each runtime reports it; a reset or a connection closed after sending is not.
    /// </summary>
    public sealed class NeverConnectedTests
    {
        [Theory]
        [InlineData(SocketError.ConnectionRefused)]
        [InlineData(SocketError.HostNotFound)]
        [InlineData(SocketError.NetworkUnreachable)]
        public void A_socket_error_of_the_connect_never_connected(SocketError error) =>
            Assert.True(HttpTransport.NeverConnected(new HttpRequestException("failed", new SocketException((int)error))));

        [Theory]
        [InlineData(SocketError.ConnectionReset)]
        [InlineData(SocketError.ConnectionAborted)]
        [InlineData(SocketError.TimedOut)]
        public void A_connection_lost_may_have_sent(SocketError error) =>
            Assert.False(HttpTransport.NeverConnected(new HttpRequestException("failed",
                new IOException("Unable to read data from the transport connection", new SocketException((int)error)))));

        [Fact]
        public void A_connect_timeout_never_connected() =>
            Assert.True(HttpTransport.NeverConnected(new TaskCanceledException("connect", new TimeoutException("A connection could not be established within 5 s."))));

        [Fact]
        public void A_cancellation_without_a_timeout_is_not_taken_for_one() =>
            Assert.False(HttpTransport.NeverConnected(new TaskCanceledException("cancelled")));

        [Theory]
        [InlineData(WebExceptionStatus.ConnectFailure, true)]
        [InlineData(WebExceptionStatus.NameResolutionFailure, true)]
        [InlineData(WebExceptionStatus.ReceiveFailure, false)]
        [InlineData(WebExceptionStatus.ConnectionClosed, false)]
        public void Dotnet_framework_says_so_in_the_web_exception(WebExceptionStatus status, bool neverConnected) =>
            Assert.Equal(neverConnected, HttpTransport.NeverConnected(new HttpRequestException("failed", new WebException("failed", status))));

        [Fact]
        public void Anything_else_counts_as_sent() =>
            Assert.False(HttpTransport.NeverConnected(new HttpRequestException("An error occurred while sending the request.")));

        [Fact]
        public void A_create_is_marked_as_reached_unless_the_connection_was_never_made()
        {
            var refused = new EvalsApiException(FailureKind.ConnectionFailed, "refused", new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));
            var reset = new EvalsApiException(FailureKind.ConnectionFailed, "reset", new IOException("reset", new SocketException((int)SocketError.ConnectionReset)));
            Assert.False(RetryPolicy.MayHaveReachedServer(refused));
            Assert.True(RetryPolicy.MayHaveReachedServer(reset));
            Assert.True(RetryPolicy.MayHaveReachedServer(new EvalsApiException(FailureKind.HttpStatus, "500") { StatusCode = 500 }));
            Assert.True(RetryPolicy.MayHaveReachedServer(new EvalsApiException(FailureKind.InvalidJsonResponse, "cut") { StatusCode = 201 }));
            Assert.False(RetryPolicy.MayHaveReachedServer(new EvalsApiException(FailureKind.HttpStatus, "429") { StatusCode = 429 }));
            Assert.False(RetryPolicy.MayHaveReachedServer(new EvalsApiException(FailureKind.HttpStatus, "400") { StatusCode = 400 }));
        }
    }
}
