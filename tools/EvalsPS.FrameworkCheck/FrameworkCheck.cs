// Runs EvalsPS.dll, exactly as shipped, on a .NET Framework-compatible runtime (Mono, compiled
// against the .NET Framework 4.7.2 reference assemblies): Windows PowerShell 5.1's import order,
// the module's initializer and dependency loading, then the API client and serializer against the
// loopback fake through HttpClientHandler. Prints each check and "N passed, N failed".
// Usage: mono EvalsPS.FrameworkCheck.exe <module folder> <EvalsPS.FakeApi.dll>
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS;
using EvalsPS.Api;
using EvalsPS.FakeApi;
using EvalsPS.Loading;

internal static class FrameworkCheck
{
    private static int passed, failed;

    private static int Main(string[] args)
    {
        if (args[0] == "--import") return ImportReplay.Run(args[1]);
        string moduleDir = Path.GetFullPath(args[0]);
        // As Import-Module does: LoadFrom the shipped file. The harness's own compile-time references
        // to EvalsPS and the fake are answered with those copies; nothing else is.
        Assembly module = Assembly.LoadFrom(Path.Combine(moduleDir, "EvalsPS.dll"));
        Assembly fake = null;
        AppDomain.CurrentDomain.AssemblyResolve += (sender, e) =>
        {
            string name = new AssemblyName(e.Name).Name;
            return name == "EvalsPS" ? module : name == "EvalsPS.FakeApi" ? fake : null;
        };
        Console.WriteLine("Runtime: " + RuntimeDescription());

        // In a process of its own, as a fresh PowerShell session: a type that fails to load stays failed
        // (Mono shares that across AppDomains), and the checks below need the module loaded in the usual order.
        Check("import order of Windows PowerShell 5.1: every public type listed, attributes read, before the initializer", () =>
        {
            var start = new ProcessStartInfo(Process.GetCurrentProcess().MainModule.FileName,
                $"\"{typeof(FrameworkCheck).Assembly.Location}\" --import \"{Path.Combine(moduleDir, "EvalsPS.dll")}\"")
            { UseShellExecute = false, RedirectStandardOutput = true };
            using (var session = Process.Start(start))
            {
                string output = session.StandardOutput.ReadToEnd().Trim();
                session.WaitForExit();
                Assert(session.ExitCode == 0, output);
            }
        });
        Check("the module initializer hooks the dependency resolver", RunInitializer);
        Check("every reference among Dependencies/ resolves to the shipped copy, without binding redirects", () => DependenciesResolve(moduleDir, module));
        Check("a request with no requesting assembly: shipped names at or below the shipped version only", () => NullRequester(moduleDir));

        // The fake is loaded only now, so that nothing it brings can answer EvalsPS's dependencies above.
        fake = Assembly.LoadFrom(Path.GetFullPath(args[1]));
        ApiChecks.Run();

        Console.WriteLine($"Framework check: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    internal static void Check(string name, Action body)
    {
        try
        {
            body();
            passed++;
            Console.WriteLine("PASS " + name);
        }
        catch (Exception ex)
        {
            failed++;
            Console.WriteLine("FAIL " + name);
            Console.WriteLine("     " + Describe(ex).Replace("\n", "\n     "));
        }
    }

    internal static void Assert(bool condition, string message)
    {
        if (!condition) throw new Exception(message);
    }

    internal static string Describe(Exception ex)
    {
        if (ex is TargetInvocationException && ex.InnerException != null) ex = ex.InnerException;
        string text = ex.GetType() == typeof(Exception) ? ex.Message : ex.GetType().Name + ": " + ex.Message;
        if (ex is ReflectionTypeLoadException load)
            text += "\n" + string.Join("\n", load.LoaderExceptions.Where(l => l != null).Select(l => l.GetType().Name + ": " + l.Message).Distinct());
        return text;
    }

    private static string RuntimeDescription()
    {
        var display = Type.GetType("Mono.Runtime")?.GetMethod("GetDisplayName", BindingFlags.NonPublic | BindingFlags.Static);
        return (display != null ? "Mono " + display.Invoke(null, null) : Environment.Version.ToString()) +
               ", compiled against " + typeof(FrameworkCheck).Assembly.ImageRuntimeVersion;
    }

    private static void RunInitializer()
    {
        IModuleAssemblyInitializer initializer = new ModuleInitializer();
        initializer.OnImport();
    }

    private static void DependenciesResolve(string moduleDir, Assembly module)
    {
        string dependencies = Path.Combine(moduleDir, "Dependencies");
        var shipped = Directory.GetFiles(dependencies, "*.dll").ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.OrdinalIgnoreCase);
        var requesters = new Queue<Assembly>(new[] { module });
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (requesters.Count > 0)
        {
            Assembly requester = requesters.Dequeue();
            foreach (AssemblyName reference in requester.GetReferencedAssemblies())
            {
                if (!shipped.ContainsKey(reference.Name)) continue;
                Assembly resolved = ModuleInitializer.Resolver.Resolve(reference, requester);
                Assert(resolved != null, $"{requester.GetName().Name} asks for {reference.FullName}: not answered");
                Assert(string.Equals(Path.GetFullPath(resolved.Location), Path.GetFullPath(shipped[reference.Name]), StringComparison.OrdinalIgnoreCase),
                    $"{reference.Name} resolved to {resolved.Location}, not the shipped copy");
                if (seen.Add(reference.Name)) requesters.Enqueue(resolved);
            }
        }
        Assert(seen.SetEquals(shipped.Keys), "shipped but never referenced: " + string.Join(", ", shipped.Keys.Except(seen)));
    }

    private static void NullRequester(string moduleDir)
    {
        var json = AssemblyName.GetAssemblyName(Path.Combine(moduleDir, "Dependencies", "System.Text.Json.dll"));
        Assembly found = ModuleInitializer.Resolver.OnAssemblyResolve(null, new ResolveEventArgs(json.FullName));
        Assert(found != null && found.GetName().Name == "System.Text.Json", "System.Text.Json, asked with no requester, was not answered");
        var newer = new AssemblyName(json.FullName) { Version = new Version(json.Version.Major + 1, 0, 0, 0) };
        Assert(ModuleInitializer.Resolver.OnAssemblyResolve(null, new ResolveEventArgs(newer.FullName)) == null, "a version above the shipped one was answered");
        Assert(ModuleInitializer.Resolver.OnAssemblyResolve(null, new ResolveEventArgs("Newtonsoft.Json, Version=13.0.0.0")) == null, "a name not shipped was answered");
    }
}

/// <summary>
/// What Windows PowerShell 5.1's Import-Module does with a binary module before OnImport:
/// LoadFrom, GetExportedTypes, then for each public type its custom attributes (to find cmdlets)
/// and whether it is an IModuleAssemblyInitializer. Exit code 0, or 1 with what failed.
/// </summary>
internal static class ImportReplay
{
    internal static int Run(string modulePath)
    {
        try
        {
            int cmdlets = 0, initializers = 0;
            foreach (Type type in Assembly.LoadFrom(modulePath).GetExportedTypes())
            {
                if (!(type.IsPublic || type.IsNestedPublic) || type.IsAbstract) continue;
                if (type.GetCustomAttributes(false).OfType<CmdletAttribute>().Any()) cmdlets++;
                if (typeof(IModuleAssemblyInitializer).IsAssignableFrom(type)) initializers++;
            }
            int exported = ExportedCmdlets(Path.Combine(Path.GetDirectoryName(modulePath), "EvalsPS.psd1"));
            if (cmdlets == exported && initializers == 1) return 0;
            Console.WriteLine($"found {cmdlets} cmdlets and {initializers} initializers, expected {exported} (the manifest's CmdletsToExport) and 1");
        }
        catch (Exception ex)
        {
            Console.WriteLine(FrameworkCheck.Describe(ex));
        }
        return 1;
    }

