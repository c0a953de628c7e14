using System;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A part of an answer turned into objects when first used, once, whichever thread asks first: the same object
    /// every time, so changes to it stay. Until then it keeps a copy of the part's JSON (the answer's document is gone).
    /// Two parts are read so: inline items and samples, most of a large run, whose PowerShell objects cost many times
    /// the parse; and a listed run's data source, about half the work of reading a run. Most pipelines never look at
    /// either. A field of a data source that cannot be read is kept in AdditionalProperties as always, but no warning
    /// is written: the cmdlet that listed the run has ended by then.
    /// </summary>
    internal sealed class Deferred<T> where T : class
    {
        private readonly Func<JsonElement, T?>? read;
        private JsonElement json;
        private T? value;
        private bool done;

        /// <summary>A part there is nothing left to do for (absent, or read at once).</summary>
        internal Deferred(T? value)
        {
            this.value = value;
            done = true;
        }

        /// <summary>A part to turn into objects with <paramref name="read"/> when first used; its JSON is copied out of the answer's document.</summary>
        internal Deferred(JsonElement json, Func<JsonElement, T?> read)
        {
            this.json = json.Clone();
            this.read = read;
        }

        internal T? Value
        {
            get
            {
                lock (this)
                {
                    if (!done)
                    {
                        value = read!(json);
                        json = default;
                        done = true;
                    }
                    return value;
                }
            }
        }
    }
}
