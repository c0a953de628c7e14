using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Waits until eval runs reach a terminal status (completed, failed or canceled) and writes each run as it
    /// gets there. One loop polls every run with GET requests only; it never changes a run.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "EvalRun", DefaultParameterSetName = InputObjectSet)]
    [OutputType(typeof(EvalRun))]
    public sealed class WaitEvalRunCommand : EvalRunInputCommand
    {
        private const int ProgressId = 3;
        private static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(2);

        private readonly List<Waiting> waiting = new List<Waiting>();
        private readonly HashSet<string> seen = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>How long to wait for all the runs, in seconds; -1 (the default) waits as long as it takes.</summary>
        [Parameter]
        [ValidateRange(-1, int.MaxValue)]
        public int Timeout { get; set; } = -1;

        /// <summary>Seconds between two polls of a run, unless the API asks for another interval.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int PollingIntervalSec { get; set; } = 5;

        protected override void EndProcessing()
        {
            if (waiting.Count == 0) return;
            var clock = Stopwatch.StartNew();
            TimeSpan? deadline = Timeout >= 0 ? TimeSpan.FromSeconds(Timeout) : (TimeSpan?)null;
            var interval = TimeSpan.FromSeconds(PollingIntervalSec);
            bool intervalGiven = MyInvocation.BoundParameters.ContainsKey(nameof(PollingIntervalSec));
            var backoff = TimeSpan.Zero;
            int total = waiting.Count;

            while (waiting.Count > 0)
            {
                var next = waiting[0];
                foreach (var candidate in waiting)
                    if (candidate.Due < next.Due) next = candidate;

                if (deadline is TimeSpan limit && next.Due >= limit)
                {
                    // The next poll would come too late: wait out the rest of the time, then report what is left.
                    Sleep(limit - clock.Elapsed);
                    break;
                }
                Sleep(next.Due - clock.Elapsed);

                PolledRun polled;
                using (var call = CancellationTokenSource.CreateLinkedTokenSource(CallCancelled))
                {
                    if (deadline is TimeSpan callLimit) call.CancelAfter(Remaining(callLimit, clock));
                    try
                    {
                        polled = Await(Client.PollRunAsync(next.EvalId, next.RunId, call.Token));
                    }
                    catch (OperationCanceledException) when (!CallCancelled.IsCancellationRequested)
                    {
                        break; // the whole wait ran out of time during this request
                    }
                    catch (EvalsApiException failure) when (failure.StatusCode == 429 && RetryAfter(failure) is TimeSpan asked)
                    {
                        // Rate limits apply to the key, not to one run: no run is polled again before the server's time.
                        backoff = Min(Double(backoff == TimeSpan.Zero ? interval : backoff), MaxInterval);
                        WriteVerbose($"Rate limited while waiting: polling again in {asked.TotalSeconds:0.#} s, then at most every {backoff.TotalSeconds:0.#} s.");
                        var notBefore = clock.Elapsed + asked;
                        foreach (var run in waiting) if (run.Due < notBefore) run.Due = notBefore;
                        continue;
                    }
                    catch (EvalsApiException failure)
                    {
                        WriteCallError(failure, ApiOperation.GetRun, next.EvalId, next.RunId);
                        Finish(next);
                        continue;
                    }
                }

                next.Last = polled.Run;
                if (IsTerminal(polled.Run.Status))
                {
                    Finish(next);
                    WriteObject(polled.Run);
                }
                else
                {
                    var wait = !intervalGiven && polled.PollAfter is TimeSpan asked ? asked : interval;
                    next.Due = clock.Elapsed + (wait > backoff ? wait : backoff);
                    ShowProgress(next, total);
                }
            }

            foreach (var run in waiting)
            {
                CompleteProgress(run);
                WriteError(ErrorMapping.ForWaitTimeout(run.EvalId, run.RunId, run.Last?.Status, Timeout));
            }
            WriteProgress(new ProgressRecord(ProgressId, "Waiting for eval runs", $"{total - waiting.Count} of {total} finished")
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
            waiting.Add(new Waiting(evalId, runId, run, ProgressId + 1 + seen.Count));
        }

        private void Finish(Waiting run)
        {
            waiting.Remove(run);
            CompleteProgress(run);
        }

        private void ShowProgress(Waiting run, int total)
        {
            WriteProgress(new ProgressRecord(ProgressId, "Waiting for eval runs", $"{total - waiting.Count} of {total} finished"));
            var counts = run.Last!;
            WriteProgress(new ProgressRecord(run.ProgressId, $"Run {run.Last}", string.Format(CultureInfo.InvariantCulture,
                "{0}: {1} passed, {2} failed, {3} errored of {4}", counts.Status, counts.Passed, counts.Failed, counts.Errored, counts.Total))
            {
                ParentActivityId = ProgressId,
            });
            run.ProgressShown = true;
        }

        private void CompleteProgress(Waiting run)
        {
            if (!run.ProgressShown) return;
            WriteProgress(new ProgressRecord(run.ProgressId, $"Run {run.Last}", run.Last?.Status ?? "done")
            {
                ParentActivityId = ProgressId,
                RecordType = ProgressRecordType.Completed,
            });
            run.ProgressShown = false;
        }

        /// <summary>Sleeps on the pipeline thread; Ctrl+C ends the sleep at once.</summary>
        private void Sleep(TimeSpan time)
        {
            if (time > TimeSpan.Zero) WaitFor(Task.Delay(time, CallCancelled));
        }

        private static TimeSpan Remaining(TimeSpan limit, Stopwatch clock) =>
            limit > clock.Elapsed ? limit - clock.Elapsed : TimeSpan.Zero;

        private static TimeSpan? RetryAfter(EvalsApiException failure) =>
            failure.ResponseHeaders is { } headers ? RetryPolicy.RequestedDelay(headers, DateTimeOffset.UtcNow) : null;

        private static TimeSpan Double(TimeSpan time) => TimeSpan.FromTicks(time.Ticks * 2);

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        /// <summary>A run still being waited for: when to poll it next (on the wait's clock) and what the last poll saw.</summary>
        private sealed class Waiting
        {
            internal Waiting(string evalId, string runId, EvalRun? last, int progressId)
            {
                EvalId = evalId;
                RunId = runId;
                Last = last;
                ProgressId = progressId;
            }

            internal string EvalId { get; }
            internal string RunId { get; }
            internal int ProgressId { get; }
            internal EvalRun? Last { get; set; }
            internal TimeSpan Due { get; set; }
            internal bool ProgressShown { get; set; }
        }
    }
}
