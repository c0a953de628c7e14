using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Waits until eval runs reach a terminal status (completed, failed or canceled) and writes each run as it
    /// gets there. One loop polls the runs with GET requests only, through an <see cref="InFlightWindow{T}"/> that
    /// hands back each poll as it ends; it never changes a run.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "EvalRun", DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(EvalRun))]
    public sealed class WaitEvalRunCommand : EvalRunInputCommand
    {
        /// <summary>The longest -Timeout, in seconds: 30 days.</summary>
        internal const int MaxTimeout = 30 * 24 * 3600;

        private const int ProgressId = 3;

        // Polls in flight at once: runs due at the same time are asked for together, two at a time. Each parse of a
        // large run rents buffers about its size from the runtime's shared pool, which keeps them: the benchmark's 40
        // runs of 3 MiB left 11.8 MiB more live memory at 1 in flight, 16.4 MiB at 2 and 25.7 MiB at 4 (target 20).
        private const int PollsInFlight = 2;

        private readonly List<Waiting> waiting = new List<Waiting>();
        private readonly HashSet<string> seen = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// How long to wait for all the runs, in seconds, from 0 to 2592000 (30 days); 0 checks each run once;
        /// -1 (the default) waits as long as it takes.
        /// </summary>
        [Parameter]
        [ValidateRange(-1, MaxTimeout)]
        public int Timeout { get; set; } = -1;

        /// <summary>Seconds between two polls of a run, unless the API asks for another interval.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int PollingIntervalSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            if (waiting.Count == 0) return;
            int total = waiting.Count;
            var late = new List<Waiting>();
            var clock = Stopwatch.StartNew();
            TimeSpan? deadline = Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null;
            var interval = TimeSpan.FromSeconds(PollingIntervalSec);
            bool intervalGiven = MyInvocation.BoundParameters.ContainsKey(nameof(PollingIntervalSec));
            var backoff = TimeSpan.Zero;

            using (var polls = new InFlightWindow<PolledRun>(this, PollsInFlight, inOrder: false))
            {
                while (waiting.Count > 0 && !(clock.Elapsed >= deadline))
                {
                    // Every run that is due is asked for, as the window has room; then the loop waits for a poll to end,
                    // the next run to fall due, or the deadline, whichever comes first.
                    TimeSpan? wake = deadline;
                    foreach (var run in waiting)
                    {
                        if (run.Polling || !polls.HasRoom) continue;
                        if (run.Due <= clock.Elapsed)
                        {
                            run.Polling = true;
                            polls.Offer(cancel => Client.PollRunAsync(run.EvalId, run.RunId, cancel), run);
                        }
                        else if (!(wake <= run.Due))
                        {
                            wake = run.Due;
                        }
                    }
                    var within = wake is TimeSpan at ? (at > clock.Elapsed ? at - clock.Elapsed : TimeSpan.Zero) : System.Threading.Timeout.InfiniteTimeSpan;
                    if (!polls.TryTake(within, out var finished)) continue;

                    var polled = (Waiting)finished.Tag!;
                    polled.Polling = false;
                    if (finished.Failure is EvalsApiException failure)
                    {
                        if (Timeout != 0 && RetryPolicy.RateLimitPause(failure) is TimeSpan pause)
                        {
                            // Rate limits apply to the key, not to one run: no run is polled again before the server's time.
                            backoff = RetryPolicy.PollBackoff(backoff, interval);
                            WriteVerbose(string.Format(CultureInfo.InvariantCulture,
                                "Rate limited while waiting: polling again in {0:0.#} s, then at most every {1:0.#} s.", pause.TotalSeconds, backoff.TotalSeconds));
                            var notBefore = clock.Elapsed + pause;
                            foreach (var run in waiting) if (run.Due < notBefore) run.Due = notBefore;
                            continue;
                        }
                        WriteCallError(failure, ApiOperation.GetRun, polled.EvalId, polled.RunId);
                        Finish(polled);
                        continue;
                    }

                    // Only what the wait needs is kept of the run (its status and counts); the run itself is written if
                    // it has ended, and otherwise let go.
                    var answer = finished.Result;
                    polled.Saw(answer.Run);
                    if (IsTerminal(answer.Run.Status))
                    {
                        Finish(polled);
                        WriteObject(answer.Run);
                    }
                    else if (Timeout == 0)
                    {
                        // -Timeout 0 checks each run once, as Wait-Job -Timeout 0 does.
                        Finish(polled);
                        late.Add(polled);
                    }
                    else
                    {
                        var wait = !intervalGiven && answer.PollAfter is TimeSpan asked ? asked : interval;
                        if (wait < backoff) wait = backoff;
                        polled.Due = clock.Elapsed + (wait > RetryPolicy.PollFloor ? wait : RetryPolicy.PollFloor);
                        ShowProgress(polled, total);
                    }
                }
            }

            // The window is disposed: a poll still in flight at the deadline is cancelled.
            late.AddRange(waiting);
            foreach (var run in late)
            {
                CompleteProgress(run);
                WriteError(ErrorMapping.ForWaitTimeout(run.EvalId, run.RunId, run.Status, Timeout));
            }
            WriteProgress(new ProgressRecord(ProgressId, "Waiting for eval runs", $"{total - late.Count} of {total} finished")
                { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>completed, failed and canceled are final; any other status (the API may add some) is waited on.</summary>
        internal static bool IsTerminal(string? status) =>
            status == "completed" || status == "failed" || status == "canceled";

        private protected override void Take(string evalId, string runId, EvalRun? run)
        {
            if (!seen.Add(evalId + "\n" + runId)) return;

            // A run already over stays over: write it now, with no request.
            if (run != null && IsTerminal(run.Status))
            {
                WriteObject(run);
                return;
            }
            var entry = new Waiting(evalId, runId, ProgressId + 1 + seen.Count);
            if (run != null) entry.Saw(run);
            waiting.Add(entry);
        }

        private void Finish(Waiting run)
        {
            waiting.Remove(run);
            CompleteProgress(run);
        }

        private void ShowProgress(Waiting run, int total)
        {
            WriteProgress(new ProgressRecord(ProgressId, "Waiting for eval runs", $"{total - waiting.Count} of {total} finished"));
            WriteProgress(new ProgressRecord(run.ProgressId, "Run " + run.Label, string.Format(CultureInfo.InvariantCulture,
                "{0}: {1} passed, {2} failed, {3} errored of {4}", DisplayText.Value(run.Status), run.Passed, run.Failed, run.Errored, run.Total))
            {
                ParentActivityId = ProgressId,
            });
            run.ProgressShown = true;
        }

        private void CompleteProgress(Waiting run)
        {
            if (!run.ProgressShown) return;
            WriteProgress(new ProgressRecord(run.ProgressId, "Run " + run.Label, run.Status is null ? "done" : DisplayText.Value(run.Status))
            {
                ParentActivityId = ProgressId,
                RecordType = ProgressRecordType.Completed,
            });
            run.ProgressShown = false;
        }

        /// <summary>
        /// A run still being waited for: only what the wait needs (its ids, what it is shown as, its last status and
        /// counts, when to poll it next on the wait's clock), never the run itself, which may be megabytes.
        /// </summary>
        private sealed class Waiting
        {
            internal Waiting(string evalId, string runId, int progressId)
            {
                EvalId = evalId;
                RunId = runId;
                ProgressId = progressId;
                Label = DisplayText.Value(runId);
            }

            internal string EvalId { get; }
            internal string RunId { get; }
            internal int ProgressId { get; }

            /// <summary>The run as progress shows it ("name (id)"), escaped and bounded.</summary>
            internal string Label { get; private set; }

            internal string? Status { get; private set; }
            internal int Passed { get; private set; }
            internal int Failed { get; private set; }
            internal int Errored { get; private set; }
            internal int Total { get; private set; }
            internal TimeSpan Due { get; set; }
            internal bool Polling { get; set; }
            internal bool ProgressShown { get; set; }

            internal void Saw(EvalRun run)
            {
                Label = DisplayText.Value(run.ToString());
                Status = run.Status;
                Passed = run.Passed;
                Failed = run.Failed;
                Errored = run.Errored;
                Total = run.Total;
            }
        }
    }
}
