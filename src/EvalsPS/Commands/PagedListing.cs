using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// The one cursor-paging loop of the listing cmdlets (Get-Eval, Get-EvalRun, Get-EvalRunOutputItem):
    /// -First, -Skip and -IncludeTotalCount, streaming page by page.
    /// </summary>
    internal static class PagedListing
    {
        internal const int MaxPageSize = 100;

        /// <summary>
        /// Writes the listing to <paramref name="cmdlet"/>'s pipeline. <paramref name="fetch"/> asks for one page
        /// (cursor, limit, cancellation, and whom to tell the page's head); a failed page is handed to
        /// <paramref name="fail"/> and ends the listing.
        /// </summary>
        internal static void Write<T>(
            EvalsCmdlet cmdlet,
            string activity,
            string noun,
            Func<string?, int, CancellationToken, Action<PageHead>, Task<ListPage<T>>> fetch,
            Action<EvalsApiException> fail) where T : class
        {
            var paging = cmdlet.PagingParameters;
            if (paging.First == 0)
            {
                // Nothing is wanted, so nothing is asked: the API refuses limit=0. The total is not known.
                if (paging.IncludeTotalCount) cmdlet.WriteObject(paging.NewTotalCount(0, 0.0));
                return;
            }

            int pages = 0;
            ulong written = 0;
            using (var listing = new Pages<T>(paging.Skip, paging.First, fetch, cmdlet.CallCancelled))
            {
                Task<ListPage<T>>? pending = listing.First();
                while (pending != null)
                {
                    ListPage<T> page;
                    try
                    {
                        page = cmdlet.Await(pending);
                    }
                    catch (EvalsApiException failure)
                    {
                        fail(failure);
                        break;
                    }
                    pages++;

                    // The plan was made from the page's head, before its items were read; the next page is asked for by then
                    // or now, before this one is written.
                    var plan = listing.Take(pages);
                    pending = plan.Next;
                    var items = page.Data;
                    int to = Math.Min(plan.To, items?.Count ?? 0);
                    for (int i = plan.From; i < to; i++) cmdlet.WriteObject(items![i]);
                    written = plan.Written;
                    listing.Written(pages);

                    if (plan.More && pending is null)
                    {
                        fail(new EvalsApiException(FailureKind.RepeatedCursor, plan.Cursor is null
                            ? $"The listing stopped after {plan.Seen} {noun}: the API said more {noun} follow but gave no cursor (last_id) to ask for them with."
                            : $"The listing stopped after {plan.Seen} {noun}: the API said more {noun} follow '{DisplayText.Value(plan.Cursor)}', a cursor already followed, so continuing would list the same {noun} forever."));
                        break;
                    }

                    if (!plan.More)
                    {
                        if (paging.IncludeTotalCount)
                            cmdlet.WriteObject(paging.NewTotalCount(plan.Seen, page.HasMore ? 0.0 : 1.0));
                        break;
                    }
                    cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{written} {noun} so far ({pages} pages)"));
                }
            }

            if (pages > 1)
            {
                cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{written} {noun}") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>What to do with one page: which of its items to write, and the request for the next page, if any.</summary>
        private sealed class Plan<T> where T : class
        {
            internal int From;
            internal int To;
            internal ulong Seen;
            internal ulong Written;
            internal bool More;
            internal string? Cursor;
            internal Task<ListPage<T>>? Next;
            // The next page is asked for when the pipeline takes this one: it was still writing the page two before.
            internal bool Deferred;
        }

        /// <summary>
        /// The paging arithmetic of one listing. Each page's plan is made as soon as its head is read, on the thread
        /// that reads the answer, and the next page is asked for there, so the server makes it while this one's items
        /// are read; unless the pipeline is still writing the page two before this one, and then it asks when it takes
        /// this page. So a listing holds at most the page being written, the next one, and a request for the one after.
        /// Pages are planned one after another (page n+1 is asked for by page n's plan); the lock hands each plan to the
        /// pipeline thread and keeps a plan from asking for a page once the listing has ended.
        /// </summary>
        private sealed class Pages<T> : IDisposable where T : class
        {
            private readonly ulong skip;
            private readonly ulong first;
            private readonly Func<string?, int, CancellationToken, Action<PageHead>, Task<ListPage<T>>> fetch;
            private readonly CancellationTokenSource abandon;
            private readonly Action<PageHead> headRead;
            private readonly object gate = new object();
            private readonly Queue<Plan<T>> plans = new Queue<Plan<T>>();
            // A cursor already followed would list the same items again, forever.
            private readonly HashSet<string> cursors = new HashSet<string>(StringComparer.Ordinal);
            private ulong seen;
            private ulong written;
            private int planned;
            private int writtenPages;
            private bool ended;

            internal Pages(ulong skip, ulong first, Func<string?, int, CancellationToken, Action<PageHead>, Task<ListPage<T>>> fetch, CancellationToken cancel)
            {
                this.skip = skip;
                this.first = first;
                this.fetch = fetch;
                abandon = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                headRead = Plan;
            }

            internal Task<ListPage<T>> First()
            {
                lock (gate) return Fetch(null);
            }

            /// <summary>
            /// The plan of page <paramref name="number"/> (from 1), taken once its answer has been awaited; the next page
            /// is asked for now if its head did not.
            /// </summary>
            internal Plan<T> Take(int number)
            {
                lock (gate)
                {
                    if (plans.Count == 0 || number != planned - plans.Count + 1)
                        throw new InvalidOperationException($"Page {number} of the listing was read without its plan.");
                    var plan = plans.Dequeue();
                    if (plan.Deferred) plan.Next = Fetch(plan.Cursor);
                    return plan;
                }
            }

            /// <summary>The pipeline has written page <paramref name="number"/> and waits for the next.</summary>
            internal void Written(int number)
            {
                lock (gate) writtenPages = number;
            }

            /// <summary>Ends the listing: a page asked for ahead and not needed (the pipeline stopped) is cancelled.</summary>
            public void Dispose()
            {
                lock (gate) ended = true;
                abandon.Cancel();
                abandon.Dispose();
            }

            /// <summary>Asks for a page. A page nobody awaits (the pipeline stopped) may fail: its failure is observed here.</summary>
            private Task<ListPage<T>> Fetch(string? after)
            {
                var page = fetch(after, PageLimit(), abandon.Token, headRead);
                page.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                return page;
            }

            private void Plan(PageHead head)
            {
                lock (gate)
                {
                    if (ended) return;
                    int count = head.Count;
                    var plan = new Plan<T> { From = (int)Math.Min((ulong)count, StillToSkip()) };
                    plan.To = plan.From + (int)Math.Min((ulong)(count - plan.From), first - written);
                    seen += (ulong)count;
                    written += (ulong)(plan.To - plan.From);
                    plan.Seen = seen;
                    plan.Written = written;
                    plan.More = head.HasMore && count > 0 && written < first;
                    plan.Cursor = plan.More ? head.Cursor : null;
                    // Queued before the next page is asked for: that page's answer may be read on this thread, within
                    // Fetch (the lock is re-entrant), and its plan must come after this one.
                    plans.Enqueue(plan);
                    planned++;
                    if (plan.Cursor != null && cursors.Add(plan.Cursor))
                    {
                        if (writtenPages >= planned - 2) plan.Next = Fetch(plan.Cursor);
                        else plan.Deferred = true;
                    }
                }
            }

            /// <summary>A page as large as what is still wanted, counting items still to skip; at most MaxPageSize.</summary>
            private int PageLimit()
            {
                ulong wanted = first - written;
                return (int)Math.Min(MaxPageSize, Math.Min(wanted, MaxPageSize) + Math.Min(StillToSkip(), MaxPageSize));
            }

            private ulong StillToSkip() => skip > seen ? skip - seen : 0;
        }
    }
}
