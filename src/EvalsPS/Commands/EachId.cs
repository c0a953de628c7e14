using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// The one loop of the Get cmdlets given ids (Get-Eval -EvalId, Get-EvalRun -RunId, Get-EvalRunOutputItem
    /// -OutputItemId): one GET per id, each answer or error written in the order the ids were given.
    /// </summary>
    internal static class EachId
    {
        /// <summary>
        /// How many requests beyond the one being waited for are already sent. The API answers each GET on its own,
        /// so while one answer is read and written the next is on its way, as a listing fetches its next page.
        /// </summary>
        internal const int ReadAhead = 1;

        /// <summary>
        /// Writes what <paramref name="get"/> answers for each id to <paramref name="cmdlet"/>'s pipeline; a failed
        /// id is handed to <paramref name="fail"/> and the next id follows. Requests left behind when the pipeline
        /// stops (Select-Object -First, -ErrorAction Stop, Ctrl+C) are cancelled by the window.
        /// </summary>
        internal static void Write<T>(
            EvalsCmdlet cmdlet,
            IReadOnlyList<string> ids,
            Func<string, CancellationToken, Task<T>> get,
            Action<EvalsApiException, string> fail)
        {
            using var window = new InFlightWindow<T>(cmdlet, 1 + ReadAhead);
            int next = 0;
            for (int i = 0; i < ids.Count; i++)
            {
                for (; next < ids.Count && window.HasRoom; next++)
                {
                    string id = ids[next];
                    window.Offer(cancel => get(id, cancel));
                }
                var answer = window.Take();
                if (answer.Failure is EvalsApiException failure) fail(failure, ids[i]);
                else cmdlet.WriteObject(answer.Result);
            }
        }
    }
}
