using System;
using System.Management.Automation;
using Xunit;

namespace EvalsPS.Tests
{
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ProcessEnvironmentCollection
    {
        public const string Name = "Process environment";
    }

    /// <summary>Settings from environment variables, which belong to the whole process: run alone.</summary>
    [Collection(ProcessEnvironmentCollection.Name)]
    public sealed class EnvironmentTests : HostedTest
    {
        private static readonly string[] Variables = { "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID" };

        public EnvironmentTests()
        {
            foreach (var name in Variables) Environment.SetEnvironmentVariable(name, null);
            Ok("$PSDefaultParameterValues.Clear()");
        }

        [Fact]
        public void Key_base_url_organization_and_project_come_from_the_environment()
        {
            var id = Fake.AddRun("eval_1");
            Ok($"$env:OPENAI_API_KEY = '{Key}'; $env:OPENAI_BASE_URL = '{Fake.BaseUri}'; $env:OPENAI_ORG_ID = 'org_env'; $env:OPENAI_PROJECT_ID = 'proj_env'; Get-EvalRun eval_1 {id}");
            var headers = Assert.Single(Fake.Requests).Headers;
            Assert.Equal("Bearer " + Key, headers["Authorization"]);
            Assert.Equal("org_env", headers["OpenAI-Organization"]);
            Assert.Equal("proj_env", headers["OpenAI-Project"]);
        }

        [Fact]
        public void Parameters_win_over_the_environment()
        {
            var id = Fake.AddRun("eval_1");
            Ok($"$env:OPENAI_API_KEY = 'sk-from-env'; $env:OPENAI_BASE_URL = 'https://api.example.com/v1'; $env:OPENAI_ORG_ID = 'org_env'; " +
               $"Get-EvalRun eval_1 {id} -ApiKey '{Key}' -BaseUri '{Fake.BaseUri}' -Organization org_param");
            var headers = Assert.Single(Fake.Requests).Headers;
            Assert.Equal("Bearer " + Key, headers["Authorization"]);
            Assert.Equal("org_param", headers["OpenAI-Organization"]);
        }

        [Fact]
        public void No_key_anywhere_is_one_terminating_error_that_says_how_to_set_one()
        {
            var result = Run($"Get-EvalRun eval_1 a,b,c -BaseUri '{Fake.BaseUri}' -Verbose -Debug");
            AssertNoKey(result);
            var error = Assert.Single(result.AllErrors);
            Assert.Equal("ApiKeyMissing,EvalsPS.Commands.GetEvalRunCommand", error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains("$env:OPENAI_API_KEY", error.ToString());
            Assert.Empty(Fake.Requests);
            // Terminating: try/catch sees it (a non-terminating error would pass it by).
            Assert.Equal("caught ApiKeyMissing", Assert.Single(Ok("try { Get-EvalRun eval_1 a } catch { 'caught ' + $_.FullyQualifiedErrorId.Split(',')[0] }")).ToString());
        }

        [Fact]
        public void An_invalid_OPENAI_BASE_URL_is_a_clear_error()
        {
            var result = Run($"$env:OPENAI_BASE_URL = 'not a url'; Get-EvalRun eval_1 r1 -ApiKey '{Key}'");
            var error = Assert.Single(result.AllErrors);
            Assert.Equal("InvalidBaseUri,EvalsPS.Commands.GetEvalRunCommand", error.FullyQualifiedErrorId);
            Assert.Contains("OPENAI_BASE_URL", error.ToString());
        }

        protected override void OnDispose()
        {
            foreach (var name in Variables) Environment.SetEnvironmentVariable(name, null);
        }
    }
}
