using System;
using System.Collections;
using System.Management.Automation;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Lets run ids (strings) pipe by value into -RunId, but not other objects: a row with only an eval_id must
    /// bind to -EvalId and list that eval's runs, not become the run id "@{eval_id=...}". Such an object is
    /// replaced by one that cannot become a string, so the binder skips -RunId for it, as it skips any input it
    /// cannot convert (throwing here would be reported as an error instead).
    /// </summary>
    internal sealed class RunIdTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            return IsId(inputData) ? inputData : new NotARunId();
        }

        private sealed class NotARunId
        {
            public override string ToString() => throw new InvalidCastException("Not a run id.");
        }

        private static bool IsId(object? value)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is null || value is string || value is IConvertible) return true;
            if (value is IEnumerable values)
            {
                foreach (object item in values)
                    if (!(item is string || item is IConvertible || (item is PSObject p && IsId(p)))) return false;
                return true;
            }
            return false;
        }
    }
}
