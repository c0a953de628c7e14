using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>JSON text that goes into a request as it is: a JSONL line, a criterion or config as the API stored it.</summary>
    internal sealed class JsonFragment
    {
        // Parsed once, when the fragment is made (a copy of its own, so no document needs disposing): writing it into a
        // body does not parse it again.
        private readonly JsonElement value;

        /// <summary>Checks that the text is one JSON value; a JsonException says where it is not.</summary>
        internal JsonFragment(string text)
        {
            using var document = JsonDocument.Parse(text);
            value = document.RootElement.Clone();
        }

        /// <summary>A value the caller has parsed already (and checked), as it is.</summary>
        internal JsonFragment(JsonElement value) => this.value = value.Clone();

        internal void WriteTo(Utf8JsonWriter writer) => value.WriteTo(writer);

        public override string ToString() => value.GetRawText();
    }

    /// <summary>
    /// Request bodies from PowerShell values, as a user gives them: hashtables (an ordered one keeps its order),
    /// PSCustomObjects (Import-Csv rows, ConvertFrom-Json output), arrays, strings, numbers and booleans.
    /// </summary>
    internal static class RequestJson
    {
        /// <summary>Deeper than this is a cycle or a mistake, not an API body (ConvertTo-Json stops at 100).</summary>
        private const int MaxDepth = 64;

        // The body goes to an API, not into a web page: non-ASCII text stays readable in -Debug and is smaller.
        private static readonly JsonWriterOptions Options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        /// <summary>The UTF-8 JSON of a value; ArgumentException names a value JSON cannot hold.</summary>
        internal static byte[] Serialize(object? value)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Options))
            {
                Write(writer, value, 0);
            }
            return buffer.ToArray();
        }

        private static void Write(Utf8JsonWriter writer, object? value, int depth)
        {
            if (depth > MaxDepth) throw new ArgumentException($"The value is nested more than {MaxDepth} levels deep (a value that contains itself?).");
            if (value is PSObject wrapped)
            {
                if (wrapped.BaseObject is PSCustomObject)
                {
                    writer.WriteStartObject();
                    foreach (var property in wrapped.Properties)
                    {
                        writer.WritePropertyName(property.Name);
                        Write(writer, property.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                }
                value = wrapped.BaseObject;
            }

            switch (value)
            {
                case null:
                case DBNull _:
                    writer.WriteNullValue();
                    return;
                case JsonFragment fragment:
                    fragment.WriteTo(writer);
                    return;
                case EvalGrader criterion:
                    // A criterion from Get-Eval anywhere in a body: in the API's request shape, not its .NET properties.
                    criterion.ToRequest().WriteTo(writer);
                    return;
                case EvalDataSourceConfig config:
                    Write(writer, config.ToRequest(), depth + 1);
                    return;
                case string text:
                    writer.WriteStringValue(text);
                    return;
                case char character:
                    writer.WriteStringValue(character.ToString());
                    return;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    return;
                case SwitchParameter flag:
                    writer.WriteBooleanValue(flag.IsPresent);
                    return;
                case Enum named:
                    writer.WriteStringValue(named.ToString());
                    return;
                case double number:
                    writer.WriteNumberValue(Finite(number));
                    return;
                case float number:
                    writer.WriteNumberValue(Finite(number));
                    return;
                case decimal number:
                    writer.WriteNumberValue(number);
                    return;
                case ulong number:
                    writer.WriteNumberValue(number);
                    return;
                case sbyte _:
                case byte _:
                case short _:
                case ushort _:
                case int _:
                case uint _:
                case long _:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    return;
                case DateTime time:
                    writer.WriteStringValue(time.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case DateTimeOffset time:
                    writer.WriteStringValue(time.ToString("o", CultureInfo.InvariantCulture));
                    return;
                case Guid _:
                case Uri _:
                    writer.WriteStringValue(value.ToString());
                    return;
                case System.Security.SecureString _:
                    throw new ArgumentException("A SecureString cannot be sent in a request body.");
                case IDictionary map:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry pair in map)
                    {
                        writer.WritePropertyName(Convert.ToString(pair.Key, CultureInfo.InvariantCulture) ?? "");
                        Write(writer, pair.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    return;
                case IEnumerable items:
                    writer.WriteStartArray();
                    foreach (var item in items) Write(writer, item, depth + 1);
                    writer.WriteEndArray();
                    return;
            }

            // Any other object as ConvertTo-Json writes it: its public properties.
            writer.WriteStartObject();
            foreach (var property in PSObject.AsPSObject(value).Properties)
            {
                if (property.MemberType != PSMemberTypes.Property && property.MemberType != PSMemberTypes.NoteProperty) continue;
                writer.WritePropertyName(property.Name);
                Write(writer, property.Value, depth + 1);
            }
            writer.WriteEndObject();
        }

        private static double Finite(double number) =>
            double.IsNaN(number) || double.IsInfinity(number)
                ? throw new ArgumentException($"{number.ToString(CultureInfo.InvariantCulture)} is not a number JSON can hold.")
                : number;
    }
}
