using System;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A part of an answer read into its model class when first used, once, whichever thread asks first: a listed
    /// run's data source, which is most of the work of reading a run and which most pipelines over a listing never
    /// look at. It keeps a copy of the part's JSON until then. A field inside it that cannot be read is kept in
    /// AdditionalProperties as always, but no warning is written: the cmdlet that listed the run has ended by then.
    /// </summary>
    internal sealed class Deferred<T> where T : class
    {
        private readonly Func<JsonFields, T>? create;
        private JsonElement json;
        private T? value;
        private bool read;

        /// <summary>A part read already (absent, null, or not an object, so nothing is left to defer).</summary>
        internal Deferred(T? value)
        {
            this.value = value;
            read = true;
        }

        /// <summary>An object to read later with <paramref name="create"/>; its JSON is copied out of the answer's document.</summary>
        internal Deferred(JsonElement json, Func<JsonFields, T> create)
        {
            this.json = json.Clone();
            this.create = create;
        }

        internal T? Value
        {
            get
            {
                lock (this)
                {
                    if (!read)
                    {
                        value = create!(JsonFields.Root(json, new ReadIssues()));
                        json = default;
                        read = true;
                    }
                    return value;
                }
            }
        }
    }
}
