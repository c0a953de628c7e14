// A stand-in for Windows PowerShell 5.1's System.Management.Automation, with its identity
// (3.0.0.0, public key token 31bf3856ad364e35; delay-signed with Microsoft's public key, which
// Mono does not verify) and only the types EvalsPS's public surface and its reading of answers
// reference, shaped as the real ones so that listing EvalsPS's types and reading their attributes
// behaves as on 5.1. PSObject is a plain property bag, enough for the free-form JSON that answers
// carry and for writing request bodies from it. No cmdlet runs against it.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

[assembly: AssemblyVersion("3.0.0.0")]

namespace System.Management.Automation
{
    public abstract class InternalCommand { internal InternalCommand() { } }

    public abstract class Cmdlet : InternalCommand
    {
        protected Cmdlet() { }
        protected virtual void BeginProcessing() { }
        protected virtual void ProcessRecord() { }
        protected virtual void EndProcessing() { }
        protected virtual void StopProcessing() { }
    }

    public abstract class PSCmdlet : Cmdlet { protected PSCmdlet() { } }

    public interface IModuleAssemblyInitializer { void OnImport(); }
    public interface IModuleAssemblyCleanup { void OnRemove(PSModuleInfo psModuleInfo); }
    public sealed class PSModuleInfo { }
    public sealed class EngineIntrinsics { }
    public class PSObject
    {
        private readonly PropertyBag properties = new PropertyBag();
        public PSObject() { }
        // As in the engine: an object made with new PSObject() (a PSCustomObject) has the PSCustomObject instance as its base.
        public object BaseObject { get { return PSCustomObject.SelfInstance; } }
        public static PSObject AsPSObject(object obj) { return obj as PSObject ?? new PSObject(); }
        public PSMemberInfoCollection<PSPropertyInfo> Properties { get { return properties; } }

        private sealed class PropertyBag : PSMemberInfoCollection<PSPropertyInfo>
        {
            private readonly List<PSPropertyInfo> members = new List<PSPropertyInfo>();

            // Windows PowerShell 5.1's own refusals: a reserved member name (in any case), and a name already present
            // in any case (so "A" after "a" fails, and EvalsPS's reading merges them unless it avoids PSObject).
            private static readonly string[] Reserved = { "psbase", "psadapted", "psextended", "psobject", "pstypenames" };

            public override void Add(PSPropertyInfo member)
            {
                if (Reserved.Contains(member.Name, StringComparer.OrdinalIgnoreCase)) throw new ExtendedTypeSystemException("The member name " + member.Name + " is reserved.");
                if (this[member.Name] != null) throw new ExtendedTypeSystemException("The member " + member.Name + " is already present.");
                members.Add(member);
            }

            public override PSPropertyInfo this[string name]
            {
                get { return members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)); }
            }

