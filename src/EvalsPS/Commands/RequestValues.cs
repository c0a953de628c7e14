using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text.Json;
using EvalsPS.Serialization;

namespace EvalsPS.Commands
{
    /// <summary>
    /// What New-Eval and New-EvalRun make of their parameters for a request body: JSON text or PowerShell values,
    /// template messages, and the items of a run (JSONL lines or objects) as file_content entries.
    /// </summary>
    internal static class RequestValues
    {
        /// <summary>
        /// A parameter that takes an object as a hashtable (or any PowerShell object) or as JSON text: the text is
        /// sent as written, after checking that it is one JSON object.
        /// </summary>
        internal static object ObjectOrJson(object value, string parameter)
        {
            if (value is PSObject wrapped && wrapped.BaseObject is string) value = wrapped.BaseObject;
            if (!(value is string text)) return value;
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new ArgumentException($"-{parameter} is JSON text of {JsonFields.Describe(document.RootElement.ValueKind)}, not of an object.");
                return new JsonFragment(document.RootElement);
            }
            catch (JsonException ex)
            {
                throw new ArgumentException($"-{parameter} is text but not well-formed JSON: {ex.Message}", ex);
            }
        }

        /// <summary>
        /// Template messages: hashtables or objects as given, or 'role: text' strings split at the first ': ' into
        /// {role, content}. The text is a template such as {{item.input}}, sent as written.
        /// </summary>
        internal static List<object> Template(IEnumerable<object> messages)
        {
            var template = new List<object>();
            foreach (object message in messages)
            {
                object value = message is PSObject wrapped && wrapped.BaseObject is string ? wrapped.BaseObject : message;
                if (value is string text)
                {
                    int colon = text.IndexOf(": ", StringComparison.Ordinal);
                    if (colon <= 0)
                        throw new ArgumentException($"The template message '{Api.DisplayText.Value(text)}' is not 'role: text' (such as 'user: {{{{item.input}}}}') nor a hashtable @{{ role = ...; content = ... }}.");
                    template.Add(new OrderedDictionary { ["role"] = text.Substring(0, colon).Trim(), ["content"] = text.Substring(colon + 2) });
                }
                else
                {
                    template.Add(value);
                }
            }
            return template;
        }

        /// <summary>
        /// The file_content entries of a JSONL file, read line by line: a line {"item": {...}, "sample": {...}} is sent as
        /// it is, any other object is an item and sent as {"item": ...}. Blank lines are skipped. A line that is not a
        /// JSON object is a FormatException that names the file and the line.
        /// </summary>
        internal static List<JsonFragment> ReadJsonl(string path, string shownPath)
        {
            var entries = new List<JsonFragment>();
            using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            int number = 0;
            for (string? line = reader.ReadLine(); line != null; line = reader.ReadLine())
            {
                number++;
                if (line.Trim().Length == 0) continue;
                try
                {
                    entries.Add(Entry(line));
                }
                catch (FormatException ex)
                {
                    throw new FormatException($"'{shownPath}', line {number.ToString(CultureInfo.InvariantCulture)}: {ex.Message}", ex);
                }
            }
            if (entries.Count == 0) throw new FormatException($"'{shownPath}' holds no items: every line is blank.");
            return entries;
        }

        /// <summary>An object given with -Item (a CSV row, a hashtable) as a file_content entry, by the same rule as a JSONL line.</summary>
        internal static JsonFragment ItemEntry(object item)
        {
            string json = System.Text.Encoding.UTF8.GetString(RequestJson.Serialize(item));
            return Entry(json);
        }

        /// <summary>
        /// One entry of a file_content source. A wrapper is an object whose keys are only "item" (an object) and
        /// optionally "sample" (an object); anything else that is an object is a bare item.
        /// </summary>
        private static JsonFragment Entry(string json)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"not well-formed JSON ({ex.Message}).", ex);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"{JsonFields.Describe(root.ValueKind)}, not an object: each item is a JSON object.");
                bool wrapper = root.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object;
                foreach (var field in root.EnumerateObject())
                {
                    if (!field.NameEquals("item") && !field.NameEquals("sample")) wrapper = false;
                }
                if (!wrapper) return new JsonFragment("{\"item\":" + json + "}");
                if (root.TryGetProperty("sample", out var sample) && sample.ValueKind != JsonValueKind.Object)
                    throw new FormatException($"\"sample\" is {JsonFields.Describe(sample.ValueKind)}, not an object.");
                return new JsonFragment(root);
            }
        }
    }
}