    /// <summary>How many names the manifest's CmdletsToExport lists ('Get-EvalRun', 'Stop-EvalRun', ...).</summary>
    private static int ExportedCmdlets(string manifest)
    {
        string text = File.ReadAllText(manifest);
        int start = text.IndexOf("CmdletsToExport", StringComparison.Ordinal);
        int open = text.IndexOf('(', start), close = text.IndexOf(')', open);
        return text.Substring(open + 1, close - open - 1).Split(',').Count(name => name.Trim().Trim('\'').Length > 0);
    }
}

/// <summary>The API client and serializer against the loopback fake, through .NET Framework's HttpClientHandler.</summary>
internal static class ApiChecks
{
    private const string Key = "sk-framework-check";

    private sealed class Log : IApiLog
    {
        public bool VerboseEnabled => true;
        public bool DebugEnabled => true;
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) => Console.WriteLine("     warning: " + message);
    }

    internal static void Run()
    {
        using (var fake = new FakeEvalsApi().Start())
        {
            var http = HttpTransport.Create(new TokenIgnoringBodies(HttpTransport.CreateFrameworkHandler()));
            Func<int, int, EvalsApiClient> client = (timeoutSec, maxRetries) => new EvalsApiClient(
                ConnectionSettings.Resolve(ConnectionSettings.ToSecureString(Key), fake.BaseUri, null, null, maxRetries, timeoutSec, false, _ => null),
                new Log(), http);
            var api = client(30, 2);

            Check(fake, "get a run", () =>
            {
                string id = fake.AddRun("eval_fx", "evalrun_get", "completed");
                var run = api.GetRunAsync("eval_fx", id, CancellationToken.None).Result;
                FrameworkCheck.Assert(run.Id == id && run.Status == "completed", $"got {run.Id} {run.Status}");
            });
            Check(fake, "list 25 runs in pages of 10", () =>
            {
                var expected = fake.AddRuns("eval_pages", 25);
                var ids = new List<string>();
                string after = null;
                int pages = 0;
                for (bool more = true; more; pages++)
                {
                    var page = api.ListRunsAsync("eval_pages", after, 10, "asc", null, CancellationToken.None).Result;
                    ids.AddRange(page.Data.Select(r => r.Id));
                    after = page.Cursor;
                    more = page.HasMore;
                }
                FrameworkCheck.Assert(pages == 3 && ids.SequenceEqual(expected), $"{pages} pages, ids {string.Join(",", ids)}");
            });
            Check(fake, "cancel a run", () =>
            {
                fake.AddRun("eval_fx", "evalrun_busy", "in_progress");
                var run = api.CancelRunAsync("eval_fx", "evalrun_busy", CancellationToken.None).Result;
                FrameworkCheck.Assert(run.Id == "evalrun_busy" && run.Status == "canceled", $"got {run.Id} {run.Status}");
            });
            Check(fake, "delete a run", () =>
            {
                fake.AddRun("eval_fx", "evalrun_old", "completed");
                var deletion = api.DeleteRunAsync("eval_fx", "evalrun_old", CancellationToken.None).Result;
                FrameworkCheck.Assert(deletion.Deleted && deletion.RunId == "evalrun_old" && fake.RunStatus("eval_fx", "evalrun_old") == null, "not deleted");
            });
            Check(fake, "a 503 is retried", () =>
            {
                string id = fake.AddRun("eval_fx", "evalrun_retry", "completed");
                fake.Enqueue(FakeResponse.Error(503, "Busy", "server_error").WithHeader("retry-after-ms", "10"));
                var run = api.GetRunAsync("eval_fx", id, CancellationToken.None).Result;
                FrameworkCheck.Assert(run.Id == id && fake.Requests.Count == 2, $"{fake.Requests.Count} requests");
            });
            Check(fake, "a slow answer times out at -TimeoutSec 1", () =>
            {
                string id = fake.AddRun("eval_fx", "evalrun_slow", "completed");
                fake.Enqueue(FakeResponse.Slow(TimeSpan.FromSeconds(10)));
                ExpectFailure(() => client(1, 0).GetRunAsync("eval_fx", id, CancellationToken.None), FailureKind.Timeout, maxSeconds: 2);
            });
            Check(fake, "a body that stalls after the headers ends within a second of -TimeoutSec 1", () =>
            {
                string id = fake.AddRun("eval_fx", "evalrun_stalled", "completed");
                fake.Enqueue(FakeResponse.StallBody(TimeSpan.FromSeconds(30)));
                ExpectFailure(() => client(1, 0).GetRunAsync("eval_fx", id, CancellationToken.None), FailureKind.Timeout, maxSeconds: 2);
            });
            Check(fake, "a body that stalls after the headers ends within a second of Ctrl+C", () =>
            {
                string id = fake.AddRun("eval_fx", "evalrun_stalled2", "completed");
                fake.Enqueue(FakeResponse.StallBody(TimeSpan.FromSeconds(30)));
                using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
                {
                    var clock = Stopwatch.StartNew();
                    var call = api.GetRunAsync("eval_fx", id, stop.Token);
                    bool ended = ((IAsyncResult)call).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10));
                    FrameworkCheck.Assert(ended && clock.Elapsed < TimeSpan.FromSeconds(2), $"ended: {ended}, after {clock.Elapsed.TotalSeconds:0.0} s");
                    FrameworkCheck.Assert(call.IsCanceled, "ended as " + call.Status + " " + call.Exception?.GetBaseException().Message);
                }
            });
            // .NET Framework's HttpClientHandler allows two connections per server unless told otherwise. Mono's
            // HttpClientHandler has no such default, so here this shows the path carries the load, not the limit.
            Check(fake, "12 requests in flight at once; the handler allows as many connections per server as the largest -ThrottleLimit", () =>
            {
                var throttle = typeof(EvalsPS.Commands.StopEvalRunCommand).GetProperty("ThrottleLimit").GetCustomAttributes(false).OfType<ValidateRangeAttribute>().Single();
                int allowed = HttpTransport.CreateFrameworkHandler().MaxConnectionsPerServer;
                FrameworkCheck.Assert(allowed >= (int)throttle.MaxRange, $"{allowed} connections per server, -ThrottleLimit up to {throttle.MaxRange}");
                var ids = Enumerable.Range(1, 12).Select(i => fake.AddRun("eval_parallel", "evalrun_p" + i, "completed")).ToList();
                fake.Latency = TimeSpan.FromMilliseconds(800);
                try
                {
                    var clock = Stopwatch.StartNew();
                    Task.WaitAll(ids.Select(id => (Task)api.GetRunAsync("eval_parallel", id, CancellationToken.None)).ToArray());
                    // Two connections per server (the .NET Framework default) would take six rounds: 4.8 s.
                    FrameworkCheck.Assert(clock.Elapsed < TimeSpan.FromSeconds(2.4), $"took {clock.Elapsed.TotalSeconds:0.0} s: at most {(int)Math.Ceiling(12 / clock.Elapsed.TotalSeconds * 0.8)} at a time");
                }
                finally
                {
                    fake.Latency = TimeSpan.Zero;
                }
            });
            Check(fake, "ids with dots work on the runtime's own Uri (no UriCreationOptions here); '.' and '..' are refused unsent", () =>
            {
                FrameworkCheck.Assert(Type.GetType("System.UriCreationOptions") == null, "this runtime has UriCreationOptions: not the fallback path");
                foreach (string id in new[] { "run.1", "v1.2.3", "a..b", "run." })
                {
                    fake.ClearRequests();
                    fake.AddRun("eval_dots", id, "completed");
                    var run = api.GetRunAsync("eval_dots", id, CancellationToken.None).Result;
                    FrameworkCheck.Assert(run.Id == id, $"asked {id}, got {run.Id}");
                    FrameworkCheck.Assert(fake.Requests.Single().RawTarget == "/v1/evals/eval_dots/runs/" + id, "sent " + fake.Requests.Single().RawTarget);
                }
                fake.ClearRequests();
                foreach (string id in new[] { ".", ".." })
                    ExpectFailure(() => api.GetRunAsync("eval_dots", id, CancellationToken.None), FailureKind.UnsafeAddress, maxSeconds: 1);
                FrameworkCheck.Assert(fake.Requests.Count == 0, "'.' or '..' was sent");
            });
        }
    }

    private static void Check(FakeEvalsApi fake, string name, Action body) => FrameworkCheck.Check(name, () =>
    {
        fake.ClearRequests();
        fake.ClearScript();
        body();
    });

    private static void ExpectFailure(Func<Task> call, FailureKind kind, double maxSeconds)
    {
        var clock = Stopwatch.StartNew();
        Task task;
        try
        {
            task = call();
        }
        catch (Exception ex)
        {
            task = Task.FromException(ex);
        }
        bool ended = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(maxSeconds + 10));
        FrameworkCheck.Assert(ended, $"still running after {clock.Elapsed.TotalSeconds:0.0} s");
        var failure = task.Exception?.GetBaseException() as EvalsApiException;
        FrameworkCheck.Assert(failure != null && failure.Kind == kind, $"ended as {task.Status}: {task.Exception?.GetBaseException()}");
        FrameworkCheck.Assert(clock.Elapsed.TotalSeconds <= maxSeconds, $"took {clock.Elapsed.TotalSeconds:0.0} s, more than {maxSeconds} s");
    }
}

