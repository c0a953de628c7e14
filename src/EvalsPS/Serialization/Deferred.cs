using System;
using System.Text.Json;
using EvalsPS.Api;

namespace EvalsPS.Serialization
{
    /// <summary>
    /// A part of an answer turned into objects when first used, once, whichever thread asks first: the same object
    /// every time, so changes to it stay. Until then it reads the JSON in place, in the document it came from (see
    /// <see cref="KeptJson"/>): no copy per part, except in a small answer (<see cref="KeptJson.CopiesParts"/>). Three parts are read so: a run's list of inline items, and each item
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
    /// document over its pooled body, or a copy: a listed object's, or a part of a small answer. When the last part is read, or when the objects
    /// are dropped with parts unread (a finalizer: a 20 MB run read and not touched is the common case), the document is
    /// disposed and the body goes back to the pool, so the next large answer rents them instead of allocating anew.
    /// </summary>
    internal sealed class KeptJson
    {
        /// <summary>The largest answer, in bytes of body, that gives its parts copies: see <see cref="CopiesParts"/>.</summary>
        internal const int CopyPartsUpTo = 16 * 1024;

        // Null for a copy (JsonElement.Clone), which needs no disposal: most listed runs, so no finalizer for them.
        private readonly Owned? owned;
        private int pending;

        /// <param name="document">Disposed when no part needs it; null for a copy, which needs no disposal.</param>
        /// <param name="pooled">The body the document reads, from BodyBuffer; returned with the document.</param>
        internal KeptJson(JsonDocument? document = null, byte[]? pooled = null)
        {
            if (document != null) owned = new Owned(document, pooled);
        }

        /// <summary>
        /// Whether the parts of this answer read later get copies of their own JSON (JsonElement.Clone) instead of
        /// keeping the document: set by the answer when its body is at most <see cref="CopyPartsUpTo"/> bytes, such as
        /// a run got by id with a few inline items. Its document and buffer are then freed as soon as it is read, as
        /// for an answer without such parts: keeping them would cost more than the copy, a finalizer for every answer
        /// (2,000 gets: 2,000 finalizers) and new arrays for the next answers while the kept ones wait for the
        /// collector. A large answer (a run of 65,000 items) keeps its document: there a copy of its items would cost
        /// as much as the parse.
        /// </summary>
        internal bool CopiesParts { get; set; }

        /// <summary>Called as each part is made, on the one thread that reads the answer.</summary>
        internal void Hold() => pending++;

        /// <summary>
        /// Once the answer is read: true when parts still need the document, which is then theirs to free (the caller
        /// must not dispose it or return the body); false when nothing does, and the caller frees both as before.
        /// </summary>
        internal bool HandOver()
        {
            if (pending == 0) return false;
            if (owned != null) GC.ReRegisterForFinalize(owned);
            return true;
        }

        /// <summary>Called by a part, under lock(this), once it no longer needs the document.</summary>
        internal void Release()
        {
            if (--pending == 0) owned?.Free();
        }

        /// <summary>The document and body, freed once: by the last part read, or by the collector when the objects are dropped.</summary>
        private sealed class Owned
        {
            private JsonDocument? document;
            private byte[]? pooled;

            internal Owned(JsonDocument document, byte[]? pooled)
            {
                this.document = document;
                this.pooled = pooled;
                // Whoever parsed the answer frees it unless it is handed over.
                GC.SuppressFinalize(this);
            }

            ~Owned() => Free();

            internal void Free()
            {
                document?.Dispose();
                if (pooled != null) BodyBuffer.Return(pooled);
                document = null;
                pooled = null;
                GC.SuppressFinalize(this);
            }
        }
    }
}
