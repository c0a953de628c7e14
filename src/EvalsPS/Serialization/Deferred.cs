using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A run's data_source, read at once or, in a listing, from its kept JSON text when first asked for. The
    /// data_source (inline items, message templates, sampling settings) is most of a run's JSON and most of the work
    /// of reading it, and most pipelines over a listing never look at it.
    /// </summary>
    internal sealed class DeferredDataSource
    {
        private static readonly DataSourceConverter Converter = new DataSourceConverter();

        private RawJson text;
        private EvalRunDataSource? value;
        private volatile bool read;

        internal DeferredDataSource(EvalRunDataSource? value)
        {
            this.value = value;
            read = true;
        }

        internal DeferredDataSource(RawJson text) => this.text = text;

        /// <summary>False until the kept text has been read.</summary>
        internal bool IsRead => read;

        /// <summary>The kept text, until it has been read.</summary>
        internal RawJson Text => text;

        /// <summary>
        /// The data source; read from the kept text on first use, once, whichever thread asks first. PowerShell turns
        /// an exception in a property getter into a silent $null, so text that does not read as its kind is not
        /// thrown on: it is kept whole, as an unknown kind would be, and its ToString() says why.
        /// </summary>
        internal EvalRunDataSource? Value
        {
            get
            {
                if (read) return value;
                lock (this)
                {
                    if (read) return value;
                    try
                    {
                        value = ResponseBody.Read(text, Converter, EvalsJsonContext.Default.Options);
                    }
                    catch (Exception ex) when (ex is JsonException || ex is InvalidOperationException || ex is FormatException)
                    {
                        // Outside the serializer, a reader's own InvalidOperationException is not turned into a JsonException.
                        value = Unread(text, ex.Message);
                    }
                    text = default;
                    read = true;
                    return value;
                }
            }
        }

        /// <summary>A data source that did not read as its kind: its type, and every field as sent.</summary>
        private static EvalRunDataSource Unread(RawJson text, string reason)
        {
            var unread = new EvalRunDataSource { ReadError = reason, AdditionalProperties = new AdditionalProperties() };
            using var document = JsonDocument.Parse(text.Memory);
            foreach (var field in document.RootElement.EnumerateObject())
            {
                if (field.NameEquals("type") && field.Value.ValueKind == JsonValueKind.String) unread.Type = field.Value.GetString();
                else unread.AdditionalProperties[field.Name] = field.Value.Clone();
            }
            return unread;
        }

        internal static EvalRunDataSource? ReadNow(ref Utf8JsonReader reader, JsonSerializerOptions options) =>
            Converter.Read(ref reader, typeof(EvalRunDataSource), options);

        internal static void Write(Utf8JsonWriter writer, EvalRunDataSource value, JsonSerializerOptions options) =>
            Converter.Write(writer, value, options);
    }

    /// <summary>
    /// Reads a <see cref="DeferredDataSource"/>: at once, or, when the body being read defers data sources (a listed
    /// page), by keeping the value's text for later.
    /// </summary>
    internal sealed class DeferredDataSourceConverter : JsonConverter<DeferredDataSource>
    {
        public override DeferredDataSource Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.StartObject && ResponseBody.DefersDataSources
                ? new DeferredDataSource(RawJsonConverter.ReadValue(ref reader))
                : new DeferredDataSource(DeferredDataSource.ReadNow(ref reader, options));

        public override void Write(Utf8JsonWriter writer, DeferredDataSource value, JsonSerializerOptions options)
        {
            if (value.Value is EvalRunDataSource dataSource) DeferredDataSource.Write(writer, dataSource, options);
            else writer.WriteNullValue();
        }
    }
}
