using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using EvalsPS.FakeApi;

namespace EvalsPS.Bench;

/// <summary>What the fake received since the last ClearRequests.</summary>
internal sealed record RequestSummary(int Count, int NotOk, string Methods, string Limits, string UserAgent, string HeaderNames)
{
    internal static RequestSummary Of(IReadOnlyList<RecordedRequest> requests)
    {
        var first = requests.FirstOrDefault();
        return new RequestSummary(
            requests.Count,
            requests.Count(r => r.ResponseStatus < 200 || r.ResponseStatus > 299),
            string.Join(",", requests.Select(r => r.Method).Distinct().OrderBy(m => m, StringComparer.Ordinal)),
            string.Join(",", requests.Select(r => r.Query.TryGetValue("limit", out var l) ? l : "-").Distinct().OrderBy(m => m, StringComparer.Ordinal)),
            first != null && first.Headers.TryGetValue("User-Agent", out var ua) ? ua : "",
            first is null ? "" : string.Join(",", first.Headers.Keys.OrderBy(k => k, StringComparer.OrdinalIgnoreCase)));
    }
}

/// <summary>
/// The loopback fake, wherever it runs. By default it runs in a child process (see ChildProcessFake): then the
/// fake's own allocations (it renders ~210 MB of JSON for the 100,000-run listing) and its GC pauses stay out of
/// the client process whose time and heap are measured. It still shares the machine's 2 cores.
/// </summary>
internal interface IFakeApi : IDisposable
{
    Uri BaseUri { get; }
    string Where { get; }
    string[] AddRuns(string evalId, int count, string status);
    string AddRunJsonFile(string evalId, string path);

    /// <summary>Output items for a run, one per character: p passes, f fails, . none (FakeEvalsApi.AddGradedOutputItems).</summary>
    void AddGradedOutputItems(string evalId, string runId, string outcomes, long firstDatasourceItemId);

    void SetLatency(int milliseconds);

    /// <summary>A new, empty fake on a new port (latency 0); every run is gone.</summary>
    void Recreate();

    void ClearRequests();
    RequestSummary Summary();

    /// <summary>How many of the runs added to the eval (since the last Recreate) now have the status.</summary>
    int CountStatus(string evalId, string status);

    /// <summary>CPU time the fake's process has used so far; null when the fake shares the benchmark's process.</summary>
    TimeSpan? ProcessorTime { get; }
}

/// <summary>The fake and the ids it was given, behind the operations the benchmark needs.</summary>
internal sealed class FakeCore : IDisposable
{
    private readonly Dictionary<string, List<string>> ids = new(StringComparer.Ordinal);
    private FakeEvalsApi fake = new FakeEvalsApi().Start();

    internal Uri BaseUri => fake.BaseUri;

    internal string[] AddRuns(string evalId, int count, string status)
    {
        var added = fake.AddRuns(evalId, count, status).ToArray();
        Track(evalId).AddRange(added);
        return added;
    }

    internal string AddRunJsonFile(string evalId, string path)
    {
        string id = fake.AddRunJson(evalId, File.ReadAllText(path, Encoding.UTF8));
        Track(evalId).Add(id);
        return id;
    }

    internal void AddGradedOutputItems(string evalId, string runId, string outcomes, long firstDatasourceItemId) =>
        fake.AddGradedOutputItems(evalId, runId, outcomes, firstDatasourceItemId);

    internal void SetLatency(int milliseconds) => fake.Latency = TimeSpan.FromMilliseconds(milliseconds);

    internal void Recreate()
    {
        fake.Dispose();
        ids.Clear();
        fake = new FakeEvalsApi().Start();
    }

    internal void ClearRequests() => fake.ClearRequests();

    internal RequestSummary Summary() => RequestSummary.Of(fake.Requests);

    internal int CountStatus(string evalId, string status) =>
        ids.TryGetValue(evalId, out var list) ? list.Count(id => fake.RunStatus(evalId, id) == status) : 0;

    public void Dispose() => fake.Dispose();

    private List<string> Track(string evalId)
    {
        if (!ids.TryGetValue(evalId, out var list)) ids[evalId] = list = new List<string>();
        return list;
    }
}

internal sealed class InProcessFake : IFakeApi
{
    private readonly FakeCore core = new();

    public Uri BaseUri => core.BaseUri;
    public string Where => "the benchmark process itself (--inproc-fake)";
    public string[] AddRuns(string evalId, int count, string status) => core.AddRuns(evalId, count, status);
    public string AddRunJsonFile(string evalId, string path) => core.AddRunJsonFile(evalId, path);
    public void AddGradedOutputItems(string evalId, string runId, string outcomes, long firstDatasourceItemId) =>
        core.AddGradedOutputItems(evalId, runId, outcomes, firstDatasourceItemId);
    public void SetLatency(int milliseconds) => core.SetLatency(milliseconds);
    public void Recreate() => core.Recreate();
    public void ClearRequests() => core.ClearRequests();
    public RequestSummary Summary() => core.Summary();
    public int CountStatus(string evalId, string status) => core.CountStatus(evalId, status);
    public TimeSpan? ProcessorTime => null;
    public void Dispose() => core.Dispose();
}

