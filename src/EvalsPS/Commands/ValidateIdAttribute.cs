using System.Collections;
using System.Management.Automation;

namespace EvalsPS.Commands
{
    /// <summary>
    /// An eval or run id must not be null, empty or only white space: such an id would be sent and blamed on the API.
    /// (ValidateNotNullOrWhiteSpace is not in Windows PowerShell 5.1.)
    /// </summary>
    internal sealed class ValidateIdAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            if (arguments is IEnumerable values && !(arguments is string))
            {
                foreach (object value in values) Check(value);
            }
            else
            {
                Check(arguments);
            }
        }

        private static void Check(object? value)
        {
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is null || string.IsNullOrWhiteSpace(value as string ?? value.ToString()))
                throw new ValidationMetadataException("An id cannot be null, empty or only white space.");
        }
    }
}
