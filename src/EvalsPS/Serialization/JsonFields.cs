using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// The fields of one JSON object, read into a model class by its constructor: one line per field.
    /// Reads are tolerant: a value that does not fit its field (a string where a number belongs, a time out of
    /// range) leaves the field null, is noted in <see cref="ReadIssues"/> (the cmdlet warns once per field), and
    /// is kept, as PowerShell values, in the object's AdditionalProperties with every field the model does not know.
    /// </summary>
    internal sealed class JsonFields
    {
        private readonly JsonElement element;
        private readonly ReadIssues issues;
        // The document this object is read from, which parts read later share.
        private readonly KeptJson kept;
        // Where this object is, for warnings only: built when a warning needs it, since most reads never warn.
        private readonly JsonFields? parent;
        private readonly string? name;
        private readonly int index;
        private bool namesSubject;
        // The fields the model has read: the rest go to AdditionalProperties. A field that could not be read is not
        // noted, so it is kept there too. The list is borrowed from the answer's ReadIssues and given back by Rest().
        private List<string>? taken;
        private List<KeyValuePair<string, JsonFields>>? inner;

        /// <summary>The kind Read takes for message content, which may be a string, an object or an array.</summary>
        private const JsonValueKind StringObjectOrArray = JsonValueKind.Undefined;

        private JsonFields(JsonElement element, ReadIssues issues, KeptJson kept, JsonFields? parent, string? name, int index)
        {
            this.element = element;
            this.issues = issues;
            this.kept = kept;
            this.parent = parent;
            this.name = name;
            this.index = index;
        }

        /// <summary>
        /// The fields of a response body's top-level object; <paramref name="kept"/> keeps its document for the parts
        /// read later (whoever parsed it calls <see cref="KeptJson.HandOver"/> afterwards, and frees it only on false).
        /// </summary>
        internal static JsonFields Root(JsonElement element, ReadIssues issues, KeptJson kept)
        {
            if (element.ValueKind != JsonValueKind.Object)
                throw new JsonException($"Expected a JSON object, found {Describe(element.ValueKind)}.");
            return new JsonFields(element, issues, kept, null, null, -1);
        }

        /// <summary>Names the object in warnings about it and its parts ("run", "evalrun_1"); the top level sets it once its id is read.</summary>
        internal void Subject(string noun, string id)
        {
            issues.Noun = noun;
            issues.Id = id;
            namesSubject = true;
        }

        // The conversions below are static lambdas given what they need as a state argument, so a read allocates no
        // closure: a listing reads millions of fields.
        internal string? String(string name) => Read(name, JsonValueKind.String, 0, static (value, _) => value.GetString());

        internal long? Long(string name) => Read<int, long?>(name, JsonValueKind.Number, 0, static (value, _) => value.GetInt64());

        internal int? Int(string name) => Read<int, int?>(name, JsonValueKind.Number, 0, static (value, _) => value.GetInt32());

        internal double? Double(string name) => Read<int, double?>(name, JsonValueKind.Number, 0, static (value, _) => value.GetDouble());

        internal bool? Bool(string name) => Read<int, bool?>(name, JsonValueKind.True, 0, static (value, _) => value.GetBoolean());

        /// <summary>Unix seconds as a UTC DateTime.</summary>
        internal DateTime? Time(string name) => Read<int, DateTime?>(name, JsonValueKind.Number, 0, static (value, _) =>
            DateTimeOffset.FromUnixTimeMilliseconds(checked((long)Math.Round(value.GetDouble() * 1000))).UtcDateTime);

        /// <summary>A nested object read by <paramref name="create"/> (a constructor, or a family's Read for a kind told by "type").</summary>
        internal T? Object<T>(string name, Func<JsonFields, T> create) where T : class =>
            Read(name, JsonValueKind.Object, (fields: this, name, create), static (value, s) => s.create(s.fields.Nested(value, s.name)));

        /// <summary>An array of objects; an item that cannot be read fails the whole field (kept in AdditionalProperties).</summary>
        internal EvalsList<T>? List<T>(string name, Func<JsonFields, T> create) where T : class =>
            Read(name, JsonValueKind.Array, (fields: this, name, create), static (value, s) =>
            {
                var list = new EvalsList<T>();
                int index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Object)
                        throw new JsonException($"{ItemName(s.name, index)} is {Describe(item.ValueKind)}, not an object.");
                    list.Add(s.create(s.fields.Nested(item, s.name, index++)));
                }
                return list;
            });

        /// <summary>
        /// A field that may be a string, one object, or an array of both (message content), always as a list:
        /// <paramref name="fromString"/> makes an item of a string, <paramref name="create"/> of an object.
        /// </summary>
        internal EvalsList<T>? OneOrMany<T>(string name, Func<JsonFields, T> create, Func<string, T> fromString) where T : class =>
            Read(name, StringObjectOrArray, (fields: this, name, create, fromString), static (value, s) =>
            {
                var list = new EvalsList<T>();
                if (value.ValueKind != JsonValueKind.Array)
                {
                    list.Add(value.ValueKind == JsonValueKind.String ? s.fromString(value.GetString()!) : s.create(s.fields.Nested(value, s.name)));
                    return list;
                }
                int index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String) list.Add(s.fromString(item.GetString()!));
                    else if (item.ValueKind == JsonValueKind.Object) list.Add(s.create(s.fields.Nested(item, s.name, index)));
                    else throw new JsonException($"{ItemName(s.name, index)} is {Describe(item.ValueKind)}, not a string or an object.");
                    index++;
                }
                return list;
            });

        /// <summary>
        /// The fields of a nested object that the model reads into the object being read (the chat-completions
        /// wrappers response_format.json_schema and tools[].function). Fields of it the model does not read are kept
        /// under its name in AdditionalProperties. Null when absent, null or not an object.
        /// </summary>
        internal JsonFields? Inner(string name)
        {
            var fields = Read(name, JsonValueKind.Object, (fields: this, name), static (value, s) => s.fields.Nested(value, s.name));
            if (fields != null) (inner ??= new List<KeyValuePair<string, JsonFields>>()).Add(new KeyValuePair<string, JsonFields>(name, fields));
            return fields;
        }

        /// <summary>An array of strings.</summary>
        internal EvalsList<string>? Strings(string name) =>
            Read(name, JsonValueKind.Array, 0, static (value, _) =>
            {
                var list = new EvalsList<string>();
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String) throw new JsonException($"an item is {Describe(item.ValueKind)}, not a string.");
                    list.Add(item.GetString()!);
                }
                return list;
            });

        /// <summary>A string-to-string map, such as a run's metadata.</summary>
        internal EvalRunMetadata? Metadata(string name) =>
            Read(name, JsonValueKind.Object, 0, static (value, _) =>
            {
                var map = new EvalRunMetadata();
                foreach (var pair in value.EnumerateObject())
                {
                    if (pair.Value.ValueKind != JsonValueKind.String && pair.Value.ValueKind != JsonValueKind.Null)
                        throw new JsonException($"the value of '{pair.Name}' is {Describe(pair.Value.ValueKind)}, not a string.");
                    map[pair.Name] = pair.Value.GetString();
                }
                return map;
            });

        /// <summary>Free-form JSON (user data, schemas, parameters) as PowerShell values, as ConvertFrom-Json gives them.</summary>
        internal object? Value(string name) => Find(name, out var value) ? PowerShellValues.From(value) : null;

        /// <summary>
        /// Free-form JSON that is most of a large run (inline items and samples), turned into PowerShell values when
        /// first used, from the answer's own document (a small answer's: a copy, see <see cref="ForLater"/>): see <see cref="Deferred{T}"/>.
        /// </summary>
        internal Deferred<object> LaterValue(string name)
        {
            if (!Find(name, out var value) || value.ValueKind == JsonValueKind.Null) return new Deferred<object>(null);
            var (json, source) = ForLater(value);
            return new Deferred<object>(json, PowerShellValues.From, source);
        }

        /// <summary>
        /// An array of objects read when first used (a run's inline items: with 65,000 of them, building even their
        /// shells costs as much as the parse), from the answer's own document (see <see cref="ForLater"/>). Read now, with <see cref="List{T}"/>'s
        /// warnings, when it is absent, null, not an array or holds something other than objects: only its items'
        /// constructors run later, and those keep what they cannot read without warning (see <see cref="LaterValue"/>).
        /// </summary>
        internal Deferred<EvalsList<T>> LaterList<T>(string name, Func<JsonFields, T> create) where T : class
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array || !AllObjects(value))
                return new Deferred<EvalsList<T>>(List(name, create));
            Take(name);
            var later = new ReadIssues();
            var (json, source) = ForLater(value);
            return new Deferred<EvalsList<T>>(json, array =>
            {
                var list = new EvalsList<T>();
                int index = 0;
                foreach (var item in array.EnumerateArray()) list.Add(create(new JsonFields(item, later, source, null, name, index++)));
                return list;
            }, source);
        }

        /// <summary>
        /// The JSON a part read later reads, and what keeps it until then: the answer's own document, or, in a small
        /// answer, a copy of the part (see <see cref="KeptJson.CopiesParts"/>).
        /// </summary>
        private (JsonElement Json, KeptJson Source) ForLater(JsonElement value) =>
            kept.CopiesParts ? (value.Clone(), new KeptJson()) : (value, kept);

        private static bool AllObjects(JsonElement array)
        {
            foreach (var item in array.EnumerateArray())
                if (item.ValueKind != JsonValueKind.Object) return false;
            return true;
        }

        /// <summary>
        /// A nested object of a listed object, read when first used (see <see cref="Deferred{T}"/>); read now when it is
        /// absent, null or not an object. It reads from its own copy of its JSON, not the page's document, so a run kept
        /// from a listing (Where-Object Status -eq failed) holds its data source, about 1 KB, and not the 140 KB page.
        /// </summary>
        internal Deferred<T> Later<T>(string name, Func<JsonFields, T> create) where T : class
        {
            if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
                return new Deferred<T>(Object(name, create));
            Take(name);
            var copy = new KeptJson();
            return new Deferred<T>(value.Clone(), part => create(JsonFields.Root(part, new ReadIssues(), copy)), copy);
        }

        /// <summary>
        /// How many items <see cref="List{T}"/> would read from an array field (0 when it is absent or not an array of
        /// objects), and the string <paramref name="field"/> of the last one: a listing's page size and its cursor, known
        /// before its items are read. Notes nothing as read.
        /// </summary>
        internal int Count(string name, string field, out string? lastField)
        {
            lastField = null;
            if (!element.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array) return 0;
            int count = 0;
            JsonElement last = default;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) return 0;
                last = item;
                count++;
            }
            if (count > 0 && last.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String) lastField = value.GetString();
            return count;
        }

        /// <summary>The object's JSON text as sent: what a create request sends back of it (New-Eval copying an eval).</summary>
        internal string Raw() => element.GetRawText();

        /// <summary>The object's kind, from its "type" field (null when absent or not a string).</summary>
        internal string? Kind() =>
            element.TryGetProperty("type", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        /// <summary>Every field not read by name, and every field that could not be read, as PowerShell values; null when there are none.</summary>
        internal AdditionalProperties? Rest()
        {
            AdditionalProperties? rest = null;
            int count = 0;
            foreach (var _ in element.EnumerateObject()) count++;
            // Most objects hold only fields the model reads (each read once): then their count says so.
            if (count != (taken?.Count ?? 0))
            {
                foreach (var field in element.EnumerateObject())
                {
                    if (!IsTaken(field)) (rest ??= new AdditionalProperties())[field.Name] = PowerShellValues.From(field.Value);
                }
            }
            if (taken != null) issues.ReturnNames(taken);
            taken = null;
            if (inner != null)
            {
                foreach (var pair in inner)
                    if (pair.Value.Rest() is AdditionalProperties innerRest)
                        (rest ??= new AdditionalProperties())[pair.Key] = PowerShellValues.ToObject(innerRest);
            }
            return rest;
        }

        /// <summary>Looks a field up by name, and notes it as read when it is there.</summary>
        private bool Find(string name, out JsonElement value)
        {
            if (!element.TryGetProperty(name, out value)) return false;
            Take(name);
            return true;
        }

        private void Take(string name)
        {
            taken ??= issues.RentNames();
            if (!taken.Contains(name)) taken.Add(name);
        }

        private bool IsTaken(JsonProperty field)
        {
            if (taken is null) return false;
            foreach (var name in taken)
                if (field.NameEquals(name)) return true;
            return false;
        }

        private JsonFields Nested(JsonElement value, string name, int index = -1) => new JsonFields(value, issues, kept, this, name, index);

        private static string ItemName(string name, int index) => name + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

        /// <summary>"data_source.input_messages.template[1]": where this object is in the answer.</summary>
        private string Path()
        {
            // A field path starts at the object the warning names ("run evalrun_1"), not at the page that listed it.
            if (parent is null || name is null || namesSubject) return "";
            string here = index < 0 ? name : ItemName(name, index);
            string above = parent.Path();
            return above.Length == 0 ? here : above + "." + here;
        }

        /// <summary>
        /// Reads one field (T is a reference or Nullable type, so default is null): absent or null is null; a value of another kind, or one that <paramref name="convert"/>
        /// cannot take, is noted and kept whole in AdditionalProperties.
        /// </summary>
        private T? Read<TState, T>(string name, JsonValueKind kind, TState state, Func<JsonElement, TState, T> convert)
        {
            if (!element.TryGetProperty(name, out var value)) return default;
            if (value.ValueKind == JsonValueKind.Null)
            {
                Take(name);
                return default;
            }
            bool fits = kind == StringObjectOrArray
                ? value.ValueKind == JsonValueKind.String || value.ValueKind == JsonValueKind.Object || value.ValueKind == JsonValueKind.Array
                : value.ValueKind == kind || (kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False);
            try
            {
                if (fits)
                {
                    var result = convert(value, state);
                    Take(name);
                    return result;
                }
                issues.Add(FieldPath(name), $"expected {Describe(kind)}, found {Describe(value.ValueKind)}");
            }
            catch (Exception ex) when (ex is FormatException || ex is OverflowException || ex is ArgumentException || ex is InvalidOperationException || ex is JsonException)
            {
                issues.Add(FieldPath(name), ex.Message);
            }
            return default;
        }

        private string FieldPath(string field)
        {
            string path = Path();
            return path.Length == 0 ? field : path + "." + field;
        }

        /// <summary>A JSON value's kind as a message names it ("an array", "null").</summary>
        internal static string Describe(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True => "a boolean",
            JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            StringObjectOrArray => "a string, an object or an array",
            _ => "nothing",
        };
    }

    /// <summary>
    /// The fields of one response that could not be read as their type (the cmdlet warns once for each), and the
    /// lists of field names its objects borrow while they are read, so a page of runs does not allocate one per object.
    /// </summary>
    internal sealed class ReadIssues
    {
        private readonly List<string> messages = new List<string>();
        private readonly Stack<List<string>> names = new Stack<List<string>>();

        internal List<string> RentNames() => names.Count > 0 ? names.Pop() : new List<string>(16);

        internal void ReturnNames(List<string> list)
        {
            list.Clear();
            names.Push(list);
        }

        /// <summary>What the object being read is, for the warning: a noun ("run") and its id.</summary>
        internal string? Noun { get; set; }
        internal string? Id { get; set; }

        internal IReadOnlyList<string> Messages => messages;

        internal void Add(string field, string reason) =>
            messages.Add($"{(Noun is null ? "The answer" : char.ToUpperInvariant(Noun[0]) + Noun.Substring(1) + " " + Id)}: the field '{field}' could not be read ({reason}). " +
                         "Everything else was read; the field's value is kept, as sent, in AdditionalProperties.");
    }
}
