using System;
using System.Reflection;
using System.Text.Json;

namespace EvalsPS.Bench;

/// <summary>
/// Exactly what EvalsApiClient does with the 2xx body of one run: JsonDocument.Parse, then new EvalRun(JsonFields.Root(...)),
/// on the assembly the engine loaded from out/EvalsPS. JsonFields, ReadIssues and the EvalRun constructor are internal,
/// so they are found by reflection, once.
/// </summary>
internal sealed class ModuleParser
{
    private const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Public;

    private readonly MethodInfo root;
    private readonly ConstructorInfo issues;
    private readonly ConstructorInfo kept;
    private readonly MethodInfo handOver;
    private readonly ConstructorInfo run;

    internal ModuleParser(Assembly module)
    {
        var fields = module.GetType("EvalsPS.Serialization.JsonFields", throwOnError: true)!;
        var issuesType = module.GetType("EvalsPS.Serialization.ReadIssues", throwOnError: true)!;
        root = fields.GetMethod("Root", Internal | BindingFlags.Static)!;
        issues = issuesType.GetConstructor(Internal | BindingFlags.Instance, Type.EmptyTypes)!;
        var keptType = module.GetType("EvalsPS.Serialization.KeptJson", throwOnError: true)!;
        kept = keptType.GetConstructor(Internal | BindingFlags.Instance, new[] { typeof(JsonDocument), typeof(byte[]) })!;
        handOver = keptType.GetMethod("HandOver", Internal | BindingFlags.Instance)!;
        run = module.GetType("EvalsPS.EvalRun", throwOnError: true)!.GetConstructor(Internal | BindingFlags.Instance, new[] { fields, typeof(bool) })!;
    }

    internal object ParseRun(byte[] body)
    {
        // As the client does: the run keeps the document while its inline items are unread (the body is not pooled here),
        // and frees it once they are read or the run is dropped; otherwise the document is disposed at once.
        var document = JsonDocument.Parse(body);
        object owner = kept.Invoke(new object?[] { document, null });
        object json = root.Invoke(null, new object[] { document.RootElement, issues.Invoke(null), owner })!;
        object result = run.Invoke(new[] { json, false })!; // by id: the data source is read at once
        if (!(bool)handOver.Invoke(owner, null)!) document.Dispose();
        return result;
    }
}
