using System.Text.Json.Serialization;
using EvalsPS.Api;

namespace EvalsPS.Serialization
{
    /// <summary>Source-generated (reflection-free) JSON metadata for every type the API returns.</summary>
    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    [JsonSerializable(typeof(EvalRun))]
    [JsonSerializable(typeof(EvalRunPage))]
    [JsonSerializable(typeof(EvalRunDeletion))]
    [JsonSerializable(typeof(EvalRunDataSource))]
    [JsonSerializable(typeof(JsonlDataSource))]
    [JsonSerializable(typeof(CompletionsDataSource))]
    [JsonSerializable(typeof(ResponsesDataSource))]
    [JsonSerializable(typeof(EvalRunSource))]
    [JsonSerializable(typeof(FileContentSource))]
    [JsonSerializable(typeof(FileIdSource))]
    [JsonSerializable(typeof(StoredCompletionsSource))]
    [JsonSerializable(typeof(ResponsesSource))]
    [JsonSerializable(typeof(EvalRunInputMessages))]
    [JsonSerializable(typeof(TemplateInputMessages))]
    [JsonSerializable(typeof(ItemReferenceInputMessages))]
    internal sealed partial class EvalsJsonContext : JsonSerializerContext
    {
    }
}
