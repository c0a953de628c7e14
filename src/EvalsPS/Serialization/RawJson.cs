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
    /// text, not a parsed document per item.
    /// </summary>
    [JsonConverter(typeof(RawJsonConverter))]
    internal readonly struct RawJson
    {
        private readonly byte[]? utf8;

        internal RawJson(byte[] utf8) => this.utf8 = utf8;

        /// <summary>False when the field was absent.</summary>
        internal bool HasValue => utf8 != null;

        /// <summary>Runs <paramref name="use"/> on the parsed value, or returns <paramref name="absent"/> when there is none.</summary>
        internal T With<T>(Func<JsonElement, T> use, T absent)
        {
            if (utf8 is null) return absent;
            using var document = JsonDocument.Parse(utf8);
            return use(document.RootElement);
        }

        /// <summary>The JSON text exactly as the API sent it.</summary>
        public override string ToString() => utf8 is null ? "" : Encoding.UTF8.GetString(utf8);
    }

    /// <summary>
    /// Reads a <see cref="RawJson"/>. Inside <see cref="ResponseBody.Read"/> an object or array is located in
    /// the body by address (so any reader the serializer hands over, nested or not, is placed exactly),
    /// skipped, and its bytes copied; anywhere else it goes through a JsonDocument.
    /// </summary>
    internal sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return default;
            if ((reader.TokenType == JsonTokenType.StartObject || reader.TokenType == JsonTokenType.StartArray)
                && ResponseBody.TryLocate(ref reader, out int start))
            {
                reader.Skip();
                if (ResponseBody.TryLocate(ref reader, out int last))
                    return new RawJson(ResponseBody.Copy(start, last + 1 - start));
                throw new JsonException("A value began inside the response body but ended outside it.");
            }
            using var document = JsonDocument.ParseValue(ref reader);
            return new RawJson(Encoding.UTF8.GetBytes(document.RootElement.GetRawText()));
        }

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
        {
            if (value.HasValue) writer.WriteRawValue(value.ToString(), skipInputValidation: true);
            else writer.WriteNullValue();
        }
    }

    /// <summary>The one way a response body becomes objects.</summary>
    internal static class ResponseBody
    {
        [ThreadStatic] private static ReadOnlyMemory<byte> reading;

        /// <summary>Deserializes <paramref name="body"/>; raw values are copied straight out of it.</summary>
        internal static T? Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> type)
        {
            var outer = reading;
            reading = body;
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
        /// Where the reader's current token lies in the body being read. By address, not by index: the serializer
        /// may hand a converter a reader over a slice of the body, whose indexes count from that slice.
        /// </summary>
        internal static bool TryLocate(ref Utf8JsonReader reader, out int offset)
        {
            offset = -1;
            var body = reading.Span;
            if (body.IsEmpty || reader.HasValueSequence || reader.ValueSpan.IsEmpty) return false;
            long distance = (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(body), ref MemoryMarshal.GetReference(reader.ValueSpan));
            if (distance < 0 || distance >= body.Length) return false;
            offset = (int)distance;
            return true;
        }

        internal static byte[] Copy(int start, int length) => reading.Span.Slice(start, length).ToArray();
    }
}
