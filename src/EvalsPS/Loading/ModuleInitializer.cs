using System;
using System.IO;
using System.Management.Automation;

namespace EvalsPS.Loading
{
    /// <summary>Hooks the dependency resolver in when the module is imported, and out when the last import is removed.</summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        private static readonly object Gate = new object();
        private static DependencyResolver? resolver;
        private static int imports;

        internal static DependencyResolver Resolver
        {
            get
            {
                lock (Gate)
                {
                    return resolver ??= new DependencyResolver(
                        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies"),
                        typeof(ModuleInitializer).Assembly);
                }
            }
        }

        public void OnImport()
        {
            lock (Gate)
            {
                if (imports++ == 0) AppDomain.CurrentDomain.AssemblyResolve += Resolver.OnAssemblyResolve;
            }
        }

        public void OnRemove(PSModuleInfo module)
        {
            lock (Gate)
            {
                if (imports > 0 && --imports == 0) AppDomain.CurrentDomain.AssemblyResolve -= Resolver.OnAssemblyResolve;
            }
        }
    }
}
