using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;

namespace EvalsPS.HelpGen
{
    internal enum BlockKind
    {
        Heading,
        Paragraph,
        Code,
    }

    /// <summary>One block of a page: a heading, a paragraph (its lines) or a fenced code block.</summary>
    internal sealed class Block
    {
        internal Block(BlockKind kind, int line, string text, int level = 0, string info = "", IReadOnlyList<string>? lines = null)
        {
            Kind = kind;
            Line = line;
            Text = text;
            Level = level;
            Info = info;
            Lines = lines ?? Array.Empty<string>();
        }

        internal BlockKind Kind { get; }

        /// <summary>The 1-based line the block starts on.</summary>
        internal int Line { get; }

        /// <summary>The heading text, the code, or the paragraph's lines joined by newlines.</summary>
        internal string Text { get; }

        internal int Level { get; }

        /// <summary>The language of a code block (```yaml gives "yaml").</summary>
        internal string Info { get; }

        internal IReadOnlyList<string> Lines { get; }
    }

    /// <summary>
    /// The little of markdown the help schema uses: YAML front matter, ATX headings, paragraphs and fenced
    /// code blocks. Inline markup is left in the text; <see cref="Inline"/> turns it into plain text.
    /// </summary>
    internal sealed class MarkdownDocument
    {
        private static readonly Regex HeadingPattern = new Regex(@"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$");
        private static readonly Regex FencePattern = new Regex(@"^ {0,3}(```+|~~~+)\s*([^`\s]*)");

        private MarkdownDocument(string path, Dictionary<string, string> frontMatter, List<Block> blocks)
        {
            Path = path;
            FrontMatter = frontMatter;
            Blocks = blocks;
        }

        internal string Path { get; }

        /// <summary>"key: value" pairs between the leading --- lines; keys compare ignoring case.</summary>
        internal IReadOnlyDictionary<string, string> FrontMatter { get; }

        internal IReadOnlyList<Block> Blocks { get; }

        internal static MarkdownDocument Load(string path)
        {
            var lines = File.ReadAllText(path).Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
            var frontMatter = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var blocks = new List<Block>();
            int i = 0;

            if (lines.Length > 0 && lines[0].TrimEnd() == "---")
            {
                for (i = 1; i < lines.Length && lines[i].TrimEnd() != "---"; i++)
                {
                    if (lines[i].Trim().Length == 0) continue;
                    int colon = lines[i].IndexOf(':');
                    if (colon <= 0) throw new HelpSchemaException(path, i + 1, $"front matter line '{lines[i]}' is not 'key: value'");
                    frontMatter[lines[i].Substring(0, colon).Trim()] = lines[i].Substring(colon + 1).Trim();
                }
                if (i == lines.Length) throw new HelpSchemaException(path, 1, "the front matter has no closing '---' line");
                i++;
            }

            var paragraph = new List<string>();
            int paragraphLine = 0;
            void EndParagraph()
            {
                if (paragraph.Count == 0) return;
                blocks.Add(new Block(BlockKind.Paragraph, paragraphLine, string.Join("\n", paragraph), lines: paragraph.ToArray()));
                paragraph.Clear();
            }

            for (; i < lines.Length; i++)
            {
                string line = lines[i].TrimEnd();
                var fence = FencePattern.Match(line);
                if (fence.Success)
                {
                    EndParagraph();
                    int start = i + 1;
                    var code = new List<string>();
                    for (i++; i < lines.Length && !IsClosingFence(lines[i], fence.Groups[1].Value); i++)
                        code.Add(lines[i].TrimEnd());
                    if (i == lines.Length) throw new HelpSchemaException(path, start, "the code block is not closed");
                    blocks.Add(new Block(BlockKind.Code, start, string.Join("\n", code), info: fence.Groups[2].Value));
                    continue;
                }

                var heading = HeadingPattern.Match(line);
                if (heading.Success)
                {
                    EndParagraph();
                    blocks.Add(new Block(BlockKind.Heading, i + 1, heading.Groups[2].Value, level: heading.Groups[1].Length));
                }
                else if (line.Trim().Length == 0)
                {
                    EndParagraph();
                }
                else
                {
                    if (paragraph.Count == 0) paragraphLine = i + 1;
                    paragraph.Add(line);
                }
            }
            EndParagraph();
            return new MarkdownDocument(path, frontMatter, blocks);
        }

        private static bool IsClosingFence(string line, string fence)
        {
            string trimmed = line.Trim();
            return trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.TrimStart(fence[0]).Length == 0;
        }
    }

    /// <summary>A page that breaks the help schema: where, and what is wrong.</summary>
    internal sealed class HelpSchemaException : Exception
    {
        internal HelpSchemaException(string path, int line, string message) : base(message)
        {
            FilePath = path;
            LineNumber = line;
        }

        internal string FilePath { get; }
        internal int LineNumber { get; }

        /// <summary>The canonical "file(line): error" form, so MSBuild and editors point at the line.</summary>
        public override string ToString() => $"{FilePath}({LineNumber}): error HELPGEN: {Message}";
    }
}
