using System;
using System.Collections.Generic;
using System.ClientModel;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using EvalsPS.Hosting;
using OpenAI;
using OpenAI.Evals;

namespace EvalsPS.Bench;

/// <summary>EvalsPS as a user has it: imported from out/EvalsPS into a real engine, configured by environment.</summary>
internal sealed class HostedModule : IDisposable
{
    internal const string ApiKey = "sk-bench-0123456789abcdef0123456789abcdef";

    internal HostedModule() => Session = new ModuleSession();

    internal ModuleSession Session { get; }

    /// <summary>Points every EvalsPS call (and child process) at the fake, as $env:OPENAI_BASE_URL would.</summary>
    internal static void PointAt(Uri baseUri)
    {
        Environment.SetEnvironmentVariable("OPENAI_BASE_URL", baseUri.ToString());
        Environment.SetEnvironmentVariable("OPENAI_API_KEY", ApiKey);
    }

    /// <summary>The EvalsPS assembly the engine loaded from out/EvalsPS.</summary>
    internal static Assembly Assembly =>
        AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "EvalsPS")
        ?? throw new InvalidOperationException("EvalsPS is not loaded: import it through ModuleSession first.");

    /// <summary>Runs PowerShell text; any error fails the measurement.</summary>
    internal SessionResult Run(string script) => Session.Run(script).ThrowOnError();

    /// <summary>Runs PowerShell text and returns its wall time in seconds; any error fails the measurement.</summary>
    internal double Time(string script, out SessionResult result)
    {
        var clock = Stopwatch.StartNew();
        var r = Session.Run(script);
        double seconds = clock.Elapsed.TotalSeconds;
        result = r.ThrowOnError();
        return seconds;
    }

    public void Dispose() => Session.Dispose();
}

/// <summary>
/// The floor: the same requests with a plain HttpClient (handler set up as the module's), the same headers,
/// and each body parsed once with JsonDocument, nothing kept.
/// </summary>
internal sealed class RawClient : IDisposable
{
    private readonly HttpClient http;
    private readonly string root;
    private long bytesReceived;

    internal RawClient(Uri baseUri, string userAgent)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
            UseCookies = false,
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", HostedModule.ApiKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (userAgent.Length > 0) http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
        root = baseUri.AbsoluteUri.TrimEnd('/') + "/evals/";
    }

    /// <summary>Body bytes received so far (Content-Length of every answer).</summary>
    internal long BytesReceived => Interlocked.Read(ref bytesReceived);

    private string RunUrl(string evalId, string runId) => root + Uri.EscapeDataString(evalId) + "/runs/" + Uri.EscapeDataString(runId);

    /// <summary>GETs each run in turn; returns how many came back with the id asked for.</summary>
    internal async Task<int> GetRunsAsync(string evalId, string[] runIds)
    {
        int found = 0;
        foreach (var id in runIds)
        {
            using var doc = await SendAsync(HttpMethod.Get, RunUrl(evalId, id)).ConfigureAwait(false);
            if (doc.RootElement.GetProperty("id").ValueEquals(id)) found++;
        }
        return found;
    }

    /// <summary>One page of the listing, 100 runs, newest first (as Get-EvalRun asks), after the cursor.</summary>
    internal Task<JsonDocument> ListPageAsync(string evalId, string? after) =>
        SendAsync(HttpMethod.Get, root + Uri.EscapeDataString(evalId) + "/runs?limit=100&order=desc" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));

    /// <summary>One run read as the floor of "read it, touch nothing": the whole body as bytes, then JsonDocument.Parse.</summary>
    internal async Task<bool> GetRunBytesAsync(string evalId, string runId)
    {
        using var response = await http.GetAsync(RunUrl(evalId, runId), HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        byte[] body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("id").ValueEquals(runId);
    }

    /// <summary>POSTs a cancel for each run, at most `concurrency` at once; returns how many answered canceled.</summary>
    internal async Task<int> CancelAllAsync(string evalId, string[] runIds, int concurrency)
    {
        int canceled = 0;
        await Parallel.ForEachAsync(runIds, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
        {
            using var doc = await SendAsync(HttpMethod.Post, RunUrl(evalId, id)).ConfigureAwait(false);
            if (doc.RootElement.GetProperty("status").ValueEquals("canceled")) Interlocked.Increment(ref canceled);
        }).ConfigureAwait(false);
        return canceled;
    }

    private async Task<JsonDocument> SendAsync(HttpMethod method, string url)
    {
        using var request = new HttpRequestMessage(method, url);
        if (method == HttpMethod.Post) request.Content = new ByteArrayContent(Array.Empty<byte>());
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        Interlocked.Add(ref bytesReceived, response.Content.Headers.ContentLength ?? 0);
        using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body).ConfigureAwait(false);
    }

    public void Dispose() => http.Dispose();
}

