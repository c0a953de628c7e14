using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace EvalsPS.Bench;

/// <summary>
/// Mode parse-bdn: scenario 1 again under BenchmarkDotNet (in-process, MemoryDiagnoser), to cross-check the
/// manual harness. Not part of "all": it adds about two minutes.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private HostedModule? module;
    private byte[] bytes = Array.Empty<byte>();
    private ModuleParser? parser;

    [GlobalSetup]
    public void Setup()
    {
        module = new HostedModule();
        bytes = Payload.Build();
        parser = new ModuleParser(HostedModule.Assembly);
    }

    [GlobalCleanup]
    public void Cleanup() => module?.Dispose();

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (floor)")]
    public int JsonDocumentParse()
    {
        using var doc = JsonDocument.Parse(bytes);
        return doc.RootElement.ValueKind == JsonValueKind.Object ? 1 : 0;
    }

    [Benchmark(Description = "EvalsPS deserialization")]
    public object EvalsPSDeserialize() => parser!.ParseRun(bytes);

    internal static void Run()
    {
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
            .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1))
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);
        BenchmarkRunner.Run<ParseBenchmarks>(config);
    }
}
