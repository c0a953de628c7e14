using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace EvalsPS.HelpGen
{
    /// <summary>One paragraph of help text: a run of prose, or one list item (its marker kept, as Get-Help shows it).</summary>
    internal sealed class TextSegment
    {
        internal TextSegment(string marker, string text)
        {
            Marker = marker;
            Text = text;
        }

        /// <summary>"- " or "1. " for a list item; empty for prose.</summary>
        internal string Marker { get; }

        internal string Text { get; }

        public override string ToString() => Marker + Text;
    }

    /// <summary>Markdown inline markup to the plain text that console help shows.</summary>
    internal static class Inline
    {
        private static readonly Regex Link = new Regex(@"\[([^\]]*)\]\(([^)\s]*)\)");
        private static readonly Regex ListItem = new Regex(@"^\s*([-*+]|\d+[.)])\s+(.*)$");
        private static readonly Regex Bold = new Regex(@"\*\*(?=\S)(.+?)(?<=\S)\*\*");

        /// <summary>
        /// Bold markers go; a link keeps its text, plus its address when that is absolute (a link to a
        /// sibling page, such as Stop-EvalRun.md, means nothing in a console). Backticks stay: they mark code.
        /// </summary>
        internal static string ToPlain(string text)
        {
            text = Link.Replace(text, match =>
            {
                string label = match.Groups[1].Value, address = match.Groups[2].Value;
                bool absolute = Uri.TryCreate(address, UriKind.Absolute, out _);
                return !absolute || label == address ? label : $"{label} ({address})";
            });
            return Bold.Replace(text, "$1");
        }

        /// <summary>A paragraph's lines as prose and list items, soft line breaks joined by spaces.</summary>
        internal static List<TextSegment> Segments(Block paragraph)
        {
            var segments = new List<TextSegment>();
            string marker = "";
            var words = new List<string>();
            void End()
            {
                if (words.Count > 0) segments.Add(new TextSegment(marker, ToPlain(string.Join(" ", words))));
                words.Clear();
            }

            foreach (var line in paragraph.Lines)
            {
                var item = ListItem.Match(line);
                if (item.Success)
                {
                    End();
                    marker = item.Groups[1].Value + " ";
                    words.Add(item.Groups[2].Value.Trim());
                }
                else
                {
                    words.Add(line.Trim());
                }
            }
            End();
            return segments;
        }

        /// <summary>
        /// True when the text still holds a PlatyPS placeholder such as {{ Fill Name Description }} or {{ Add example code
        /// here }}. Eval templates such as {{item.input}} are the API's own syntax and are text, not placeholders.
        /// </summary>
        internal static bool HasPlaceholder(string text) =>
            System.Text.RegularExpressions.Regex.IsMatch(text, @"\{\{\s*(Fill|Insert|Add|Update|Manually)\b");
    }
}
