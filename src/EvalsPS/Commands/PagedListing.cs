using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// The listing cmdlets' loop (Get-Eval, Get-EvalRun, Get-EvalRunOutputItem without ids): the items of a
    /// <see cref="Listing{T}"/>, then -IncludeTotalCount, with progress per page.
    /// </summary>
    internal static class PagedListing
    {
        internal const int MaxPageSize = 100;

        /// <summary>Writes the listing to <paramref name="cmdlet"/>'s pipeline; a failed page goes to <paramref name="fail"/> and ends it.</summary>
        internal static void Write<T>(EvalsCmdlet cmdlet, string activity, string noun,
            Func<string?, int, CancellationToken, Task<ListPage<T>>> fetch, Action<EvalsApiException> fail) where T : class
        {
            var paging = cmdlet.PagingParameters;
            var listing = new Listing<T>(cmdlet, fetch, paging.Skip, paging.First, noun);
            listing.PageWritten = () => cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{listing.Written} {noun} so far ({listing.Pages} pages)"));
            try
            {
                foreach (var item in listing) cmdlet.WriteObject(item);
            }
            catch (EvalsApiException failure)
            {
                fail(failure);
            }
            if (paging.IncludeTotalCount && listing.Ended) cmdlet.WriteObject(paging.NewTotalCount(listing.Seen, listing.Complete ? 1.0 : 0.0));
            if (listing.Pages > 1)
                cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{listing.Written} {noun}") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// A cursor listing (evals, runs, output items) as items, pulled on the pipeline thread (use it there, once), with
    /// the next page asked for ahead through an <see cref="InFlightWindow{T}"/>: a page's request reads the page's head
    /// (how many items, whether more follow, the cursor), asks for the next page at once, and only then builds this
    /// page's items, so the server makes the next page while this one is read. The window holds two pages: the one read
    /// next and a request for the one after, besides the page being written; each is started from the one before, since
    /// it needs its cursor. A cmdlet may pull from two listings in turn, each with its own requests in flight.
    /// <para>
    /// -Skip and -First are applied here (pages ask only for what is still wanted); a failed page, and a page that says
    /// more follow without a cursor that can be followed (none, or one already followed, which would list the same items
    /// forever), throw an EvalsApiException from the enumeration, after the items before it. Ending the enumeration early
    /// (Select-Object -First, an error, Ctrl+C) cancels the requests in flight.
    /// </para>
    /// </summary>
    internal sealed class Listing<T> : IEnumerable<T> where T : class
    {
        private const int PagesAhead = 2;

        private readonly EvalsCmdlet cmdlet;
        private readonly Func<string?, int, CancellationToken, Task<ListPage<T>>> fetch;
        private readonly ulong skip;
        private readonly ulong first;
        private readonly string noun;
        // The arithmetic of the pages asked for, made on the thread that reads each page: one page at a time, since each
        // is asked for by the one before.
        private readonly HashSet<string> cursors = new HashSet<string>(StringComparer.Ordinal);
        private ulong seenAsked;
        private ulong writtenAsked;

        internal Listing(EvalsCmdlet cmdlet, Func<string?, int, CancellationToken, Task<ListPage<T>>> fetch, ulong skip, ulong first, string noun)
        {
            this.cmdlet = cmdlet;
            this.fetch = fetch;
            this.skip = skip;
            this.first = first;
            this.noun = noun;
        }

        /// <summary>Called on the pipeline thread after the items of a page are taken, when more follow.</summary>
        internal Action? PageWritten { get; set; }

        /// <summary>Pages read so far.</summary>
        internal int Pages { get; private set; }

        /// <summary>Items handed out so far.</summary>
        internal ulong Written { get; private set; }

        /// <summary>Items the API listed so far, skipped ones included (the total count when <see cref="Complete"/>).</summary>
        internal ulong Seen { get; private set; }

        /// <summary>Whether the listing ended without an error (all that was wanted was read).</summary>
        internal bool Ended { get; private set; }

        /// <summary>Whether it ended because the API said no more follow, so <see cref="Seen"/> is the total.</summary>
        internal bool Complete { get; private set; }

        public IEnumerator<T> GetEnumerator() => Items().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private IEnumerable<T> Items()
        {
            // Nothing is wanted, so nothing is asked: the API refuses limit=0. The total is not known.
            if (first == 0)
            {
                Ended = true;
                yield break;
            }

            using var window = new InFlightWindow<Page>(cmdlet, PagesAhead);
            window.Offer(FetchAsync(window, null, PageLimit()));
            while (true)
            {
                var page = window.Take().Result;
                Pages++;
                var items = page.Items;
                int to = Math.Min(page.To, items?.Count ?? 0);
                for (int i = page.From; i < to; i++)
                {
                    Written++;
                    yield return items![i];
                }
                Seen = page.Seen;
                if (!page.More)
                {
                    Ended = true;
                    Complete = !page.HasMore;
                    yield break;
                }
                if (!page.NextAsked)
                {
                    throw new EvalsApiException(FailureKind.RepeatedCursor, page.Cursor is null
                        ? $"The listing stopped after {Seen} {noun}: the API said more {noun} follow but gave no cursor (last_id) to ask for them with."
                        : $"The listing stopped after {Seen} {noun}: the API said more {noun} follow '{DisplayText.Value(page.Cursor)}', a cursor already followed, so continuing would list the same {noun} forever.");
                }
                PageWritten?.Invoke();
            }
        }

        /// <summary>
        /// The request for one page: on the thread that reads it, plans the page from its head, offers the request for
        /// the next page to the window, and then builds the page's items.
        /// </summary>
        private Func<CancellationToken, Task<Page>> FetchAsync(InFlightWindow<Page> window, string? after, int limit) => async cancel =>
        {
            var answer = await fetch(after, limit, cancel).ConfigureAwait(false);
            int count = answer.Count;
            var page = new Page { From = (int)Math.Min((ulong)count, StillToSkip()), HasMore = answer.HasMore };
            page.To = page.From + (int)Math.Min((ulong)(count - page.From), first - writtenAsked);
            seenAsked += (ulong)count;
            writtenAsked += (ulong)(page.To - page.From);
            page.Seen = seenAsked;
            page.More = answer.HasMore && count > 0 && writtenAsked < first;
            if (page.More)
            {
                page.Cursor = answer.Cursor;
                page.NextAsked = page.Cursor != null && cursors.Add(page.Cursor);
                if (page.NextAsked) window.Offer(FetchAsync(window, page.Cursor, PageLimit()));
            }
            page.Items = answer.Data;
            return page;
        };

        /// <summary>A page as large as what is still wanted, counting items still to skip; at most MaxPageSize.</summary>
        private int PageLimit()
        {
            ulong wanted = first - writtenAsked;
            return (int)Math.Min(PagedListing.MaxPageSize, Math.Min(wanted, PagedListing.MaxPageSize) + Math.Min(StillToSkip(), PagedListing.MaxPageSize));
        }

        private ulong StillToSkip() => skip > seenAsked ? skip - seenAsked : 0;

        /// <summary>One page read: its items, which of them to hand out, and what it says of the rest.</summary>
        private sealed class Page
        {
            internal EvalsList<T>? Items;
            internal int From;
            internal int To;
            internal ulong Seen;
            internal bool HasMore;
            internal bool More;
            internal string? Cursor;
            internal bool NextAsked;
        }
    }
}
