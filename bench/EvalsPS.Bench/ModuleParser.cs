using System;
using System.Reflection;

namespace EvalsPS.Bench;

/// <summary>
/// Exactly what EvalsApiClient does with the 2xx body of one run: ResponseBody.Read(body, EvalsJsonContext.Default.EvalRun),
/// its data source read at once, on the assembly the engine loaded from out/EvalsPS. Both are internal, so they are
/// reached by reflection, once.
/// </summary>
internal sealed class ModuleParser
{
    private readonly MethodInfo read;
    private readonly object runInfo;

    internal ModuleParser(Assembly module)
    {
        var context = module.GetType("EvalsPS.Serialization.EvalsJsonContext", throwOnError: true)!;
        object instance = context.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        runInfo = context.GetProperty("EvalRun", BindingFlags.Public | BindingFlags.Instance)!.GetValue(instance)!;
        read = module.GetType("EvalsPS.Serialization.ResponseBody", throwOnError: true)!
            .GetMethod("Read", 1, BindingFlags.NonPublic | BindingFlags.Static, null,
                new[] { typeof(ReadOnlyMemory<byte>), typeof(System.Text.Json.Serialization.Metadata.JsonTypeInfo<>).MakeGenericType(Type.MakeGenericMethodParameter(0)), typeof(bool) }, null)!
            .MakeGenericMethod(module.GetType("EvalsPS.EvalRun", throwOnError: true)!);
    }

    internal object ParseRun(byte[] body) => read.Invoke(null, new[] { (object)new ReadOnlyMemory<byte>(body), runInfo, false })!;
}
