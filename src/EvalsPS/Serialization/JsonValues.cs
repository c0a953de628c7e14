using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>Free-form JSON (items, samples, tool definitions) turned into what PowerShell users expect.</summary>
    internal static class JsonValues
    {
        /// <summary>Objects become PSCustomObjects, arrays lists that print their items, numbers long or double: as ConvertFrom-Json gives.</summary>
        internal static object? ToPowerShell(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var result = new PSObject();
                    foreach (var property in element.EnumerateObject())
                        result.Properties.Add(new PSNoteProperty(property.Name, ToPowerShell(property.Value)));
                    return result;
                case JsonValueKind.Array:
                    var items = new EvalsList<object?>();
                    foreach (var item in element.EnumerateArray()) items.Add(ToPowerShell(item));
                    return items;
                case JsonValueKind.String:
                    return element.GetString();
                case JsonValueKind.Number:
                    if (element.TryGetInt64(out long whole)) return whole;
                    return element.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        internal static object? ToPowerShell(RawJson value) => value.With(ToPowerShell, null);

        internal static string? MessageText(RawJson content) => content.With(MessageText, null);

        /// <summary>A message's text: a string content, an object's "text", or the texts of an array of parts.</summary>
        internal static string? MessageText(JsonElement content)
        {
            switch (content.ValueKind)
            {
                case JsonValueKind.String:
                    return content.GetString();
                case JsonValueKind.Object:
                    return content.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                        ? text.GetString()
                        : content.GetRawText();
                case JsonValueKind.Array:
                    var builder = new StringBuilder();
                    foreach (var part in content.EnumerateArray())
                    {
                        if (builder.Length > 0) builder.Append('\n');
                        builder.Append(MessageText(part));
                    }
                    return builder.ToString();
                case JsonValueKind.Undefined:
                case JsonValueKind.Null:
                    return null;
                default:
                    return content.GetRawText();
            }
        }
    }
}
