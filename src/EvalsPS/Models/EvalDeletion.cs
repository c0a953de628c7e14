using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>What Remove-Eval -PassThru writes for each eval deleted.</summary>
    public sealed class EvalDeletion : ApiObject
    {
        internal EvalDeletion(JsonFields json, string evalId)
        {
            EvalId = json.String("eval_id") ?? evalId;
            json.Subject("eval", EvalId);
            Object = json.String("object");
            Deleted = json.Bool("deleted") ?? false;
            AdditionalProperties = json.Rest();
        }

        public string? Object { get; }
        public string EvalId { get; }
        public bool Deleted { get; }

        public override string ToString() => $"{Api.DisplayText.Value(EvalId)}: {(Deleted ? "deleted" : "not deleted")}";
    }
}
