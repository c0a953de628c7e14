using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalsPS.Serialization
{
    /// <summary>Unix seconds (the API's created_at) to a UTC DateTime.</summary>
    internal sealed class UnixSecondsConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? default : FromUnix(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(new DateTimeOffset(value.ToUniversalTime()).ToUnixTimeSeconds());

        internal static DateTime FromUnix(double seconds) =>
            DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)).UtcDateTime;
    }

    /// <summary>Unix seconds or null to a UTC DateTime or null.</summary>
    internal sealed class NullableUnixSecondsConverter : JsonConverter<DateTime?>
    {
        public override bool HandleNull => true;

        public override DateTime? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : UnixSecondsConverter.FromUnix(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, DateTime? value, JsonSerializerOptions options)
        {
            if (value.HasValue) writer.WriteNumberValue(new DateTimeOffset(value.Value.ToUniversalTime()).ToUnixTimeSeconds());
            else writer.WriteNullValue();
        }
    }

    /// <summary>
    /// Reads an object whose concrete class is told by its "type" field, wherever that field
    /// stands among the others (the API does not promise it comes first). An unknown type
    /// reads into the base class, so a new kind never fails a read.
    /// </summary>
    internal abstract class DiscriminatedConverter<TBase> : JsonConverter<TBase> where TBase : class
    {
        protected abstract Type ClassFor(string? type);

        public override TBase? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"Expected an object for {typeof(TBase).Name}, found {reader.TokenType}.");
            var info = options.GetTypeInfo(ClassFor(FindType(reader)));
            return (TBase?)JsonSerializer.Deserialize(ref reader, info);
        }

        public override void Write(Utf8JsonWriter writer, TBase value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options.GetTypeInfo(value.GetType()));

        // The reader is a struct: scanning a copy leaves the caller's position untouched.
        private static string? FindType(Utf8JsonReader probe)
        {
            int depth = probe.CurrentDepth;
            while (probe.Read() && probe.CurrentDepth > depth)
            {
                if (probe.TokenType != JsonTokenType.PropertyName) continue;
                if (probe.CurrentDepth == depth + 1 && probe.ValueTextEquals("type"))
                {
                    probe.Read();
                    return probe.TokenType == JsonTokenType.String ? probe.GetString() : null;
                }
                probe.Read();
                probe.Skip();
            }
            return null;
        }
    }

    internal sealed class DataSourceConverter : DiscriminatedConverter<EvalRunDataSource>
    {
        protected override Type ClassFor(string? type) => type switch
        {
            "jsonl" => typeof(JsonlDataSource),
            "completions" => typeof(CompletionsDataSource),
            "responses" => typeof(ResponsesDataSource),
            _ => typeof(EvalRunDataSource),
        };
    }

    internal sealed class SourceConverter : DiscriminatedConverter<EvalRunSource>
    {
        protected override Type ClassFor(string? type) => type switch
        {
            "file_content" => typeof(FileContentSource),
            "file_id" => typeof(FileIdSource),
            "stored_completions" => typeof(StoredCompletionsSource),
            "responses" => typeof(ResponsesSource),
            _ => typeof(EvalRunSource),
        };
    }

    internal sealed class InputMessagesConverter : DiscriminatedConverter<EvalRunInputMessages>
    {
        protected override Type ClassFor(string? type) => type switch
        {
            "template" => typeof(TemplateInputMessages),
            "item_reference" => typeof(ItemReferenceInputMessages),
            _ => typeof(EvalRunInputMessages),
        };
    }
}