/// <summary>
/// The fake in a child process (this same program, mode "__fake"), driven by one-line commands on its
/// standard input; each answer is one line, "OK..." or "ERR message".
/// </summary>
internal sealed class ChildProcessFake : IFakeApi
{
    private readonly Process child;

    internal ChildProcessFake()
    {
        child = Process.Start(SelfStart("__fake")) ?? throw new InvalidOperationException("Could not start the fake's process.");
        BaseUri = new Uri(Expect(child.StandardOutput.ReadLine(), "READY"));
    }

    public Uri BaseUri { get; private set; }
    public TimeSpan? ProcessorTime
    {
        get { child.Refresh(); return child.TotalProcessorTime; }
    }

    public string Where => $"a child process (pid {child.Id})";

    public string[] AddRuns(string evalId, int count, string status) =>
        Call($"ADDRUNS\t{evalId}\t{count}\t{status}").Split(',', StringSplitOptions.RemoveEmptyEntries);

    public string AddRunJsonFile(string evalId, string path) => Call($"ADDRUNJSON\t{evalId}\t{path}");

    public void AddGradedOutputItems(string evalId, string runId, string outcomes, long firstDatasourceItemId) =>
        Call($"ADDGRADED\t{evalId}\t{runId}\t{outcomes}\t{firstDatasourceItemId}");

    public void SetLatency(int milliseconds) => Call($"LATENCY\t{milliseconds}");

    public void Recreate() => BaseUri = new Uri(Call("RECREATE"));

    public void ClearRequests() => Call("CLEAR");

    public RequestSummary Summary()
    {
        var f = Call("SUMMARY").Split('\t');
        return new RequestSummary(int.Parse(f[0]), int.Parse(f[1]), f[2], f[3], f[4], f[5]);
    }

    public int CountStatus(string evalId, string status) => int.Parse(Call($"STATUS\t{evalId}\t{status}"));

    public void Dispose()
    {
        try
        {
            child.StandardInput.WriteLine("QUIT");
            child.StandardInput.Flush();
        }
        catch (IOException) { }
        if (!child.WaitForExit(10_000)) child.Kill();
        child.Dispose();
    }

    /// <summary>How to start this program again with other arguments, under dotnet or as its apphost.</summary>
    internal static ProcessStartInfo SelfStart(params string[] args)
    {
        string process = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(process)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        if (Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    private string Call(string command)
    {
        child.StandardInput.WriteLine(command);
        child.StandardInput.Flush();
        return Expect(child.StandardOutput.ReadLine(), "OK");
    }

    private static string Expect(string? line, string prefix)
    {
        if (line is null) throw new InvalidOperationException("The fake's process ended unexpectedly.");
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) throw new InvalidOperationException("The fake's process answered: " + line);
        return line.Length > prefix.Length ? line.Substring(prefix.Length + 1) : "";
    }

    /// <summary>The child's side: serve commands until QUIT or end of input.</summary>
    internal static int Serve()
    {
        using var core = new FakeCore();
        var output = Console.Out;
        output.WriteLine("READY\t" + core.BaseUri);
        output.Flush();
        string? line;
        while ((line = Console.In.ReadLine()) != null)
        {
            var f = line.Split('\t');
            string answer;
            try
            {
                switch (f[0])
                {
                    case "ADDRUNS": answer = string.Join(",", core.AddRuns(f[1], int.Parse(f[2]), f[3])); break;
                    case "ADDRUNJSON": answer = core.AddRunJsonFile(f[1], f[2]); break;
                    case "ADDGRADED": core.AddGradedOutputItems(f[1], f[2], f[3], long.Parse(f[4])); answer = ""; break;
                    case "LATENCY": core.SetLatency(int.Parse(f[1])); answer = ""; break;
                    case "RECREATE": core.Recreate(); answer = core.BaseUri.ToString(); break;
                    case "CLEAR": core.ClearRequests(); answer = ""; break;
                    case "SUMMARY":
                        var s = core.Summary();
                        answer = string.Join("\t", s.Count, s.NotOk, s.Methods, s.Limits, s.UserAgent, s.HeaderNames);
                        break;
                    case "STATUS": answer = core.CountStatus(f[1], f[2]).ToString(); break;
                    case "QUIT": return 0;
                    default: throw new InvalidOperationException("unknown command " + f[0]);
                }
                output.WriteLine("OK\t" + answer);
            }
            catch (Exception e)
            {
                output.WriteLine("ERR " + e.GetType().Name + ": " + e.Message.Replace('\n', ' '));
            }
            output.Flush();
        }
        return 0;
    }
}
