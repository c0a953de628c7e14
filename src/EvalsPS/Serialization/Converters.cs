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
        protected delegate TBase? ClassReader(ref Utf8JsonReader reader, JsonSerializerOptions options);

        /// <summary>The reader of the class for a "type" value: <c>As&lt;TClass&gt;</c>.</summary>
        protected abstract ClassReader ClassFor(string? type);

        public override TBase? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"Expected an object for {typeof(TBase).Name}, found {reader.TokenType}.");
            return ClassFor(FindType(reader))(ref reader, options);
        }

        // The class's own converter reads on with this reader. JsonSerializer.Deserialize(ref reader) would first
        // skip the whole value to scope a new reader to it: one more pass over megabytes of inline items per level.
        protected static TBase? As<TClass>(ref Utf8JsonReader reader, JsonSerializerOptions options) where TClass : TBase =>
            ((JsonConverter<TClass>)options.GetTypeInfo(typeof(TClass)).Converter).Read(ref reader, typeof(TClass), options);

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
        protected override ClassReader ClassFor(string? type) => type switch
        {
            "jsonl" => As<JsonlDataSource>,
            "completions" => As<CompletionsDataSource>,
            "responses" => As<ResponsesDataSource>,
            _ => As<EvalRunDataSource>,
        };
    }

    internal sealed class SourceConverter : DiscriminatedConverter<EvalRunSource>
    {
        protected override ClassReader ClassFor(string? type) => type switch
        {
            "file_content" => As<FileContentSource>,
            "file_id" => As<FileIdSource>,
            "stored_completions" => As<StoredCompletionsSource>,
            "responses" => As<ResponsesSource>,
            _ => As<EvalRunSource>,
        };
    }

    internal sealed class InputMessagesConverter : DiscriminatedConverter<EvalRunInputMessages>
    {
        protected override ClassReader ClassFor(string? type) => type switch
        {
            "template" => As<TemplateInputMessages>,
            "item_reference" => As<ItemReferenceInputMessages>,
            _ => As<EvalRunInputMessages>,
        };
    }

    /// <summary>
    /// Reads a file_content item by hand. A run can hold tens of thousands of them, and skipping the serializer's
    /// general object path (a frame, a property lookup and a setter per field) takes 56 ms down to 52 ms for 50,000
    /// items (bench scenario 1). Unknown fields are kept, as for every other class.
    /// </summary>
    internal sealed class FileContentItemConverter : JsonConverter<FileContentItem>
    {
        public override FileContentItem? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Null) return null;
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"Expected an object for a file_content item, found {reader.TokenType}.");
            var item = new FileContentItem();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("item"u8))
                {
                    reader.Read();
                    item.ItemJson = RawJsonConverter.ReadValue(ref reader);
                }
                else if (reader.ValueTextEquals("sample"u8))
                {
                    reader.Read();
                    item.SampleJson = RawJsonConverter.ReadValue(ref reader);
                }
                else
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    (item.AdditionalProperties ??= new AdditionalProperties())[name] = JsonElement.ParseValue(ref reader);
                }
            }
            return item;
        }

        public override void Write(Utf8JsonWriter writer, FileContentItem value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            if (value.ItemJson.HasValue)
            {
                writer.WritePropertyName("item");
                value.ItemJson.WriteTo(writer);
            }
            if (value.SampleJson.HasValue)
            {
                writer.WritePropertyName("sample");
                value.SampleJson.WriteTo(writer);
            }
            if (value.AdditionalProperties != null)
            {
                foreach (var pair in value.AdditionalProperties)
                {
                    writer.WritePropertyName(pair.Key);
                    pair.Value.WriteTo(writer);
                }
            }
            writer.WriteEndObject();
        }
    }
}
