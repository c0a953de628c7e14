using System.Linq;
using Xunit;

namespace EvalsPS.Tests
{
    public sealed class ModuleTests : HostedTest
    {
        [Fact]
        public void Module_exports_the_six_cmdlets_with_their_output_types()
        {
            var lines = Ok("Get-Command -Module EvalsPS | ForEach-Object { '{0} -> {1}' -f $_.Name, ($_.OutputType.Name -join ',') }")
                .Select(o => o.ToString()).OrderBy(line => line).ToArray();
            Assert.Equal(new[]
            {
                "Get-Eval -> EvalsPS.Eval",
                "Get-EvalRun -> EvalsPS.EvalRun",
                "Get-EvalRunOutputItem -> EvalsPS.EvalRunOutputItem",
                "Remove-EvalRun -> EvalsPS.EvalRunDeletion",
                "Stop-EvalRun -> EvalsPS.EvalRun",
                "Wait-EvalRun -> EvalsPS.EvalRun",
            }, lines);
        }

        [Theory]
        [InlineData("Stop-EvalRun")]
        [InlineData("Remove-EvalRun")]
        public void Stop_and_Remove_have_both_parameter_sets_with_WhatIf_and_Confirm(string cmdlet)
        {
            var syntax = string.Join("\n", Ok($"Get-Command {cmdlet} -Syntax").Select(o => o.ToString()));
            Assert.Contains($"{cmdlet} [-EvalId] <string> [-RunId] <string[]>", syntax);
            Assert.Contains($"{cmdlet} -InputObject <EvalRun>", syntax);
            Assert.Equal(2, syntax.Split('\n').Count(line => line.Contains("[-WhatIf] [-Confirm]")));
        }

        [Fact]
        public void Manifest_declares_both_editions_and_an_explicit_export_list()
        {
            var values = Ok("$m = Get-Module EvalsPS; $m.Version.ToString(); ($m.CompatiblePSEditions -join ','); $m.PowerShellVersion.ToString(); $m.ExportedFunctions.Count; $m.ExportedAliases.Count")
                .Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "0.1.0", "Desktop,Core", "5.1", "0", "0" }, values);
        }

        [Fact]
        public void Status_is_tab_completable_with_the_five_statuses()
        {
            var completions = Ok("$line = 'Get-EvalRun -EvalId e -Status '; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText")
                .Select(o => o.ToString()).ToArray();
            Assert.Equal(new[] { "canceled", "completed", "failed", "in_progress", "queued" }, completions);
        }
    }
}