/// <summary>
/// .NET Framework's response stream ignores the cancellation token it is read with; Mono's honours it.
/// Reading every body through a stream that drops the token makes Mono behave as .NET Framework there,
/// so only the module's own handling can end a body that stalls. Closing the stream ends a pending
/// read at once: .NET Framework closes the connection after draining at most 64 KiB for at most
/// 500 ms (responseDrainTimeout), where Mono's handler would drain for 2 s.
/// </summary>
internal sealed class TokenIgnoringBodies : DelegatingHandler
{
    public TokenIgnoringBodies(HttpMessageHandler inner) : base(inner) { }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancel).ConfigureAwait(false);
        HttpContent original = response.Content;
        var content = new StreamContent(new TokenIgnoringStream(await original.ReadAsStreamAsync().ConfigureAwait(false)));
        foreach (var header in original.Headers) content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = content;
        return response;
    }

    private sealed class TokenIgnoringStream : Stream
    {
        private readonly Stream inner;
        private readonly TaskCompletionSource<int> closed = new TaskCompletionSource<int>();

        public TokenIgnoringStream(Stream inner) { this.inner = inner; }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancel)
        {
            Task<int> read = inner.ReadAsync(buffer, offset, count, CancellationToken.None);
            if (await Task.WhenAny(read, closed.Task).ConfigureAwait(false) != read) throw new IOException("The response stream was closed.");
            return await read.ConfigureAwait(false);
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                closed.TrySetResult(0);
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
