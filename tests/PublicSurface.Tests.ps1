#Requires -Version 7.0
# No public type of EvalsPS.dll may need System.Text.Json or the System.Memory family to load: Windows PowerShell 5.1
# lists a module's public types before the module can resolve its dependencies. Read from the dll's metadata
# (System.Reflection.Metadata, which PowerShell 7 ships), so nothing is loaded. $env:EVALSPS_SURFACE_DLL points the
# test at another build of the dll.

BeforeAll {
    $dll = if ($env:EVALSPS_SURFACE_DLL) { $env:EVALSPS_SURFACE_DLL } else { Join-Path $PSScriptRoot '../out/EvalsPS/EvalsPS.dll' }

    # Assemblies whose types must stay out of the public surface.
    $forbidden = 'System.Text.Json', 'System.Memory', 'System.Buffers', 'System.Runtime.CompilerServices.Unsafe',
        'Microsoft.Bcl.AsyncInterfaces', 'System.Text.Encodings.Web', 'System.Threading.Tasks.Extensions', 'System.Numerics.Vectors'

    if (-not ('EvalsPSTests.PublicSurface' -as [type])) {
        Add-Type -ReferencedAssemblies System.Runtime, System.Collections, System.Linq, System.Reflection.Metadata, System.Collections.Immutable -TypeDefinition @'
#nullable enable
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace EvalsPSTests
{
    /// <summary>Every type a public type exposes, as "[assembly]Namespace.Name", with what exposes it.</summary>
    public static class PublicSurface
    {
        public static List<string> Exposed(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var md = pe.GetMetadataReader();
            var names = new TypeNames(md);
            var found = new List<string>();
            foreach (var handle in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(handle);
                if (!IsPublic(md, type)) continue;
                string owner = names.GetTypeFromDefinition(md, handle, 0);
                void Add(string what, string exposed) => found.Add($"{owner} {what}: {exposed}");

                if (!type.BaseType.IsNil) Add("base type", names.Of(type.BaseType));
                foreach (var i in type.GetInterfaceImplementations()) Add("interface", names.Of(md.GetInterfaceImplementation(i).Interface));
                foreach (var a in type.GetCustomAttributes()) Add("attribute", names.AttributeType(md.GetCustomAttribute(a)));
                foreach (var g in type.GetGenericParameters())
                    foreach (var c in md.GetGenericParameter(g).GetConstraints()) Add("generic constraint", names.Of(md.GetGenericParameterConstraint(c).Type));
                foreach (var f in type.GetFields())
                {
                    var field = md.GetFieldDefinition(f);
                    if (IsVisible(field.Attributes & FieldAttributes.FieldAccessMask))
                        Add("field " + md.GetString(field.Name), field.DecodeSignature(names, null));
                }
                foreach (var m in type.GetMethods())
                {
                    var method = md.GetMethodDefinition(m);
                    if (!IsVisible((FieldAttributes)(method.Attributes & MethodAttributes.MemberAccessMask))) continue;
                    var signature = method.DecodeSignature(names, null);
                    string name = md.GetString(method.Name);
                    Add("method " + name + " returns", signature.ReturnType);
                    foreach (var p in signature.ParameterTypes) Add("method " + name + " parameter", p);
                    foreach (var g in method.GetGenericParameters())
                        foreach (var c in md.GetGenericParameter(g).GetConstraints()) Add("method " + name + " constraint", names.Of(md.GetGenericParameterConstraint(c).Type));
                }
                foreach (var p in type.GetProperties())
                {
                    var property = md.GetPropertyDefinition(p);
                    var accessors = property.GetAccessors();
                    if (!new[] { accessors.Getter, accessors.Setter }.Any(a => !a.IsNil && IsVisible((FieldAttributes)(md.GetMethodDefinition(a).Attributes & MethodAttributes.MemberAccessMask)))) continue;
                    var signature = property.DecodeSignature(names, null);
                    Add("property " + md.GetString(property.Name), signature.ReturnType);
                    foreach (var a in property.GetCustomAttributes()) Add("property attribute", names.AttributeType(md.GetCustomAttribute(a)));
                }
                foreach (var e in type.GetEvents())
                {
                    var ev = md.GetEventDefinition(e);
                    var adder = ev.GetAccessors().Adder;
                    if (!adder.IsNil && IsVisible((FieldAttributes)(md.GetMethodDefinition(adder).Attributes & MethodAttributes.MemberAccessMask)))
                        Add("event " + md.GetString(ev.Name), names.Of(ev.Type));
                }
            }
            return found;
        }

        // Public, protected, or protected internal: what another assembly can see.
        private static bool IsVisible(FieldAttributes access) =>
            access == FieldAttributes.Public || access == FieldAttributes.Family || access == FieldAttributes.FamORAssem;

        private static bool IsPublic(MetadataReader md, TypeDefinition type)
        {
            var visibility = type.Attributes & TypeAttributes.VisibilityMask;
            if (visibility == TypeAttributes.Public) return true;
            if (visibility != TypeAttributes.NestedPublic && visibility != TypeAttributes.NestedFamily && visibility != TypeAttributes.NestedFamORAssem) return false;
            return IsPublic(md, md.GetTypeDefinition(type.GetDeclaringType()));
        }

        private sealed class TypeNames : ISignatureTypeProvider<string, object?>
        {
            private readonly MetadataReader md;

            public TypeNames(MetadataReader md) => this.md = md;

            public string Of(EntityHandle handle) => handle.Kind switch
            {
                HandleKind.TypeDefinition => GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0),
                HandleKind.TypeReference => GetTypeFromReference(md, (TypeReferenceHandle)handle, 0),
                HandleKind.TypeSpecification => GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0),
                _ => handle.Kind.ToString(),
            };

            public string AttributeType(CustomAttribute attribute) => attribute.Constructor.Kind == HandleKind.MemberReference
                ? Of(md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent)
                : GetTypeFromDefinition(md, md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(), 0);

            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
            {
                var type = reader.GetTypeDefinition(handle);
                var outer = type.GetDeclaringType();
                string name = reader.GetString(type.Name);
                return outer.IsNil ? "[this]" + Qualified(reader.GetString(type.Namespace), name) : GetTypeFromDefinition(reader, outer, 0) + "+" + name;
            }

            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
            {
                var type = reader.GetTypeReference(handle);
                string name = reader.GetString(type.Name);
                var scope = type.ResolutionScope;
                if (scope.Kind == HandleKind.TypeReference) return GetTypeFromReference(reader, (TypeReferenceHandle)scope, 0) + "+" + name;
                string assembly = scope.Kind == HandleKind.AssemblyReference
                    ? reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)
                    : "this";
                return "[" + assembly + "]" + Qualified(reader.GetString(type.Namespace), name);
            }

            public string GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, context);

            public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
            public string GetSZArrayType(string elementType) => elementType + "[]";
            public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
            public string GetByReferenceType(string elementType) => elementType + "&";
            public string GetPointerType(string elementType) => elementType + "*";
            public string GetPinnedType(string elementType) => elementType;
            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(", ", typeArguments) + ">";
            public string GetGenericTypeParameter(object? context, int index) => "!" + index;
            public string GetGenericMethodParameter(object? context, int index) => "!!" + index;
            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType + " modified by " + modifier;
            public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr(" + string.Join(", ", signature.ParameterTypes) + ") " + signature.ReturnType;

            private static string Qualified(string space, string name) => space.Length == 0 ? name : space + "." + name;
        }
    }
}
'@
    }

    function Get-ForbiddenExposure([string] $Path) {
        foreach ($line in [EvalsPSTests.PublicSurface]::Exposed($Path)) {
            foreach ($assembly in $forbidden) {
                if ($line.Contains("[$assembly]")) { $line; break }
            }
        }
    }
}

