using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// PowerShell accepts Write* calls only on the pipeline thread. Requests run on the thread pool,
    /// so their verbose, debug and warning lines are queued here and written while the pipeline thread waits.
    /// Every line may hold server text, so control characters and bidi overrides are escaped here, once for all
    /// (tab and line feed stay: a debug line lists headers one per line).
    /// </summary>
    internal sealed class PipelineDispatcher : IApiLog
    {
        private readonly BlockingCollection<Action> queue = new BlockingCollection<Action>();
        private readonly int pipelineThread = Thread.CurrentThread.ManagedThreadId;
        private readonly Action<string> verbose;
        private readonly Action<string> debug;
        private readonly Action<string> warning;

        internal PipelineDispatcher(Action<string> verbose, Action<string> debug, Action<string> warning, bool verboseEnabled, bool debugEnabled)
        {
            this.verbose = verbose;
            this.debug = debug;
            this.warning = warning;
            VerboseEnabled = verboseEnabled;
            DebugEnabled = debugEnabled;
        }

        public bool VerboseEnabled { get; }

        public bool DebugEnabled { get; }

        /// <summary>A line that would not be shown is dropped here, so it never wakes the pipeline thread.</summary>
        public void Verbose(string message)
        {
            if (VerboseEnabled) Post(() => verbose(DisplayText.Lines(message)));
        }

        public void Debug(string message)
        {
            if (DebugEnabled) Post(() => debug(DisplayText.Lines(message)));
        }

        public void Warning(string message) => Post(() => warning(DisplayText.Lines(message)));

        /// <summary>Blocks the pipeline thread until the task ends, writing queued messages meanwhile.</summary>
        internal void WaitFor(Task task)
        {
            if (!task.IsCompleted)
            {
                task.ContinueWith(_ => queue.Add(() => { }), TaskContinuationOptions.ExecuteSynchronously);
                while (!task.IsCompleted) queue.Take()();
            }
            Drain();
        }

        internal void Drain()
        {
            while (queue.TryTake(out var action)) action();
        }

        private void Post(Action action)
        {
            if (Thread.CurrentThread.ManagedThreadId == pipelineThread) action();
            else queue.Add(action);
        }
    }
}
