using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EvalsPS.HelpGen
{
    /// <summary>
    /// Renders an about_ page as the plain text Get-Help about_Name prints: TOPIC first, section headings in
    /// upper case at the margin, text indented four spaces and wrapped to 80 columns, code indented eight.
    /// </summary>
    internal static class AboutTopicWriter
    {
        private const int Width = 80;
        private const string TextIndent = "    ";
        private const string CodeIndent = "        ";
        private static readonly string[] RequiredSections = { "SHORT DESCRIPTION", "LONG DESCRIPTION" };

        internal static string Render(MarkdownDocument page)
        {
            string topic = Path.GetFileNameWithoutExtension(page.Path);
            var blocks = page.Blocks;
            if (blocks.Count == 0 || blocks[0].Kind != BlockKind.Heading || blocks[0].Level != 1 || blocks[0].Text != topic)
                throw new HelpSchemaException(page.Path, blocks.Count > 0 ? blocks[0].Line : 1, $"an about topic starts with '# {topic}', its file name");
            foreach (var section in RequiredSections)
            {
                if (!blocks.Any(b => b.Kind == BlockKind.Heading && b.Level == 2 && b.Text.Equals(section, StringComparison.OrdinalIgnoreCase)))
                    throw new HelpSchemaException(page.Path, blocks[0].Line, $"the topic has no '## {section}' section");
            }

            var lines = new List<string> { "TOPIC", TextIndent + topic, "" };
            foreach (var block in blocks.Skip(1))
            {
                switch (block.Kind)
                {
                    case BlockKind.Heading when block.Level == 1:
                        throw new HelpSchemaException(page.Path, block.Line, "an about topic has one '#' heading, its name; sections are '##'");
                    case BlockKind.Heading:
                        lines.Add((block.Level == 2 ? "" : TextIndent) + block.Text.ToUpperInvariant());
                        break;
                    case BlockKind.Paragraph:
                        if (Inline.HasPlaceholder(block.Text))
                            throw new HelpSchemaException(page.Path, block.Line, "the text still holds a {{ placeholder }}");
                        foreach (var segment in Inline.Segments(block))
                            Wrap(segment.Text, TextIndent + segment.Marker, TextIndent + new string(' ', segment.Marker.Length), lines);
                        lines.Add("");
                        break;
                    default:
                        lines.AddRange(block.Text.Split('\n').Select(line => line.Length == 0 ? "" : CodeIndent + line));
                        lines.Add("");
                        break;
                }
            }
            while (lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return string.Join(Environment.NewLine, lines) + Environment.NewLine;
        }

        /// <summary>Greedy wrapping; a word longer than the line (a URL) gets a line of its own.</summary>
        private static void Wrap(string text, string firstIndent, string nextIndent, List<string> lines)
        {
            string line = firstIndent;
            bool empty = true;
            foreach (var word in text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && line.Length + 1 + word.Length > Width)
                {
                    lines.Add(line);
                    line = nextIndent;
                    empty = true;
                }
                line += (empty ? "" : " ") + word;
                empty = false;
            }
            lines.Add(line);
        }
    }
}
