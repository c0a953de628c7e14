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
        /// (cursor, limit); a failed page is handed to <paramref name="fail"/> and ends the listing.
        /// </summary>
        internal static void Write<T>(
            EvalsCmdlet cmdlet,
            string activity,
            string noun,
            Func<string?, int, CancellationToken, Task<ListPage<T>>> fetch,
            Func<T, string> idOf,
            Action<EvalsApiException> fail) where T : class
        {
            var paging = cmdlet.PagingParameters;
            ulong skip = paging.Skip;
            ulong first = paging.First;
            if (first == 0)
            {
                // Nothing is wanted, so nothing is asked: the API refuses limit=0. The total is not known.
                if (paging.IncludeTotalCount) cmdlet.WriteObject(paging.NewTotalCount(0, 0.0));
                return;
            }
            ulong seen = 0, written = 0;
            int pages = 0;

            // The next page is fetched while this one is written, so the caller's pipeline and the network
            // overlap. Only a page that will be needed is fetched; one left behind (the pipeline stopped) is cancelled.
            using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cmdlet.CallCancelled);
            Task<ListPage<T>> Fetch(string? after) => fetch(after, PageLimit(first, skip, seen, written), abandon.Token);

            // A cursor already followed would list the same items again, forever.
            var cursors = new HashSet<string>(StringComparer.Ordinal);
            Task<ListPage<T>>? pending = Fetch(null);
            try
            {
                while (pending != null)
                {
                    ListPage<T> page;
                    try
                    {
                        page = cmdlet.Await(pending);
                    }
                    catch (EvalsApiException failure)
                    {
                        pending = null;
                        fail(failure);
                        break;
                    }
                    pending = null;
                    pages++;

                    var items = page.Data ?? new EvalsList<T>();
                    int from = (int)Math.Min((ulong)items.Count, StillToSkip(skip, seen));
                    int to = from + (int)Math.Min((ulong)(items.Count - from), first - written);
                    seen += (ulong)items.Count;
                    written += (ulong)(to - from);
                    bool more = page.HasMore && items.Count > 0 && written < first;
                    string? cursor = more ? page.LastId ?? idOf(items[items.Count - 1]) : null;
                    if (cursor != null && cursors.Add(cursor)) pending = Fetch(cursor);

                    for (int i = from; i < to; i++) cmdlet.WriteObject(items[i]);

                    if (more && pending is null)
                    {
                        fail(new EvalsApiException(FailureKind.RepeatedCursor,
                            $"The listing stopped after {seen} {noun}: the API said more {noun} follow '{DisplayText.Value(cursor)}', a cursor already followed, so continuing would list the same {noun} forever."));
                        break;
                    }

                    if (!more)
                    {
                        if (paging.IncludeTotalCount)
                            cmdlet.WriteObject(paging.NewTotalCount(seen, page.HasMore ? 0.0 : 1.0));
                        break;
                    }
                    cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{written} {noun} so far ({pages} pages)"));
                }
            }
            finally
            {
                if (pending != null)
                {
                    abandon.Cancel();
                    pending.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                }
            }

            if (pages > 1)
            {
                cmdlet.WriteProgress(new ProgressRecord(1, activity, $"{written} {noun}") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>A page as large as what is still wanted, counting items still to skip; at most MaxPageSize.</summary>
        private static int PageLimit(ulong first, ulong skip, ulong seen, ulong written)
        {
            ulong wanted = first - written;
            return (int)Math.Min(MaxPageSize, Math.Min(wanted, MaxPageSize) + Math.Min(StillToSkip(skip, seen), MaxPageSize));
        }

        private static ulong StillToSkip(ulong skip, ulong seen) => skip > seen ? skip - seen : 0;
    }
}
