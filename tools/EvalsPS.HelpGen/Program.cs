using System;
using System.IO;
using System.Linq;
using System.Text;

namespace EvalsPS.HelpGen
{
    /// <summary>
    /// EvalsPS.HelpGen &lt;docsDir&gt; &lt;outDir&gt;: every docs/Verb-Noun.md cmdlet page (PlatyPS v1 schema) becomes one
    /// MAML file named by the pages' "external help file", and every docs/about_*.md becomes about_*.help.txt.
    /// A page that breaks the schema stops the run with "file(line): error ..." and exit code 1.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.WriteLine("usage: EvalsPS.HelpGen <docsDir> <outDir>");
                return 2;
            }
            string docsDir = args[0], outDir = args[1];
            if (!Directory.Exists(docsDir))
            {
                Console.Error.WriteLine($"EvalsPS.HelpGen: error: the docs folder '{docsDir}' does not exist.");
                return 2;
            }

            try
            {
                var commandPages = Directory.GetFiles(docsDir, "*-*.md").OrderBy(path => path, StringComparer.Ordinal).ToList();
                var aboutPages = Directory.GetFiles(docsDir, "about_*.md").OrderBy(path => path, StringComparer.Ordinal).ToList();
                if (commandPages.Count == 0) throw new HelpSchemaException(docsDir, 0, "no cmdlet pages (Verb-Noun.md) were found");

                var commands = commandPages.Select(path => CommandHelp.Parse(MarkdownDocument.Load(path))).ToList();
                string helpFile = commands[0].ExternalHelpFile;
                var other = commands.FirstOrDefault(command => !string.Equals(command.ExternalHelpFile, helpFile, StringComparison.OrdinalIgnoreCase));
                if (other != null)
                    throw new HelpSchemaException(Path.Combine(docsDir, other.Name + ".md"), 1, $"the external help file is '{other.ExternalHelpFile}', but {commands[0].Name}.md says '{helpFile}'");

                var aboutTopics = aboutPages.Select(path => (Path.GetFileNameWithoutExtension(path), AboutTopicWriter.Render(MarkdownDocument.Load(path)))).ToList();

                // Everything is checked before anything is written: a broken page leaves the last good help in place.
                Directory.CreateDirectory(outDir);
                MamlWriter.Write(commands, Path.Combine(outDir, helpFile));
                // With a BOM, so Windows PowerShell 5.1 reads the text as UTF-8 rather than in the ANSI code page.
                foreach (var (topic, text) in aboutTopics)
                    File.WriteAllText(Path.Combine(outDir, topic + ".help.txt"), text, new UTF8Encoding(true));

                Console.WriteLine($"EvalsPS.HelpGen: {helpFile} ({commands.Count} cmdlets) and {aboutTopics.Count} about topic(s) written to {outDir}");
                return 0;
            }
            catch (HelpSchemaException failure)
            {
                Console.Error.WriteLine(failure.ToString());
                return 1;
            }
        }
    }
}