Describe 'The public surface of EvalsPS.dll' {
    It 'exposes no type of System.Text.Json or the System.Memory family' {
        $dll | Should -Exist
        $exposed = [EvalsPSTests.PublicSurface]::Exposed($dll)
        @($exposed | Where-Object { $_ -like '[[]this]EvalsPS.EvalRun property *' }).Count | Should -BeGreaterThan 10 -Because 'the public types and their properties are read'

        $found = @(Get-ForbiddenExposure $dll)
        $found -join [Environment]::NewLine | Should -BeNullOrEmpty
    }

    It 'finds such a type wherever a public member exposes it' {
        # A dll that breaks the rule in each place the check looks, so the check itself is known to see them.
        $bad = Join-Path $TestDrive 'Exposing.dll'
        Add-Type -OutputAssembly $bad -IgnoreWarnings -ReferencedAssemblies System.Runtime, System.Collections, System.Text.Json -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Text.Json;
namespace Exposing
{
    public class Derived : Dictionary<string, JsonElement> { }
    public class Implements : IComparable<JsonDocument> { public int CompareTo(JsonDocument other) => 0; }
    public class Members
    {
        public JsonElement Field;
        public JsonNamingPolicy Property { get; set; }
        public JsonDocument Method(JsonWriterOptions[] options) => null;
        public event EventHandler<JsonElement> Changed { add { } remove { } }
        public void Generic<T>() where T : System.Text.Json.Serialization.JsonConverter { }
        private JsonDocument hidden = null;
        public JsonDocument Hidden() => hidden;
    }
    [System.Text.Json.Serialization.JsonConverter(typeof(object))] public class Attributed { }
    internal class Internal { public JsonElement NotSeen = default; }
}
'@
        $found = @(Get-ForbiddenExposure $bad)

        $found | Should -Contain '[this]Exposing.Derived base type: [System.Collections]System.Collections.Generic.Dictionary`2<String, [System.Text.Json]System.Text.Json.JsonElement>'
        ($found -like '[[]this]Exposing.Implements interface:*JsonDocument*') | Should -HaveCount 1
        ($found -like '*Members field Field:*JsonElement') | Should -HaveCount 1
        ($found -like '*Members property Property:*JsonNamingPolicy') | Should -HaveCount 1
        ($found -like '*Members method Method returns:*JsonDocument') | Should -HaveCount 1
        ($found -like '*Members method Method parameter:*JsonWriterOptions[[]]') | Should -HaveCount 1
        ($found -like '*Members event Changed:*JsonElement*') | Should -HaveCount 1
        ($found -like '*Members method Generic constraint:*JsonConverter') | Should -HaveCount 1
        ($found -like '*Attributed attribute:*JsonConverterAttribute') | Should -HaveCount 1
        ($found -clike '*hidden*') | Should -HaveCount 0
        ($found -like '*Hidden returns*') | Should -HaveCount 1
        ($found -like '*Internal*') | Should -HaveCount 0
    }
}
