using System;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>
    /// What every object read from the API whose last property is AdditionalProperties shares: that property, declared
    /// once. It lists after the class's own properties (a base class's properties come last), so views, Format-List and
    /// CSV columns keep the order the API's fields have. A class with properties after it (Eval, EvalRun, ...) declares
    /// its own.
    /// </summary>
    public abstract class ApiObject
    {
        private protected ApiObject() { }

        /// <summary>Fields the API sent that this version of EvalsPS does not know yet, as PowerShell values.</summary>
        public AdditionalProperties? AdditionalProperties { get; private protected set; }

        /// <summary>
        /// Reads an object told by its "type" field: <paramref name="create"/> builds the class the kind names (the base
        /// class for a kind this version does not know); then every field it did not read becomes its AdditionalProperties.
        /// </summary>
        private protected static T ReadKind<T>(JsonFields json, Func<string?, JsonFields, T> create) where T : ApiObject
        {
            T value = create(json.Kind(), json);
            value.AdditionalProperties = json.Rest();
            return value;
        }
    }
}
