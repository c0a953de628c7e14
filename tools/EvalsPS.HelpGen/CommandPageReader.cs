using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace EvalsPS.HelpGen
{
    /// <summary>Reads a cmdlet page section by section, failing at the first line that breaks the schema.</summary>
    internal sealed class CommandPageReader
    {
        // PlatyPS 1.x (Microsoft.PowerShell.PlatyPS) writes ALIASES after SYNTAX, empty when the cmdlet has none, and
        // warns when it is missing. MAML has no place for it, so its text is checked but not written.
        private static readonly string[] SectionOrder =
            { "SYNOPSIS", "SYNTAX", "ALIASES", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS" };

        private static readonly string[] YamlKeys =
        {
            "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
            "Accept pipeline input", "Accept wildcard characters",
        };

        private static readonly string[] RequiredYamlKeys =
            { "Type", "Parameter Sets", "Required", "Position", "Default value", "Accept pipeline input", "Accept wildcard characters" };

        private static readonly Regex SyntaxToken = new Regex(@"(?<![\w\]-])(\[{0,2})-([A-Za-z]\w*)(\])?(\s+<)?");
        private static readonly Regex LinkLine = new Regex(@"^\s*(?:[-*+]\s+)?\[([^\]]+)\]\(([^)\s]*)\)\s*$");

        private readonly MarkdownDocument page;
        private readonly CommandHelp help = new CommandHelp();

        internal CommandPageReader(MarkdownDocument page) => this.page = page;

        internal CommandHelp Read()
        {
            ReadFrontMatter();

            var blocks = page.Blocks;
            string expectedName = System.IO.Path.GetFileNameWithoutExtension(page.Path);
            if (blocks.Count == 0 || blocks[0].Kind != BlockKind.Heading || blocks[0].Level != 1)
                throw Fail(blocks.Count > 0 ? blocks[0].Line : 1, $"the page must start with '# {expectedName}'");
            var title = blocks[0];
            if (title.Text != expectedName)
                throw Fail(title.Line, $"the title '# {title.Text}' does not match the file name '{expectedName}.md'");
            help.Name = title.Text;

            var sections = new Dictionary<string, (Block Heading, List<Block> Body)>(StringComparer.OrdinalIgnoreCase);
            (Block Heading, List<Block> Body)? current = null;
            foreach (var block in blocks.Skip(1))
            {
                if (block.Kind == BlockKind.Heading && block.Level <= 2)
                {
                    if (block.Level == 1) throw Fail(block.Line, "a cmdlet page documents one cmdlet: only its name is a '#' heading");
                    string name = block.Text.ToUpperInvariant();
                    if (!SectionOrder.Contains(name))
                        throw Fail(block.Line, $"unknown section '## {block.Text}'; the schema has {string.Join(", ", SectionOrder.Select(s => "## " + s))}");
                    if (sections.ContainsKey(name)) throw Fail(block.Line, $"'## {name}' appears twice");
                    current = (block, new List<Block>());
                    sections.Add(name, current.Value);
                }
                else if (current is null)
                {
                    throw Fail(block.Line, "text between the title and '## SYNOPSIS' is not part of the schema");
                }
                else
                {
                    current.Value.Body.Add(block);
                }
            }

            foreach (var name in SectionOrder)
            {
                if (!sections.ContainsKey(name))
                    throw Fail(title.Line, $"the page has no '## {name}' section (the schema needs {string.Join(", ", SectionOrder)})");
            }

            help.Synopsis = Prose(sections["SYNOPSIS"], required: true);
            help.Description = Prose(sections["DESCRIPTION"], required: true);
            ReadSyntax(sections["SYNTAX"]);
            ReadExamples(sections["EXAMPLES"]);
            ReadParameters(sections["PARAMETERS"]);
            ReadTypes(sections["INPUTS"], help.Inputs);
            ReadTypes(sections["OUTPUTS"], help.Outputs);
            Prose(sections["ALIASES"], required: false);
            help.Notes = Prose(sections["NOTES"], required: false);
            ReadLinks(sections["RELATED LINKS"]);
            CheckSyntaxAgainstParameters();
            return help;
        }

        private void ReadFrontMatter()
        {
            var front = page.FrontMatter;
            if (front.Count == 0) throw Fail(1, "the page has no YAML front matter (---, external help file, Module Name, online version, schema, ---)");
            if (!front.TryGetValue("schema", out var schema) || schema != "2.0.0")
                throw Fail(1, "the front matter must say 'schema: 2.0.0'");
            if (!front.TryGetValue("external help file", out var helpFile) || !helpFile.EndsWith("-help.xml", StringComparison.OrdinalIgnoreCase))
                throw Fail(1, "the front matter must name the 'external help file', such as Module.dll-Help.xml");
            if (!front.TryGetValue("Module Name", out var module) || module.Length == 0)
                throw Fail(1, "the front matter must give the 'Module Name'");
            if (!front.TryGetValue("online version", out var online))
                throw Fail(1, "the front matter must have an 'online version' line (its value may be empty)");
            if (online.Length > 0 && !Uri.TryCreate(online, UriKind.Absolute, out _))
                throw Fail(1, $"the online version '{online}' is not an absolute URL");
            help.ExternalHelpFile = helpFile;
            help.OnlineVersion = online;
        }

        private List<TextSegment> Prose((Block Heading, List<Block> Body) section, bool required)
        {
            var segments = new List<TextSegment>();
            foreach (var block in section.Body)
            {
                if (block.Kind != BlockKind.Paragraph)
                    throw Fail(block.Line, $"'## {section.Heading.Text}' may hold only text, not a {Describe(block)}");
                segments.AddRange(Text(block));
            }
            if (required && segments.Count == 0) throw Fail(section.Heading.Line, $"'## {section.Heading.Text}' is empty");
            return segments;
        }

        private void ReadSyntax((Block Heading, List<Block> Body) section)
        {
            var (preamble, sets) = Subsections(section);
            if (preamble.Count > 0)
            {
                // One parameter set: PlatyPS writes the syntax block with no set heading.
                if (sets.Count > 0 || preamble.Count != 1 || preamble[0].Kind != BlockKind.Code)
                    throw Fail(preamble[0].Line, "'## SYNTAX' holds one '### SetName' heading and one code block per parameter set");
                help.Syntax.Add(ParseSyntax(null, false, preamble[0]));
                return;
            }
            if (sets.Count == 0) throw Fail(section.Heading.Line, "'## SYNTAX' is empty");

            foreach (var (heading, body) in sets)
            {
                if (body.Count != 1 || body[0].Kind != BlockKind.Code)
                    throw Fail(heading.Line, $"'### {heading.Text}' must hold exactly one code block: the syntax of that parameter set");
                bool isDefault = heading.Text.EndsWith("(Default)", StringComparison.OrdinalIgnoreCase);
                string setName = isDefault ? heading.Text.Substring(0, heading.Text.Length - "(Default)".Length).Trim() : heading.Text.Trim();
                if (help.Syntax.Any(s => string.Equals(s.SetName, setName, StringComparison.OrdinalIgnoreCase)))
                    throw Fail(heading.Line, $"parameter set '{setName}' appears twice");
                help.Syntax.Add(ParseSyntax(setName, isDefault, body[0]));
            }
            if (help.Syntax.Count(s => s.IsDefault) > 1)
                throw Fail(section.Heading.Line, "more than one parameter set is marked '(Default)'");
        }

        private SyntaxHelp ParseSyntax(string? setName, bool isDefault, Block code)
        {
            string text = code.Text.Trim();
            if (!text.StartsWith(help.Name + " ", StringComparison.OrdinalIgnoreCase) && text != help.Name)
                throw Fail(code.Line + 1, $"the syntax must start with the cmdlet name '{help.Name}'");

            var syntax = new SyntaxHelp(setName, isDefault, code.Line + 1);
            foreach (Match token in SyntaxToken.Matches(text))
            {
                int brackets = token.Groups[1].Length;
                bool closedAfterName = token.Groups[3].Success, takesValue = token.Groups[4].Success;
                // [[-Name] <T>] optional positional; [-Name] <T> mandatory positional; [-Name <T>] and [-Switch] optional named.
                bool positional = brackets == 2 || (brackets == 1 && closedAfterName && takesValue);
                bool required = brackets == 0 || (brackets == 1 && closedAfterName && takesValue);
                string name = token.Groups[2].Value;
                if (syntax.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                    throw Fail(syntax.Line, $"the syntax names -{name} twice");
                syntax.Parameters.Add(new SyntaxParameter(name, required, positional, takesValue));
            }
            return syntax;
        }

        private void ReadExamples((Block Heading, List<Block> Body) section)
        {
            var (preamble, examples) = Subsections(section);
            if (preamble.Count > 0) throw Fail(preamble[0].Line, "every example starts with a '### Example N: title' heading");
            if (examples.Count == 0) throw Fail(section.Heading.Line, "'## EXAMPLES' has no example");

            foreach (var (heading, body) in examples)
            {
                var introduction = new List<TextSegment>();
                var remarks = new List<TextSegment>();
                var code = new List<string>();
                foreach (var block in body)
                {
                    if (block.Kind == BlockKind.Code)
                    {
                        if (remarks.Count > 0)
                            throw Fail(block.Line, $"in '{heading.Text}', code after the remarks: put it before them, or start a new example");
                        code.Add(block.Text);
                    }
                    else if (block.Kind == BlockKind.Paragraph)
                    {
                        (code.Count == 0 ? introduction : remarks).AddRange(Text(block));
                    }
                    else
                    {
                        throw Fail(block.Line, $"an example holds text and code blocks, not a {Describe(block)}");
                    }
                }
                if (code.Count == 0) throw Fail(heading.Line, $"the example '{heading.Text}' has no code block");
                help.Examples.Add(new ExampleHelp(heading.Text, string.Join("\n\n", code), introduction.Concat(remarks).ToList()));
            }
        }

        private void ReadParameters((Block Heading, List<Block> Body) section)
        {
            var (preamble, entries) = Subsections(section);
            if (preamble.Count > 0) throw Fail(preamble[0].Line, "every parameter starts with a '### -Name' heading");

            foreach (var (heading, body) in entries)
            {
                string title = heading.Text.Trim('<', '>');
                if (title == "CommonParameters" || title == "WorkflowCommonParameters") continue;
                if (!title.StartsWith("-", StringComparison.Ordinal) || title.Length == 1)
                    throw Fail(heading.Line, $"'### {heading.Text}' is neither '### -ParameterName' nor '### CommonParameters'");

                var parameter = new ParameterHelp(title.Substring(1), new List<TextSegment>(), heading.Line);
                if (help.FindParameter(parameter.Name) != null) throw Fail(heading.Line, $"-{parameter.Name} is documented twice");
                foreach (var block in body)
                {
                    if (block.Kind == BlockKind.Paragraph && parameter.Metadata.Count == 0)
                        parameter.Description.AddRange(Text(block));
                    else if (block.Kind == BlockKind.Code && block.Info.Equals("yaml", StringComparison.OrdinalIgnoreCase))
                        parameter.Metadata.Add(ReadYaml(block));
                    else
                        throw Fail(block.Line, $"-{parameter.Name}: expected its description, then its ```yaml block(s); found a {Describe(block)}");
                }
                if (parameter.Description.Count == 0) throw Fail(heading.Line, $"-{parameter.Name} has no description");
                if (parameter.Metadata.Count == 0) throw Fail(heading.Line, $"-{parameter.Name} has no ```yaml block (Type, Parameter Sets, Aliases, Required, Position, ...)");
                help.Parameters.Add(parameter);
            }
        }

        private ParameterMetadata ReadYaml(Block yaml)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var lines = yaml.Text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim().Length == 0) continue;
                int lineNumber = yaml.Line + 1 + i;
                int colon = lines[i].IndexOf(':');
                string key = colon > 0 ? lines[i].Substring(0, colon).Trim() : "";
                if (!YamlKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                    throw Fail(lineNumber, $"'{lines[i].Trim()}' is not one of the parameter keys: {string.Join(", ", YamlKeys)}");
                if (values.ContainsKey(key)) throw Fail(lineNumber, $"'{key}' appears twice");
                values[key] = lines[i].Substring(colon + 1).Trim();
            }
            foreach (var key in RequiredYamlKeys)
            {
                if (!values.ContainsKey(key)) throw Fail(yaml.Line, $"the yaml block has no '{key}:' line");
            }

            var metadata = new ParameterMetadata
            {
                Line = yaml.Line,
                Type = values["Type"],
                Sets = values["Parameter Sets"] == "(All)" ? new List<string>() : List(values["Parameter Sets"]),
                Aliases = values.TryGetValue("Aliases", out var aliases) ? List(aliases) : new List<string>(),
                AcceptedValues = values.TryGetValue("Accepted values", out var accepted) ? List(accepted) : new List<string>(),
                Required = Boolean(values["Required"], "Required", yaml.Line),
                Position = values["Position"].ToLowerInvariant(),
                DefaultValue = values["Default value"].Length == 0 ? "None" : values["Default value"],
                PipelineInput = values["Accept pipeline input"],
                Globbing = Boolean(values["Accept wildcard characters"], "Accept wildcard characters", yaml.Line),
            };
            if (metadata.Type.Length == 0) throw Fail(yaml.Line, "'Type:' is empty");
            if (metadata.Sets.Count == 0 && values["Parameter Sets"] != "(All)") throw Fail(yaml.Line, "'Parameter Sets:' is empty; write (All) for every set");
            if (metadata.Position != "named" && !uint.TryParse(metadata.Position, out _))
                throw Fail(yaml.Line, $"'Position: {values["Position"]}' is neither Named nor a number");
            if (!Regex.IsMatch(metadata.PipelineInput, @"^(False|True \((ByValue|ByPropertyName)(, (ByValue|ByPropertyName))?\))$", RegexOptions.IgnoreCase))
                throw Fail(yaml.Line, $"'Accept pipeline input: {metadata.PipelineInput}' is not False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue)");
            return metadata;
        }

        private void ReadTypes((Block Heading, List<Block> Body) section, List<TypeHelp> types)
        {
            var (preamble, entries) = Subsections(section);
            if (preamble.Count > 0) throw Fail(preamble[0].Line, $"'## {section.Heading.Text}' lists types, each under a '### TypeName' heading");
            foreach (var (heading, body) in entries)
                types.Add(new TypeHelp(heading.Text, Prose((heading, body), required: false)));
        }

        private void ReadLinks((Block Heading, List<Block> Body) section)
        {
            foreach (var block in section.Body)
            {
                if (block.Kind != BlockKind.Paragraph) throw Fail(block.Line, $"'## RELATED LINKS' holds only links, not a {Describe(block)}");
                for (int i = 0; i < block.Lines.Count; i++)
                {
                    var link = LinkLine.Match(block.Lines[i]);
                    if (!link.Success) throw Fail(block.Line + i, $"'{block.Lines[i].Trim()}' is not a link of the form [text](address)");
                    help.Links.Add(new LinkHelp(link.Groups[1].Value, link.Groups[2].Value));
                }
            }
        }

        /// <summary>The SYNTAX blocks are what readers see; the yaml is what Get-Help reads. They must agree.</summary>
        private void CheckSyntaxAgainstParameters()
        {
            foreach (var syntax in help.Syntax)
            {
                string setText = syntax.SetName is null ? "the syntax" : $"the {syntax.SetName} syntax";
                foreach (var shown in syntax.Parameters)
                {
                    var parameter = help.FindParameter(shown.Name)
                        ?? throw Fail(syntax.Line, $"{setText} shows -{shown.Name}, which has no '### -{shown.Name}' entry under '## PARAMETERS'");
                    var metadata = parameter.For(syntax.SetName)
                        ?? throw Fail(parameter.Line, $"{setText} shows -{shown.Name}, but its yaml does not list parameter set '{syntax.SetName}'");
                    if (metadata.Required != shown.Required || (metadata.Position != "named") != shown.Positional || metadata.IsSwitch == shown.TakesValue)
                    {
                        throw Fail(metadata.Line, $"-{shown.Name} is {Describe(metadata.Required, metadata.Position != "named", !metadata.IsSwitch)} by its yaml " +
                            $"but {Describe(shown.Required, shown.Positional, shown.TakesValue)} in {setText} (line {syntax.Line})");
                    }
                }
            }

            var setNames = help.Syntax.Where(s => s.SetName != null).Select(s => s.SetName!).ToList();
            foreach (var parameter in help.Parameters)
            {
                foreach (var metadata in parameter.Metadata)
                {
                    var unknown = metadata.Sets.FirstOrDefault(set => !setNames.Contains(set, StringComparer.OrdinalIgnoreCase));
                    if (unknown != null && setNames.Count > 0)
                        throw Fail(metadata.Line, $"-{parameter.Name} names parameter set '{unknown}', which has no '### {unknown}' syntax");
                }
                foreach (var syntax in help.Syntax)
                {
                    bool belongs = syntax.SetName is null || parameter.Metadata.Any(m => m.AppliesTo(syntax.SetName));
                    if (belongs && !syntax.Parameters.Any(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase)))
                        throw Fail(parameter.Line, $"-{parameter.Name} is in parameter set '{syntax.SetName ?? "(All)"}' by its yaml, but the syntax at line {syntax.Line} does not show it");
                }
            }
        }

        /// <summary>Splits a section at its '###' headings; deeper headings are not part of the schema.</summary>
        private (List<Block> Preamble, List<(Block Heading, List<Block> Body)> Entries) Subsections((Block Heading, List<Block> Body) section)
        {
            var preamble = new List<Block>();
            var entries = new List<(Block, List<Block>)>();
            foreach (var block in section.Body)
            {
                if (block.Kind == BlockKind.Heading)
                {
                    if (block.Level != 3) throw Fail(block.Line, $"'{new string('#', block.Level)} {block.Text}': inside '## {section.Heading.Text}' only '###' headings belong");
                    entries.Add((block, new List<Block>()));
                }
                else if (entries.Count == 0)
                {
                    preamble.Add(block);
                }
                else
                {
                    entries[entries.Count - 1].Item2.Add(block);
                }
            }
            return (preamble, entries);
        }

        private List<TextSegment> Text(Block paragraph)
        {
            if (Inline.HasPlaceholder(paragraph.Text)) throw Fail(paragraph.Line, "the text still holds a {{ placeholder }}");
            return Inline.Segments(paragraph);
        }

        private bool Boolean(string value, string key, int line) =>
            value.Equals("True", StringComparison.OrdinalIgnoreCase) ? true
            : value.Equals("False", StringComparison.OrdinalIgnoreCase) ? false
            : throw Fail(line, $"'{key}: {value}' must be True or False");

        private static List<string> List(string value) =>
            value.Split(',').Select(item => item.Trim()).Where(item => item.Length > 0).ToList();

        private static string Describe(Block block) => block.Kind switch
        {
            BlockKind.Heading => $"'{new string('#', block.Level)} {block.Text}' heading",
            BlockKind.Code => "code block",
            _ => "paragraph",
        };

        private static string Describe(bool required, bool positional, bool takesValue) =>
            $"{(required ? "mandatory" : "optional")}, {(positional ? "positional" : "named")}, {(takesValue ? "taking a value" : "a switch")}";

        private HelpSchemaException Fail(int line, string message) => new HelpSchemaException(page.Path, line, message);
    }
}
