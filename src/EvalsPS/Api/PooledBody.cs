using System;
using System.Buffers;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace EvalsPS.Api
{
    /// <summary>
    /// A response body in a buffer rented from the shared pool. A page of 100 runs is ~140 KB: a new
    /// array for each would land on the large object heap and cost a gen-2 collection every few pages.
    /// </summary>
    internal sealed class PooledBody : IDisposable
    {
        private byte[]? buffer;

        private PooledBody(byte[] buffer, int length)
        {
            this.buffer = buffer;
            Length = length;
        }

        internal int Length { get; }

        internal ReadOnlyMemory<byte> Memory => new ReadOnlyMemory<byte>(buffer ?? throw new ObjectDisposedException(nameof(PooledBody)), 0, Length);

        internal ReadOnlySpan<byte> Span => Memory.Span;

        internal static async Task<PooledBody> ReadAsync(HttpContent content, CancellationToken cancel)
        {
            using var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            long? declared = content.Headers.ContentLength;
            var rented = ArrayPool<byte>.Shared.Rent(declared is long known && known > 0 && known < int.MaxValue - 1 ? (int)known + 1 : 16 * 1024);
            int length = 0;
            try
            {
                while (true)
                {
                    if (length == rented.Length)
                    {
                        var bigger = ArrayPool<byte>.Shared.Rent(rented.Length * 2);
                        Buffer.BlockCopy(rented, 0, bigger, 0, length);
                        ArrayPool<byte>.Shared.Return(rented);
                        rented = bigger;
                    }
                    int read = await stream.ReadAsync(rented, length, rented.Length - length, cancel).ConfigureAwait(false);
                    if (read == 0) return new PooledBody(rented, length);
                    length += read;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(rented);
                throw;
            }
        }

        public void Dispose()
        {
            var rented = Interlocked.Exchange(ref buffer, null);
            if (rented != null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