            public override IEnumerator<PSPropertyInfo> GetEnumerator() { return members.GetEnumerator(); }
        }
    }

    public class PSCustomObject
    {
        internal static readonly PSCustomObject SelfInstance = new PSCustomObject();
        private PSCustomObject() { }
    }

    [Flags]
    public enum PSMemberTypes { AliasProperty = 1, CodeProperty = 2, Property = 4, NoteProperty = 8, ScriptProperty = 16 }

    public abstract class PSMemberInfo
    {
        public string Name { get; protected set; }
        public abstract object Value { get; set; }
        public abstract PSMemberTypes MemberType { get; }
    }

    public abstract class PSPropertyInfo : PSMemberInfo { }

    public class PSNoteProperty : PSPropertyInfo
    {
        public PSNoteProperty(string name, object value)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Cannot process argument because the value of argument \"name\" is not valid.", "name");
            Name = name;
            Value = value;
        }
        public override object Value { get; set; }
        public override PSMemberTypes MemberType { get { return PSMemberTypes.NoteProperty; } }
    }

    public abstract class PSMemberInfoCollection<T> : IEnumerable<T> where T : PSMemberInfo
    {
        public abstract void Add(T member);
        public abstract T this[string name] { get; }
        public abstract IEnumerator<T> GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }
    }

    public class RuntimeException : SystemException { public RuntimeException(string message) : base(message) { } }
    public class ExtendedTypeSystemException : RuntimeException { public ExtendedTypeSystemException(string message) : base(message) { } }

    public struct SwitchParameter
    {
        private bool isPresent;
        public bool IsPresent { get { return isPresent; } }
    }

    public enum ConfirmImpact { None, Low, Medium, High }
    public enum ActionPreference { SilentlyContinue, Stop, Continue, Inquire, Ignore, Suspend }

    public abstract class CmdletMetadataAttribute : Attribute { internal CmdletMetadataAttribute() { } }
    public abstract class ParsingBaseAttribute : CmdletMetadataAttribute { internal ParsingBaseAttribute() { } }
    public abstract class CmdletCommonMetadataAttribute : CmdletMetadataAttribute
    {
        internal CmdletCommonMetadataAttribute() { }
        public string DefaultParameterSetName { get; set; }
        public bool SupportsShouldProcess { get; set; }
        public bool SupportsPaging { get; set; }
        public bool SupportsTransactions { get; set; }
        public ConfirmImpact ConfirmImpact { get; set; }
        public string HelpUri { get; set; }
    }

    [AttributeUsage(AttributeTargets.Class)]
    public sealed class CmdletAttribute : CmdletCommonMetadataAttribute
    {
        public CmdletAttribute(string verbName, string nounName) { VerbName = verbName; NounName = nounName; }
        public string VerbName { get; private set; }
        public string NounName { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = true)]
    public sealed class ParameterAttribute : ParsingBaseAttribute
    {
        public ParameterAttribute() { Position = int.MinValue; ParameterSetName = "__AllParameterSets"; }
        public int Position { get; set; }
        public string ParameterSetName { get; set; }
        public bool Mandatory { get; set; }
        public bool ValueFromPipeline { get; set; }
        public bool ValueFromPipelineByPropertyName { get; set; }
        public bool ValueFromRemainingArguments { get; set; }
        public string HelpMessage { get; set; }
        public bool DontShow { get; set; }
    }

    [AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
    public sealed class AliasAttribute : ParsingBaseAttribute
    {
        public AliasAttribute(params string[] aliasNames) { AliasNames = aliasNames; }
        public string[] AliasNames { get; private set; }
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class OutputTypeAttribute : CmdletMetadataAttribute
    {
        public OutputTypeAttribute(params Type[] type) { }
        public OutputTypeAttribute(params string[] type) { }
        public string[] ParameterSetName { get; set; }
    }

    public abstract class ValidateArgumentsAttribute : CmdletMetadataAttribute { protected ValidateArgumentsAttribute() { } }

    public sealed class ValidateRangeAttribute : ValidateArgumentsAttribute
    {
        public ValidateRangeAttribute(object minRange, object maxRange) { MinRange = minRange; MaxRange = maxRange; }
        public object MinRange { get; private set; }
        public object MaxRange { get; private set; }
    }

    public sealed class ValidateSetAttribute : ValidateArgumentsAttribute
    {
        public ValidateSetAttribute(params string[] validValues) { ValidValues = validValues; IgnoreCase = true; }
        public string[] ValidValues { get; private set; }
        public bool IgnoreCase { get; set; }
    }

    public sealed class ValidateNotNullAttribute : ValidateArgumentsAttribute { }
    public sealed class ValidateNotNullOrEmptyAttribute : ValidateArgumentsAttribute { }

    public abstract class ArgumentTransformationAttribute : CmdletMetadataAttribute
    {
        protected ArgumentTransformationAttribute() { }
        public abstract object Transform(EngineIntrinsics engineIntrinsics, object inputData);
    }

    // Tab completion (in Windows PowerShell since 5.0): the public id completers implement it.
    public interface IArgumentCompleter
    {
        IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            Language.CommandAst commandAst, IDictionary fakeBoundParameters);
    }

    public enum CompletionResultType { Text, History, Command, ProviderItem, ProviderContainer, Property, Method, ParameterName, ParameterValue, Variable, Namespace, Type, Keyword, DynamicKeyword }

    public class CompletionResult
    {
        public CompletionResult(string completionText, string listItemText, CompletionResultType resultType, string toolTip) { }
    }

    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public class ArgumentCompleterAttribute : Attribute
    {
        public ArgumentCompleterAttribute(Type type) { Type = type; }
        public Type Type { get; private set; }
    }
}

namespace System.Management.Automation.Language
{
    public class CommandAst { }
}
