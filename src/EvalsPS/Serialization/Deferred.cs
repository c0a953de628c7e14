using System;
using System.Buffers;
using System.Text.Json;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A part of an answer turned into objects when first used, once, whichever thread asks first: the same object
    /// every time, so changes to it stay. Until then it reads the JSON in place, in the document it came from (see
    /// <see cref="KeptJson"/>): no copy per part. Three parts are read so: a run's list of inline items, and each item
    /// and sample in it, most of a large run, whose objects cost many times the parse; and a listed run's data source,
    /// about half the work of reading a run. Most pipelines never look at them. A field of a data source that cannot be read is kept in
    /// AdditionalProperties as always, but no warning is written: the cmdlet that listed the run has ended by then.
    /// </summary>
    internal sealed class Deferred<T> where T : class
    {
        private readonly Func<JsonElement, T?>? read;
        private readonly KeptJson? source;
        private JsonElement json;
        private T? value;

        /// <summary>A part there is nothing left to do for (absent, or read at once).</summary>
        internal Deferred(T? value) => this.value = value;

        /// <summary>A part to turn into objects with <paramref name="read"/> when first used; <paramref name="source"/> keeps its JSON until then.</summary>
        internal Deferred(JsonElement json, Func<JsonElement, T?> read, KeptJson source)
        {
            this.json = json;
            this.read = read;
            this.source = source;
            source.Hold();
        }

        internal T? Value
        {
            get
            {
                if (source is null) return value;
                // One lock per document: JsonDocument's reads are not safe from two threads at once.
                lock (source)
                {
                    if (json.ValueKind != JsonValueKind.Undefined)
                    {
                        value = read!(json);
                        json = default;
                        source.Release();
                    }
                    return value;
                }
            }
        }
    }

    /// <summary>
    /// A document that parts read later (<see cref="Deferred{T}"/>) still need, kept alive by them: the answer's own
    /// document over its pooled body, or a listed object's own copy. When the last part is read the document is
    /// disposed and the body goes back to the pool; when the objects are dropped unread, the collector takes both.
    /// </summary>
    internal sealed class KeptJson
    {
        private JsonDocument? document;
        private byte[]? pooled;
        private int pending;

        /// <param name="document">Disposed when the last part is read; null for a copy (JsonElement.Clone), which needs no disposal.</param>
        /// <param name="pooled">The body the document reads, from ArrayPool&lt;byte&gt;.Shared; returned with the document.</param>
        internal KeptJson(JsonDocument? document = null, byte[]? pooled = null)
        {
            this.document = document;
            this.pooled = pooled;
        }

        /// <summary>True when parts still need the document: whoever made it must not dispose it then.</summary>
        internal bool InUse => pending > 0;

        /// <summary>Called as each part is made, on the one thread that reads the answer.</summary>
        internal void Hold() => pending++;

        /// <summary>Called by a part, under lock(this), once it no longer needs the document.</summary>
        internal void Release()
        {
            if (--pending > 0) return;
            document?.Dispose();
            if (pooled != null) ArrayPool<byte>.Shared.Return(pooled);
            document = null;
            pooled = null;
        }
    }
}
