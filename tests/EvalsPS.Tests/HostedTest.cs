using System;
using System.Linq;
using System.Management.Automation;
using EvalsPS.FakeApi;
using EvalsPS.Hosting;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>
    /// One fake API and one PowerShell session with EvalsPS imported, per test. The session's
    /// $PSDefaultParameterValues point every EvalsPS cmdlet at the fake with the test key, so the
    /// scripts read as a user types them and tests can run in parallel.
    /// </summary>
    public abstract class HostedTest : IDisposable
    {
        protected const string Key = "sk-test-7f3e9a1c5b2d4e6f8a0b1c2d3e4f5a6b";

        protected HostedTest()
        {
            Fake = new FakeEvalsApi { ExpectedApiKey = Key }.Start();
            Session = new ModuleSession();
            Session.SetVariable("fakeUri", Fake.BaseUri.ToString());
            Session.SetVariable("testKey", Key);
            Session.Run("$PSDefaultParameterValues['*-EvalRun:BaseUri'] = $fakeUri; $PSDefaultParameterValues['*-EvalRun:ApiKey'] = $testKey").ThrowOnError();
        }

        /// <summary>Every run fixture of the fake, for a theory that must hold for each kind of run.</summary>
        public static TheoryData<string> EveryFixture
        {
            get
            {
                var names = new TheoryData<string>();
                foreach (var name in Fixtures.Names) names.Add(name);
                return names;
            }
        }

        protected FakeEvalsApi Fake { get; }

        protected ModuleSession Session { get; }

        protected SessionResult Run(string script) => Session.Run(script);

        /// <summary>Runs a script that must not fail, returning its output.</summary>
        protected PSObject[] Ok(string script) => Run(script).ThrowOnError().Output.ToArray();

        protected static object? Prop(PSObject item, string name) => item.Properties[name]?.Value;

        protected string[] Requests() => Fake.Requests.Select(r => r.Method + " " + r.RawTarget).ToArray();

        /// <summary>
        /// Starts a script, waits until the fake shows it is mid-call, then stops it as Ctrl+C does.
        /// Asserts that the pipeline ended as stopped; returns how long stopping took.
        /// </summary>
        protected TimeSpan PressCtrlCWhen(string script, Func<bool> inFlight)
        {
            using var shell = PowerShell.Create();
            shell.Runspace = Session.Runspace;
            shell.AddScript(script);
            var handle = shell.BeginInvoke();
            Assert.True(System.Threading.SpinWait.SpinUntil(inFlight, TimeSpan.FromSeconds(10)), "the call never reached the fake");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            shell.Stop();
            Assert.Throws<PipelineStoppedException>(() => shell.EndInvoke(handle));
            return clock.Elapsed;
        }

        /// <summary>The script is refused by parameter validation, and nothing reaches the fake.</summary>
        protected void AssertRefusedBeforeAnyRequest(string script)
        {
            var result = Run(script);
            Assert.Contains("ParameterArgumentValidationError", Assert.Single(result.AllErrors).FullyQualifiedErrorId);
            Assert.Empty(Fake.Requests);
        }

        protected static void AssertNoKey(SessionResult result) =>
            Assert.DoesNotContain(Key, result.AllText());

        protected static ErrorRecord SingleError(SessionResult result, string errorId, ErrorCategory category, object? target)
        {
            var error = Assert.Single(result.AllErrors);
            Assert.StartsWith(errorId + ",", error.FullyQualifiedErrorId);
            Assert.Equal(category, error.CategoryInfo.Category);
            Assert.Equal(target, error.TargetObject);
            return error;
        }

        /// <summary>Undoes what a test class changed beyond its own session and fake.</summary>
        protected virtual void OnDispose() { }

        public void Dispose()
        {
            OnDispose();
            Session.Dispose();
            Fake.Dispose();
        }
    }
}
