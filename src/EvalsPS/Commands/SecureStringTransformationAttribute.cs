using System.Management.Automation;
using System.Security;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>Lets -ApiKey take a plain string as well as a SecureString.</summary>
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            return value is string text ? ConnectionSettings.ToSecureString(text) : value as SecureString ?? inputData;
        }
    }
}
