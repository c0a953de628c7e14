using System;
using System.Collections.Generic;
using System.Collections.Specialized;
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
        /// An object whose keys a PSCustomObject cannot hold becomes an ordered, case-sensitive dictionary instead
        /// (see <see cref="FitsPSObject"/>).
        /// </summary>
        internal static object? From(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!FitsPSObject(element.EnumerateObject().Select(property => property.Name)))
                    {
                        var dictionary = new OrderedDictionary();
                        // A key sent twice: the last one wins, as in most JSON readers.
                        foreach (var property in element.EnumerateObject()) dictionary[property.Name] = From(property.Value);
                        return dictionary;
                    }
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

        /// <summary>Fields kept by name (a wrapper's unread fields) as one PSCustomObject, or a dictionary as <see cref="From"/> decides.</summary>
        internal static object ToObject(IDictionary<string, object?> fields)
        {
            if (!FitsPSObject(fields.Keys))
            {
                var dictionary = new OrderedDictionary();
                foreach (var pair in fields) dictionary[pair.Key] = pair.Value;
                return dictionary;
            }
            var result = new PSObject();
            foreach (var pair in fields) result.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            return result;
        }

        /// <summary>
        /// Member names a PSObject refuses (the empty name, and the engine's reserved psbase, psobject, psadapted,
        /// psextended and pstypenames, in any case) or treats as remoting's own (PSComputerName, PSShowComputerName and
        /// RunspaceId: views hide them, and remoting rewrites them).
        /// </summary>
        private static readonly HashSet<string> Reserved = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "", "psbase", "psobject", "psadapted", "psextended", "pstypenames", "PSComputerName", "PSShowComputerName", "RunspaceId",
        };

        /// <summary>
        /// True when a PSCustomObject holds these keys faithfully. It cannot when a key is reserved (see
        /// <see cref="Reserved"/>) or two keys differ only by case (PSObject members are case-insensitive, so "a" and "A"
        /// would become one): such an object becomes a System.Collections.Specialized.OrderedDictionary built without a
        /// comparer, which compares keys as exact strings (case-sensitive) and keeps them in the order sent by contract;
        /// it is what ConvertFrom-Json -AsHashtable gives in PowerShell 7.3 and later (OrderedHashtable wraps one), and it
        /// is in .NET Framework, so Windows PowerShell 5.1 has it too. Every value is then $value['key'], and
        /// ConvertTo-Json writes every key back. Most objects have none of these keys and stay PSCustomObjects.
        /// </summary>
        private static bool FitsPSObject(IEnumerable<string> keys)
        {
            // Each key's first spelling, by key in any case; reused (FitsPSObject returns before any nested object is read).
            var seen = spellings ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            seen.Clear();
            foreach (var key in keys)
            {
                if (Reserved.Contains(key)) return false;
                // An exact repeat is a key sent twice (the last wins); only a repeat in another case is a clash.
                if (seen.TryGetValue(key, out var first) && !string.Equals(first, key, StringComparison.Ordinal)) return false;
                seen[key] = key;
            }
            return true;
        }

        [ThreadStatic] private static Dictionary<string, string>? spellings;

        /// <summary>
        /// A short text for a value in a ToString(): JSON-like for arrays and literals, PowerShell's own for objects
        /// (JSON for the dictionary that stands in for an object with reserved keys, whose own ToString is its type name).
        /// </summary>
        internal static string Describe(object? value) => value switch
        {
            null => "null",
            bool flag => flag ? "true" : "false",
            string text => text,
            object?[] items => "[" + string.Join(", ", items.Select(Describe)) + "]",
            OrderedDictionary keys => ViewText.JsonText(keys),
            IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
    }
}
