using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using EvalsPS.Hosting;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>Help built from docs/ by a plain dotnet build, as Get-Help shows it.</summary>
    public sealed class HelpTests : HostedTest
    {
        public static TheoryData<string> Cmdlets => new TheoryData<string> { "Get-EvalRun", "Stop-EvalRun", "Remove-EvalRun" };

        private static readonly string[] CommonParameters =
        {
            "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable",
            "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable",
        };

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Full_help_has_a_synopsis_every_parameter_described_and_three_examples(string cmdlet)
        {
            var lines = Ok($"$h = Get-Help {cmdlet} -Full; $h.Synopsis; " +
                           "$h.parameters.parameter | ForEach-Object { '{0}={1}' -f $_.name, (($_.description | ForEach-Object { $_.Text }) -join ' ') }; " +
                           "'examples=' + @($h.examples.example).Count")
                .Select(o => o.ToString()).ToArray();
            Assert.True(lines[0].Length > 20, $"synopsis: '{lines[0]}'");
            Assert.DoesNotContain(cmdlet + " [", lines[0]); // an auto-generated synopsis is just the syntax
            var parameters = lines.Skip(1).Where(l => !l.StartsWith("examples=")).ToArray();
            Assert.NotEmpty(parameters);
            Assert.All(parameters, p => Assert.True(p.Split('=', 2)[1].Trim().Length > 10, $"no description: {p}"));
            Assert.True(int.Parse(lines[^1].Split('=')[1]) >= 3, lines[^1]);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Examples_show_code_and_an_explanation(string cmdlet)
        {
            var fields = Ok($"(Get-Help {cmdlet} -Examples).examples.example | ForEach-Object {{ $_.title; $_.code; (($_.remarks | ForEach-Object {{ $_.Text }}) -join ' ') }}")
                .Select(o => o.ToString()).ToArray();
            var examples = fields.Chunk(3).ToArray();
            Assert.True(examples.Length >= 3);
            Assert.All(examples, e =>
            {
                Assert.Contains("Example", e[0]);
                Assert.Contains(cmdlet, e[1]);
                Assert.True(e[2].Trim().Length > 10, "no explanation: " + e[0]);
            });
        }

        [Fact]
        public void Examples_cover_pipelines_WhatIf_and_csv()
        {
            var code = string.Join("\n", Ok("'Get-EvalRun','Stop-EvalRun','Remove-EvalRun' | ForEach-Object { (Get-Help $_ -Examples).examples.example.code }").Select(o => o.ToString()));
            Assert.Matches(@"\|\s*Stop-EvalRun", code);
            Assert.Matches(@"\|\s*Remove-EvalRun", code);
            Assert.Contains("-WhatIf", code);
            Assert.Contains("Import-Csv", code);
            Assert.Contains("Export-Csv", code);
        }

        [Fact]
        public void The_about_topic_explains_settings_retries_errors_and_the_fake()
        {
            var text = string.Join("\n", Ok("Get-Help about_EvalsPS").Select(o => o.ToString()));
            foreach (var needle in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "-MaxRetries", "retry-after", "EvalRunNotFound", "FakeEvalsApi" })
                Assert.Contains(needle, text);
        }

        /// <summary>
        /// The drift test: every parameter a cmdlet has is documented in docs/ and in the built help,
        /// and nothing is documented that the cmdlet lacks.
        /// </summary>
        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Parameters_and_help_entries_match_exactly(string cmdlet)
        {
            var actual = Ok($"(Get-Command {cmdlet}).Parameters.Keys").Select(o => o.ToString()).Except(CommonParameters).OrderBy(p => p).ToArray();
            var inMaml = Ok($"(Get-Help {cmdlet} -Full).parameters.parameter.name").Select(o => o.ToString()).OrderBy(p => p).ToArray();
            var markdown = File.ReadAllText(Path.Combine(ModuleSession.RepositoryRoot, "docs", cmdlet + ".md"));
            var inDocs = Regex.Matches(markdown, @"^### -(\w+)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).OrderBy(p => p).ToArray();

            Assert.Equal(actual, inDocs);
            Assert.Equal(actual, inMaml);
        }

        [Theory]
        [MemberData(nameof(Cmdlets))]
        public void Documented_parameter_sets_match_the_cmdlet(string cmdlet)
        {
            var sets = Ok($"(Get-Command {cmdlet}).ParameterSets | ForEach-Object {{ $_.Name + $(if ($_.IsDefault) {{ ' (Default)' }}) }}").Select(o => o.ToString()).OrderBy(s => s);
            var markdown = File.ReadAllText(Path.Combine(ModuleSession.RepositoryRoot, "docs", cmdlet + ".md"));
            var syntax = markdown.Substring(markdown.IndexOf("## SYNTAX"), markdown.IndexOf("## DESCRIPTION") - markdown.IndexOf("## SYNTAX"));
            var documented = Regex.Matches(syntax, @"^### (.+?)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).OrderBy(s => s);
            Assert.Equal(sets, documented);
        }
    }
}
