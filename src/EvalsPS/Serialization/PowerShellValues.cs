using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>Free-form JSON (items, samples, schemas, unknown fields) as the values ConvertFrom-Json gives.</summary>
    internal static class PowerShellValues
    {
        /// <summary>
        /// Objects become PSCustomObjects (keys keep their spelling), arrays object[], whole numbers long, other
        /// numbers double. Built once, when the answer is read: the same object every time, so changes to it stay.
        /// </summary>
        internal static object? From(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var result = new PSObject();
                    foreach (var property in element.EnumerateObject())
                    {
                        try
                        {
                            result.Properties.Add(new PSNoteProperty(property.Name, From(property.Value)));
                        }
                        catch (ExtendedTypeSystemException)
                        {
                            // A key sent twice: the last one wins, as in most JSON readers.
                            result.Properties[property.Name].Value = From(property.Value);
                        }
                    }
                    return result;
                case JsonValueKind.Array:
                    var items = new object?[element.GetArrayLength()];
                    int index = 0;
                    foreach (var item in element.EnumerateArray()) items[index++] = From(item);
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

        /// <summary>Fields kept by name (a wrapper's unread fields) as one PSCustomObject.</summary>
        internal static PSObject ToObject(IDictionary<string, object?> fields)
        {
            var result = new PSObject();
            foreach (var pair in fields) result.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            return result;
        }

        /// <summary>A short text for a value in a ToString(): JSON-like for arrays and literals, PowerShell's own for objects.</summary>
        internal static string Describe(object? value) => value switch
        {
            null => "null",
            bool flag => flag ? "true" : "false",
            string text => text,
            object?[] items => "[" + string.Join(", ", items.Select(Describe)) + "]",
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
