using System;
using System.IO;
using System.Reflection;

namespace EvalsPS.Loading
{
    /// <summary>
    /// Answers the runtime's requests for EvalsPS's own dependencies (System.Text.Json and the
    /// System.Memory family) from the module's Dependencies/ folder, so they never clash with
    /// copies other modules or the host bring. On PowerShell 7 the copies load into a private
    /// AssemblyLoadContext; on Windows PowerShell 5.1 (.NET Framework) with Assembly.LoadFrom.
    /// Only requests made by EvalsPS or by those dependencies are answered, and requests with no
    /// requesting assembly (which .NET Framework often sends) for names shipped in Dependencies/.
    /// </summary>
    internal sealed class DependencyResolver
    {
        private readonly string directory;
        private readonly Assembly module;
        private readonly Func<string, Assembly> load;

        internal DependencyResolver(string directory, Assembly module)
        {
            this.directory = Path.GetFullPath(directory);
            this.module = module;
            load = PrivateLoadContext.Create("EvalsPS.Dependencies") ?? Assembly.LoadFrom;
        }

        /// <summary>
        /// The shipped copy of the requested assembly, or null when the request is not EvalsPS's to answer:
        /// a known requester other than EvalsPS or its dependencies, a name not shipped, or a version above the shipped one.
        /// </summary>
        internal Assembly? Resolve(AssemblyName requested, Assembly? requester)
        {
            if (requester != null && !IsOurs(requester)) return null;
            var candidate = Path.Combine(directory, requested.Name + ".dll");
            if (!File.Exists(candidate)) return null;
            var shipped = AssemblyName.GetAssemblyName(candidate);
            if (requested.Version != null && shipped.Version < requested.Version) return null;
            return load(candidate);
        }

        internal Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args) =>
            Resolve(new AssemblyName(args.Name), args.RequestingAssembly);

        private bool IsOurs(Assembly requester)
        {
            if (requester == module) return true;
            if (requester.IsDynamic) return false;
            string location;
            try
            {
                location = requester.Location;
            }
            catch (NotSupportedException)
            {
                return false;
            }
            return !string.IsNullOrEmpty(location) &&
                   string.Equals(Path.GetDirectoryName(Path.GetFullPath(location)), directory, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// A private AssemblyLoadContext on .NET Core, reached by reflection because the module targets
    /// netstandard2.0 (which has no AssemblyLoadContext). Null on .NET Framework.
    /// </summary>
    internal static class PrivateLoadContext
    {
        internal static Func<string, Assembly>? Create(string name)
        {
            var contextType = Type.GetType("System.Runtime.Loader.AssemblyLoadContext, System.Runtime.Loader", throwOnError: false);
            var constructor = contextType?.GetConstructor(new[] { typeof(string), typeof(bool) });
            var loadFromPath = contextType?.GetMethod("LoadFromAssemblyPath", new[] { typeof(string) });
            if (constructor is null || loadFromPath is null) return null;
            var context = constructor.Invoke(new object[] { name, false });
            return path => (Assembly)loadFromPath.Invoke(context, new object[] { path })!;
        }
    }
}