/// <summary>
/// The OpenAI package (2.10.0): OpenAI.Evals.EvaluationClient has protocol methods only (ClientResult over
/// BinaryData, no typed EvalRun), so each body is parsed with JsonDocument, as its callers must.
/// </summary>
internal sealed class OpenAIPackage
{
    private readonly EvaluationClient client;

    internal OpenAIPackage(Uri baseUri) =>
        client = new EvaluationClient(new ApiKeyCredential(HostedModule.ApiKey), new OpenAIClientOptions { Endpoint = baseUri });

    internal static string Version =>
        typeof(EvaluationClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(EvaluationClient).Assembly.GetName().Version?.ToString() ?? "?";

    internal async Task<int> GetRunsAsync(string evalId, string[] runIds)
    {
        int found = 0;
        foreach (var id in runIds)
        {
            ClientResult result = await client.GetEvaluationRunAsync(evalId, id, null).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            if (doc.RootElement.GetProperty("id").ValueEquals(id)) found++;
        }
        return found;
    }

    /// <summary>One page of the listing through the package's protocol method, parsed as its callers must.</summary>
    internal async Task<JsonDocument> ListPageAsync(string evalId, string? after)
    {
        ClientResult result = await client.GetEvaluationRunsAsync(evalId, 100, "desc", after, null, null).ConfigureAwait(false);
        return JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
    }
}

/// <summary>
/// Live managed memory: what a forced full collection leaves (GC.Collect, WaitForPendingFinalizers, Collect again, then
/// GC.GetTotalMemory(true)). Public, so a pipeline under measurement can sample it: [EvalsPS.Bench.LiveMemory]::Sample().
/// </summary>
public static class LiveMemory
{
    private static readonly List<long> samples = new();

    internal static void FullCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Live bytes now, after a full collection.</summary>
    internal static long Now()
    {
        FullCollect();
        return GC.GetTotalMemory(true);
    }

    /// <summary>Records the live bytes now (called from the measured pipeline every 10,000 runs).</summary>
    public static void Sample()
    {
        long now = Now();
        lock (samples) samples.Add(now);
    }

    /// <summary>The samples recorded since the last call, and forgets them.</summary>
    internal static long[] Take()
    {
        lock (samples)
        {
            var taken = samples.ToArray();
            samples.Clear();
            return taken;
        }
    }
}

/// <summary>GC counters at one moment; the difference of two tells what happened in between (every thread).</summary>
internal readonly record struct GcSnapshot(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    internal static GcSnapshot Now() =>
        new(GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    internal GcDelta Since(GcSnapshot start) =>
        new(Allocated - start.Allocated, Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, Pause - start.Pause);
}

internal readonly record struct GcDelta(long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    /// <summary>CollectionCount(0) counts every GC, CollectionCount(1) every gen1 or gen2 one.</summary>
    internal string Collections => $"{Gen0} GCs ({Gen0 - Gen1} gen0, {Gen1 - Gen2} gen1, {Gen2} gen2)";
}
