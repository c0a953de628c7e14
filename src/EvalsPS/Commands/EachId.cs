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
        /// so while one answer is read and written the next ones are on their way. Two, not one: with one ahead the
        /// pipeline thread still waited for most answers (2,000 gets: level with the OpenAI package's sequential loop,
        /// 0.99x to 1.07x; with two ahead 0.88x; three gave 0.84x, for a fourth answer held in memory: a run got by id
        /// may be tens of MB). A pipeline that stops early cancels the two, so it costs at most two unneeded GETs.
        /// </summary>
        internal const int ReadAhead = 2;

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
