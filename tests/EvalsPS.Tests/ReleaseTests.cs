using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using EvalsPS.Hosting;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>What a release needs: a valid manifest, a Gallery package, isolated dependencies, clean re-imports.</summary>
    public sealed class ReleaseTests : HostedTest
    {
        private static readonly string[] ShippedFiles =
        {
            "EvalsPS.psd1", "EvalsPS.dll", "EvalsPS.format.ps1xml",
            "en-US/EvalsPS.dll-Help.xml", "en-US/about_EvalsPS.help.txt",
            "Dependencies/System.Text.Json.dll", "Dependencies/System.Memory.dll",
            "Dependencies/System.Runtime.CompilerServices.Unsafe.dll",
        };

        [Fact]
        public void Test_ModuleManifest_passes_and_carries_the_gallery_metadata()
        {
            var values = Ok($"$m = Test-ModuleManifest -Path '{ModuleSession.ModulePath}/EvalsPS.psd1' -ErrorAction Stop; " +
                            "$m.Name; $m.Author; $m.CompanyName; $m.Copyright.Length -gt 0; $m.Description.Length -gt 20; $m.Guid.ToString(); " +
                            "$m.PrivateData.PSData.ProjectUri; $m.PrivateData.PSData.LicenseUri; $m.ReleaseNotes.Length -gt 0; ($m.Tags -join ',')")
                .Select(v => v.ToString()).ToArray();
            Assert.Equal("EvalsPS", values[0]);
            Assert.Equal("EvalsPS contributors", values[1]);
            Assert.Equal("EvalsPS", values[2]);
            Assert.Equal("True", values[3]);
            Assert.Equal("True", values[4]);
            Assert.Equal("5f0c2a3e-7c1d-4a8e-9b57-2d6f1e0b9c41", values[5]);
            Assert.StartsWith("https://", values[6]);
            Assert.StartsWith("https://", values[7]);
            Assert.Equal("True", values[8]);
            Assert.Contains("OpenAI", values[9]);
        }

        [Fact]
        public void The_module_folder_holds_every_shipped_file_and_no_PowerShell_assembly()
        {
            foreach (var file in ShippedFiles) Assert.True(File.Exists(Path.Combine(ModuleSession.ModulePath, file)), file + " is missing");
            Assert.False(File.Exists(Path.Combine(ModuleSession.ModulePath, "Dependencies", "System.Management.Automation.dll")));
        }

        [Fact]
        public void The_gallery_package_has_the_module_at_its_root_and_the_manifest_metadata()
        {
            var package = Path.Combine(ModuleSession.RepositoryRoot, "out", "EvalsPS.0.1.0.nupkg");
            Assert.True(File.Exists(package), "dotnet build produces " + package);
            using var zip = ZipFile.OpenRead(package);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            foreach (var file in ShippedFiles) Assert.Contains(file, entries);
            Assert.DoesNotContain(entries, e => e.StartsWith("lib/") || e.StartsWith("content/"));

            using var nuspecStream = zip.GetEntry("EvalsPS.nuspec")!.Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().First();
            string Field(string name) => metadata.Elements().First(e => e.Name.LocalName == name).Value;
            Assert.Equal("EvalsPS", Field("id"));
            Assert.Equal("0.1.0", Field("version"));
            Assert.Equal("EvalsPS contributors", Field("authors"));
            Assert.StartsWith("Manage OpenAI Evals runs from PowerShell", Field("description"));
            Assert.StartsWith("First release", Field("releaseNotes"));
            Assert.StartsWith("https://", Field("projectUrl"));
            var tags = Field("tags").Split(' ');
            foreach (var tag in new[] { "PSModule", "PSIncludes_Cmdlet", "PSEdition_Desktop", "PSEdition_Core", "OpenAI",
                                        "PSCmdlet_Get-EvalRun", "PSCmdlet_Stop-EvalRun", "PSCmdlet_Remove-EvalRun",
                                        "PSCommand_Get-EvalRun", "PSCommand_Stop-EvalRun", "PSCommand_Remove-EvalRun" })
                Assert.Contains(tag, tags);
        }

        private static (object Resolver, MethodInfo Resolve, Assembly Module) Resolver()
        {
            var module = AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "EvalsPS");
            var initializer = module.GetType("EvalsPS.Loading.ModuleInitializer", throwOnError: true)!;
            var resolver = initializer.GetProperty("Resolver", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
            return (resolver, resolver.GetType().GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Instance)!, module);
        }

        [Fact]
        public void The_resolver_answers_EvalsPS_with_the_shipped_copy_in_a_private_context()
        {
            Ok("$null = Get-Command Get-EvalRun");
            var (resolver, resolve, module) = Resolver();
            // The host (.NET 10) has System.Text.Json 10; the module ships 8. Asked for 8 by EvalsPS, it loads its own copy beside the host's.
            var answer = (Assembly?)resolve.Invoke(resolver, new object?[] { new AssemblyName("System.Text.Json, Version=8.0.0.0"), module });
            Assert.NotNull(answer);
            Assert.Equal(Path.Combine(ModuleSession.ModulePath, "Dependencies", "System.Text.Json.dll"), answer!.Location);
            Assert.Equal(8, answer.GetName().Version!.Major);
            Assert.NotSame(typeof(System.Text.Json.JsonSerializer).Assembly, answer);
            Assert.NotEqual(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(answer));

            // A shipped dependency asking for its own dependencies is answered too.
            var memory = (Assembly?)resolve.Invoke(resolver, new object?[] { new AssemblyName("System.Memory, Version=4.0.1.2"), answer });
            Assert.Equal(Path.Combine(ModuleSession.ModulePath, "Dependencies", "System.Memory.dll"), memory?.Location);
        }

        [Fact]
        public void The_resolver_ignores_requests_that_are_not_EvalsPS_s()
        {
            Ok("$null = Get-Command Get-EvalRun");
            var (resolver, resolve, module) = Resolver();
            object? Ask(string name, Assembly? requester) => resolve.Invoke(resolver, new object?[] { new AssemblyName(name), requester });
            Assert.Null(Ask("System.Text.Json, Version=8.0.0.0", typeof(object).Assembly));
            Assert.Null(Ask("System.Text.Json, Version=8.0.0.0", typeof(ReleaseTests).Assembly));
            Assert.Null(Ask("Not.Shipped.Here, Version=1.0.0.0", module));
            Assert.Null(Ask("System.Text.Json, Version=99.0.0.0", module));
        }

        [Fact]
        public void Import_Remove_Import_works_in_two_runspaces_of_one_process()
        {
            using var other = new ModuleSession();
            var id = Fake.AddRun("eval_1");
            string get = $"(Get-EvalRun eval_1 {id} -BaseUri '{Fake.BaseUri}' -ApiKey '{Key}').Id";
            Assert.Equal(id, Assert.Single(other.Run(get).ThrowOnError().Output).ToString());

            Ok($"Remove-Module EvalsPS; Import-Module '{ModuleSession.ModulePath}'");
            other.Run($"Remove-Module EvalsPS").ThrowOnError();
            Assert.Empty(other.Run("Get-Module EvalsPS").Output);
            other.Run($"Import-Module '{ModuleSession.ModulePath}'").ThrowOnError();

            Assert.Equal(id, Assert.Single(Ok(get)).ToString());
            Assert.Equal(id, Assert.Single(other.Run(get).ThrowOnError().Output).ToString());
        }
    }
}
