using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A free-form JSON value (an item, a sample, a message content) kept as its own UTF-8 text and
    /// turned into objects only when asked. A run with 50,000 inline items then costs a copy of their
    /// text, not a parsed document per item. The text lies in a buffer shared with the other values
    /// of the same response body (see <see cref="ResponseBody.Copy"/>).
    /// </summary>
    [JsonConverter(typeof(RawJsonConverter))]
    internal readonly struct RawJson
    {
        private readonly byte[]? buffer;
        private readonly int offset;
        private readonly int length;

        internal RawJson(byte[] buffer, int offset, int length)
        {
            this.buffer = buffer;
            this.offset = offset;
            this.length = length;
        }

        internal RawJson(byte[] utf8) : this(utf8, 0, utf8.Length) { }

        /// <summary>False when the field was absent.</summary>
        internal bool HasValue => buffer != null;

        /// <summary>The text, in the buffer it shares with other values.</summary>
        internal ReadOnlyMemory<byte> Memory => buffer is null ? default : new ReadOnlyMemory<byte>(buffer, offset, length);

        /// <summary>Part of this value's text, from <paramref name="start"/>, sharing its buffer.</summary>
        internal RawJson Slice(int start, int count) => new RawJson(buffer!, offset + start, count);

        /// <summary>True when this value lies inside <paramref name="outer"/>'s text, sharing its buffer.</summary>
        internal bool LiesIn(RawJson outer) =>
            buffer != null && buffer == outer.buffer && offset >= outer.offset && offset + length <= outer.offset + outer.length;

        /// <summary>Runs <paramref name="use"/> on the parsed value, or returns <paramref name="absent"/> when there is none.</summary>
        internal T With<T>(Func<JsonElement, T> use, T absent)
        {
            if (buffer is null) return absent;
            using var document = JsonDocument.Parse(Memory);
            return use(document.RootElement);
        }

        /// <summary>Writes the value's text as it is; an absent value is written as null.</summary>
        internal void WriteTo(Utf8JsonWriter writer)
        {
            if (buffer is null) writer.WriteNullValue();
            else writer.WriteRawValue(new ReadOnlySpan<byte>(buffer, offset, length), skipInputValidation: true);
        }

        /// <summary>The JSON text exactly as the API sent it.</summary>
        public override string ToString() => buffer is null ? "" : Encoding.UTF8.GetString(buffer, offset, length);
    }

    /// <summary>
    /// Reads a <see cref="RawJson"/>. Inside <see cref="ResponseBody.Read"/> an object or array is located in
    /// the body by address (so any reader the serializer hands over, nested or not, is placed exactly),
    /// skipped, and its bytes copied; anywhere else it goes through a JsonDocument.
    /// </summary>
    internal sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            ReadValue(ref reader);

        internal static RawJson ReadValue(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.Null) return default;
            if ((reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray)
                && ResponseBody.TryLocate(ref reader, out int start))
            {
                reader.Skip();
                if (ResponseBody.TryLocate(ref reader, out int last))
                    return ResponseBody.Copy(start, last + 1 - start);
                throw new JsonException("A value began inside the response body but ended outside it.");
            }
            using var document = JsonDocument.ParseValue(ref reader);
            return new RawJson(Encoding.UTF8.GetBytes(document.RootElement.GetRawText()));
        }

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => value.WriteTo(writer);
    }

    /// <summary>The one way a response body becomes objects.</summary>
    internal static class ResponseBody
    {
        /// <summary>The largest shared buffer: big enough that a large body's values sit on the large object heap.</summary>
        private const int MaxChunk = 1024 * 1024;
        private const int FirstChunk = 4 * 1024;

        /// <summary>The body being read on this thread, and the buffer its raw values are being copied into.</summary>
        private sealed class Reading
        {
            internal ReadOnlyMemory<byte> Body;
            internal byte[]? Chunk;
            internal int Used;
            internal int NextChunk = FirstChunk;

            /// <summary>Set when the body is itself a kept raw value: values inside it are slices of it, not copies.</summary>
            internal RawJson Kept;

            /// <summary>Whether a run's data_source is kept as text, to be read when first used (<see cref="DeferredDataSource"/>).</summary>
            internal bool DeferDataSources;
        }

        [ThreadStatic] private static Reading? reading;

        /// <summary>
        /// Deserializes <paramref name="body"/>; raw values are copied straight out of it. With
        /// <paramref name="deferDataSources"/>, each run's data_source is only copied, and read when first used.
        /// </summary>
        internal static T? Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type, bool deferDataSources = false)
        {
            var outer = reading;
            reading = new Reading { Body = body, DeferDataSources = deferDataSources };
            try
            {
                return JsonSerializer.Deserialize(body.Span, type);
            }
            finally
            {
                reading = outer;
            }
        }

        /// <summary>
        /// Reads a kept raw value with <paramref name="converter"/>. Raw values inside it are slices of its text, not
        /// new copies: the text is already this object's own, and never changes.
        /// </summary>
        internal static T? Read<T>(RawJson text, JsonConverter<T> converter, JsonSerializerOptions options)
        {
            var outer = reading;
            reading = new Reading { Body = text.Memory, Kept = text };
            try
            {
                var reader = new Utf8JsonReader(text.Memory.Span);
                reader.Read();
                return converter.Read(ref reader, typeof(T), options);
            }
            finally
            {
                reading = outer;
            }
        }

        /// <summary>Whether the body being read on this thread keeps data sources as text (see <see cref="Read{T}(ReadOnlyMemory{byte}, JsonTypeInfo{T}, bool)"/>).</summary>
        internal static bool DefersDataSources => reading?.DeferDataSources == true;

        /// <summary>
        /// Where the reader's current token lies in the body being read. By address, not by index: the serializer
        /// may hand a converter a reader over a slice of the body, whose indexes count from that slice.
        /// </summary>
        internal static bool TryLocate(ref Utf8JsonReader reader, out int offset)
        {
            offset = -1;
            if (reading is null) return false;
            var body = reading.Body.Span;
            if (body.IsEmpty || reader.HasValueSequence || reader.ValueSpan.IsEmpty) return false;
            long distance = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(body), ref MemoryMarshal.GetReference(reader.ValueSpan));
            if (distance < 0 || distance >= body.Length) return false;
            offset = (int)distance;
            return true;
        }

        /// <summary>
        /// Copies a value out of the body into a buffer shared with the body's other raw values. Buffers double from
        /// 4 KiB to 1 MiB and are never larger than what is left of the body, so a small page wastes little, and the
        /// text of a large run is copied once into a few large buffers the GC does not move, instead of into tens of
        /// thousands of small arrays it would copy again at each promotion. A value kept alive keeps its buffer alive:
        /// up to 1 MiB of raw values of the same body (or the value alone, when it is larger). Reading a kept value
        /// (a listed run's data_source), the values inside it are slices of its text: it is already a copy.
        /// </summary>
        internal static RawJson Copy(int start, int length)
        {
            var state = reading!;
            if (state.Kept.HasValue) return state.Kept.Slice(start, length);
            var source = state.Body.Span.Slice(start, length);
            if (state.Chunk is null || state.Chunk.Length - state.Used < length)
            {
                int left = state.Body.Length - start;
                state.Chunk = new byte[Math.Max(length, Math.Min(state.NextChunk, left))];
                state.Used = 0;
                state.NextChunk = Math.Min(state.NextChunk * 2, MaxChunk);
            }
            source.CopyTo(state.Chunk.AsSpan(state.Used));
            var value = new RawJson(state.Chunk, state.Used, length);
            state.Used += length;
            return value;
        }
    }
}
