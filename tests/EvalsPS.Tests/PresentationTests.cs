using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using EvalsPS.FakeApi;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>What users see: the table and list views, CSV-ready values, and progress.</summary>
    public sealed class PresentationTests : HostedTest
    {
        [Fact]
        public void The_default_table_answers_what_happened_within_120_columns()
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get("jsonl-file-content-run"));
            Fake.AddRunJson("eval_1", Fixtures.Get("seed-completions-run"));
            Session.Host.ClearText();
            Ok("Get-EvalRun -EvalId eval_1 | Out-Default");
            var lines = Session.Host.Text.Split('\n').Where(l => l.Trim().Length > 0).ToArray();
            var header = StripAnsi(lines[0]);
            Assert.Matches(@"^Name\s+Status\s+Model\s+Passed/Total\s+Created \(UTC\)\s+Id$", header);
            Assert.All(lines, line => Assert.True(StripAnsi(line).Length <= 120, $"{StripAnsi(line).Length} columns: {line}"));
            // The longest real id (evalrun_ and 32 hex digits) is shown whole.
            Assert.Contains(lines, line => line.Contains("evalrun_67abd54d60ec8190832b46859da808f7"));
            Assert.Contains(lines, line => line.Contains(id));
        }

        [Fact]
        public void Every_view_names_real_properties_and_EvalRun_has_a_table_and_a_list()
        {
            Ok("$null = Get-Command Get-EvalRun");
            var module = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "EvalsPS" && a.Location.Contains("out"));
            var formats = System.Xml.Linq.XDocument.Load(System.IO.Path.Combine(Hosting.ModuleSession.ModulePath, "EvalsPS.format.ps1xml"));
            var views = formats.Descendants("View").ToList();
            foreach (var view in views)
            {
                var typeName = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
                var type = module.GetType(typeName);
                Assert.True(type != null, $"view {view.Element("Name")!.Value} selects unknown type {typeName}");
                foreach (var property in view.Descendants("PropertyName"))
                    Assert.True(type!.GetProperty(property.Value) != null, $"{typeName} has no property {property.Value}");
            }
            var runViews = views.Where(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value == "EvalsPS.EvalRun").ToList();
            Assert.Single(runViews, v => v.Element("TableControl") != null);
            Assert.Single(runViews, v => v.Element("ListControl") != null);
        }

        [Fact]
        public void Deletion_results_have_their_own_table()
        {
            var id = Fake.AddRun("eval_1");
            Session.Host.ClearText();
            Ok($"Remove-EvalRun eval_1 {id} -Force -PassThru | Out-Default");
            var text = StripAnsi(Session.Host.Text);
            Assert.Matches(@"EvalId\s+RunId\s+Deleted", text);
            Assert.Matches($@"eval_1\s+{id}\s+True", text);
        }

        [Theory]
        [MemberData(nameof(EveryFixture), MemberType = typeof(HostedTest))]
        public void Every_value_of_a_run_is_a_scalar_or_has_a_meaningful_ToString(string fixture)
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get(fixture));
            var run = Assert.Single(Ok($"Get-EvalRun eval_1 '{id}'")).BaseObject;
            var problems = new List<string>();
            Inspect(run, "$r", problems, depth: 0);
            Assert.Empty(problems);
        }

        [Fact]
        public void Csv_columns_include_the_result_counts_as_scalars()
        {
            var id = Fake.AddRunJson("eval_1", Fixtures.Get("jsonl-file-content-run"));
            var values = Ok($"$r = Get-EvalRun eval_1 {id}; $r.Total; $r.Passed; $r.Failed; $r.Errored; $r.ResultCounts.Total; $r.ResultCounts.Passed; $r.ResultCounts.Failed; $r.ResultCounts.Errored")
                .Select(v => v.BaseObject).ToArray();
            Assert.All(values, v => Assert.IsType<int>(v));
            Assert.Equal(values.Skip(4), values.Take(4));
        }

        [Fact]
        public void A_listing_over_several_pages_shows_progress_and_completes_it()
        {
            Fake.AddRuns("eval_1", 250);
            var result = Run("Get-EvalRun -EvalId eval_1");
            result.ThrowOnError();
            Assert.True(result.Progress.Count >= 2);
            Assert.Contains(result.Progress, p => p.StatusDescription.StartsWith("100 runs so far"));
            Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
        }

        [Fact]
        public void A_one_page_listing_shows_no_progress()
        {
            Fake.AddRuns("eval_1", 5);
            Assert.Empty(Run("Get-EvalRun -EvalId eval_1").Progress);
        }

        private static readonly Type[] Scalars = { typeof(string), typeof(int), typeof(long), typeof(double), typeof(bool), typeof(DateTime) };

        /// <summary>
        /// What Export-Csv writes is each value's ToString(): it must never be a bare type name.
        /// Walks the object graph so nested parts are held to the same rule.
        /// </summary>
        private static void Inspect(object value, string path, List<string> problems, int depth)
        {
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length > 0) continue;
                var child = property.GetValue(value);
                if (child is null) continue;
                var type = child.GetType();
                var text = child.ToString() ?? "";
                string where = $"{path}.{property.Name}";
                if (Scalars.Contains(type) || type.IsEnum) continue;
                if (text == type.FullName || text.StartsWith("System.") || text.StartsWith("EvalsPS."))
                    problems.Add($"{where} ({type.Name}) shows as '{text}'");
                if (depth < 4 && type.Namespace == "EvalsPS" && child is not IDictionary)
                {
                    if (child is IEnumerable items)
                    {
                        int i = 0;
                        foreach (var item in items)
                        {
                            if (item is null || i++ >= 3) continue;
                            var itemText = item.ToString() ?? "";
                            if (itemText == item.GetType().FullName || itemText.StartsWith("System.")) problems.Add($"{where}[{i - 1}] shows as '{itemText}'");
                            if (item.GetType().Namespace == "EvalsPS") Inspect(item, $"{where}[{i - 1}]", problems, depth + 1);
                        }
                    }
                    else
                    {
                        Inspect(child, where, problems, depth + 1);
                    }
                }
            }
        }

        private static string StripAnsi(string text) => System.Text.RegularExpressions.Regex.Replace(text, "\u001b\\[[0-9;]*m", "").TrimEnd('\r');
    }
}
