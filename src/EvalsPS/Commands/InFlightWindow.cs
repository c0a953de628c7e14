using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// The one primitive for requests in flight. Every cmdlet that keeps more than one request going uses it: the gets
    /// by id (EachId: two ahead), a listing's pages (Listing: the next page, asked for from the previous page's cursor),
    /// the actions of Stop-/Remove-EvalRun (ActionQueue: -ThrottleLimit) and Wait-EvalRun's polls (the polling schedule);
    /// so does tab completion (IdCompletion: one lookup per window, kept across Tab presses until its answer is taken).
    /// Who takes the results is the window's <see cref="IWindowOwner"/>: a cmdlet, or completion.
    /// <list type="bullet">
    /// <item>Requests are started with <see cref="Offer"/>: from the pipeline thread, or from a request that has just
    /// read what the next one needs (a page's cursor). <see cref="Limit"/> counts the requests started and not yet
    /// taken, so what waits behind a slow earlier result counts too and memory stays bounded; an offer beyond it waits
    /// and starts as soon as <see cref="Take"/> makes room.</item>
    /// <item>Results are taken on the owner's thread (a cmdlet's pipeline thread), in the order started (<c>inOrder</c>:
    /// gets, pages, actions) or as each ends (polls). While a cmdlet waits, its pipeline thread writes the requests'
    /// verbose, debug and warning lines (PipelineDispatcher), and Ctrl+C ends the wait at once with
    /// PipelineStoppedException.</item>
    /// <item>Every request's failure is observed, taken or not, so none is left as an unobserved task exception.</item>
    /// <item>Disposing the window cancels every request still in flight and starts no more: the cmdlet disposes it in a
    /// finally (or a using), which runs however the pipeline ends: Ctrl+C (StopProcessing cancels the cmdlet's token, to
    /// which the window's is linked), a terminating error such as -ErrorAction Stop, or a downstream
    /// Select-Object -First. Completion disposes a lookup's window when it drops the lookup from its cache.</item>
    /// </list>
    /// Why hand-made: TPL Dataflow's TransformBlock (EnsureOrdered, BoundedCapacity) or a bounded channel of started
    /// tasks would each add an assembly to Dependencies/ that Windows PowerShell 5.1 must load beside whatever version
    /// another module brought (Dataflow alone is about 200 KB), and would still need this class's wiring around it: the
    /// wait on the pipeline thread that writes log lines, cancellation linked to StopProcessing, a request started from
    /// the previous one's answer, and taking results as they end. What remains is one list under one lock.
    /// </summary>
    internal sealed class InFlightWindow<T> : IDisposable
    {
        private readonly IWindowOwner owner;
        private readonly bool inOrder;
        private readonly CancellationTokenSource abandon;
        private readonly object gate = new object();
        // Started and not yet taken, in the order started; an entry is added before its request starts, so a request
        // that completes at once and offers the next one (on this thread: the lock is re-entrant) comes after it.
        private readonly List<Started> started = new List<Started>();
        private readonly Queue<Offered> offered = new Queue<Offered>();
        private bool ended;

        /// <param name="owner">Whose thread takes the results (a cmdlet's pipeline thread), and whose stop cancels the requests.</param>
        /// <param name="limit">How many requests may be started and not yet taken.</param>
        /// <param name="inOrder">Take in the order started (true), or whichever request ends first (false).</param>
        internal InFlightWindow(IWindowOwner owner, int limit, bool inOrder = true)
        {
            if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
            this.owner = owner;
            this.inOrder = inOrder;
            Limit = limit;
            abandon = CancellationTokenSource.CreateLinkedTokenSource(owner.Stopping);
        }

        internal int Limit { get; }

        /// <summary>Requests started or offered, and not yet taken.</summary>
        internal int Count
        {
            get { lock (gate) return started.Count + offered.Count; }
        }

        /// <summary>Whether an offer now would start at once.</summary>
        internal bool HasRoom
        {
            get { lock (gate) return started.Count + offered.Count < Limit; }
        }

        /// <summary>
        /// Starts <paramref name="request"/> now if there is room, else when <see cref="Take"/> makes room; safe from any
        /// thread. <paramref name="tag"/> comes back with the result (which input it was for). Once the window is
        /// disposed, nothing more starts.
        /// </summary>
        internal void Offer(Func<CancellationToken, Task<T>> request, object? tag = null)
        {
            lock (gate)
            {
                if (ended) return;
                if (started.Count < Limit && offered.Count == 0) Start(new Offered(request, tag));
                else offered.Enqueue(new Offered(request, tag));
            }
        }

        /// <summary>
        /// The next result, waited for on the pipeline thread: the oldest request (in order) or the first to end. The
        /// request's own failure is in the returned task, for the cmdlet to report; Ctrl+C throws PipelineStoppedException.
        /// </summary>
        internal Finished<T> Take()
        {
            if (!TryTake(Timeout.InfiniteTimeSpan, out var finished))
                throw new InvalidOperationException("Nothing is in flight.");
            return finished;
        }

        /// <summary>
        /// Like <see cref="Take"/>, but waits at most <paramref name="within"/> (a schedule's next due time): false when
        /// nothing ended by then, or nothing is in flight (after waiting out the time, as a sleep that Ctrl+C ends).
        /// </summary>
        internal bool TryTake(TimeSpan within, out Finished<T> finished)
        {
            finished = default;
            // The timer is stopped once the wait is over, so none is left running, holding on to what it waited with.
            using (var timer = within == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(abandon.Token))
            {
                Task? wait;
                lock (gate)
                {
                    if (started.Count == 0 && timer is null) return false;
                    wait = WhatToWaitFor(within, timer);
                }
                if (wait != null) owner.WaitFor(wait);
                else owner.Drain();
                timer?.Cancel();
            }

            lock (gate)
            {
                int index = inOrder
                    ? (started.Count > 0 && started[0].Task!.IsCompleted ? 0 : -1)
                    : started.FindIndex(entry => entry.Task!.IsCompleted);
                if (index < 0) return false;
                var entry = started[index];
                started.RemoveAt(index);
                while (offered.Count > 0 && started.Count < Limit && !ended) Start(offered.Dequeue());
                finished = new Finished<T>(entry.Task!, entry.Tag);
            }
            if (finished.Task.IsCanceled && owner.Stopping.IsCancellationRequested) throw new PipelineStoppedException();
            return true;
        }

        /// <summary>Cancels every request still in flight and starts no more; their failures are observed already.</summary>
        public void Dispose()
        {
            lock (gate)
            {
                if (ended) return;
                ended = true;
                offered.Clear();
            }
            // Outside the lock: cancelling runs the requests' callbacks on this thread.
            abandon.Cancel();
            abandon.Dispose();
        }

        /// <summary>What to wait for: the result to take, or any result or the time; nothing when the time is up already.</summary>
        private Task? WhatToWaitFor(TimeSpan within, CancellationTokenSource? timerStop)
        {
            if (timerStop != null && within <= TimeSpan.Zero) return null;
            // A timer no longer than a day: the caller asks again, and Task.Delay takes at most int.MaxValue ms.
            Task? timer = timerStop is null ? null
                : Task.Delay(within < TimeSpan.FromDays(1) ? within : TimeSpan.FromDays(1), timerStop.Token);
            if (started.Count == 0) return timer!;
            if (inOrder && timer is null) return started[0].Task!;
            var tasks = new List<Task>(started.Count + 1);
            foreach (var entry in started) tasks.Add(entry.Task!);
            if (timer != null) tasks.Add(timer);
            return Task.WhenAny(tasks);
        }

        private void Start(Offered offer)
        {
            var entry = new Started(offer.Tag);
            started.Add(entry);
            Task<T> task;
            try
            {
                task = offer.Request(abandon.Token);
            }
            catch (Exception ex)
            {
                // A request that fails before it returns a task (an address refused) is reported like one that fails later.
                var failed = new TaskCompletionSource<T>();
                failed.SetException(ex);
                task = failed.Task;
            }
            task.ContinueWith(static t => t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            entry.Task = task;
        }

        private sealed class Started
        {
            internal Started(object? tag) => Tag = tag;

            internal object? Tag { get; }

            // Set right after the request starts, under the lock: no other thread sees it unset.
            internal Task<T>? Task { get; set; }
        }

        private readonly struct Offered
        {
            internal Offered(Func<CancellationToken, Task<T>> request, object? tag)
            {
                Request = request;
                Tag = tag;
            }

            internal Func<CancellationToken, Task<T>> Request { get; }
            internal object? Tag { get; }
        }
    }

    /// <summary>
    /// Who takes a window's results, on which thread, and what stops its requests: a cmdlet (EvalsCmdlet, on its pipeline
    /// thread, writing the requests' log lines while it waits, stopped by Ctrl+C), or tab completion (IdCompletion: the
    /// console's completion callback, which writes nothing and is bounded by the time it gives each Tab press).
    /// </summary>
    internal interface IWindowOwner
    {
        /// <summary>Cancels every request of the owner's windows when tripped; a take then throws PipelineStoppedException.</summary>
        CancellationToken Stopping { get; }

        /// <summary>
        /// Blocks the taking thread until <paramref name="task"/> ends, doing the owner's queued work meanwhile. The task
        /// may be a request's own and may have faulted: WaitFor only waits, never throws its failure (the window hands it
        /// back with the result); a cmdlet throws PipelineStoppedException here once stopped.
        /// </summary>
        void WaitFor(Task task);

        /// <summary>Does the owner's queued work without waiting.</summary>
        void Drain();
    }

    /// <summary>A request the window handed back: its ended task, and the tag it was offered with.</summary>
    internal readonly struct Finished<T>
    {
        internal Finished(Task<T> task, object? tag)
        {
            Task = task;
            Tag = tag;
        }

        internal Task<T> Task { get; }

        internal object? Tag { get; }

        /// <summary>The API's failure, if that is how the request ended.</summary>
        internal EvalsApiException? Failure => Task.Exception?.InnerException as EvalsApiException;

        /// <summary>The answer; throws the request's failure (an EvalsApiException, or the unexpected one) as it is.</summary>
        internal T Result => Task.GetAwaiter().GetResult();
    }
}
