using System;
using System.Globalization;
using System.Text;

namespace EvalsPS.Api
{
    /// <summary>
    /// Text from a server or a user made safe to print: control characters (C0, DEL and C1, which could move the
    /// cursor, recolour a terminal or start an escape sequence such as OSC 52, which writes the clipboard) and the
    /// bidirectional overrides (U+202A-U+202E, U+2066-U+2069, which reorder what follows them) escaped as \uXXXX,
    /// and long text cut with an ellipsis. Escaping the introducer (ESC, or C1 CSI/OSC) is enough to make a whole
    /// sequence print as inert text.
    /// </summary>
    internal static class DisplayText
    {
        /// <summary>The longest message text an error shows; the full text stays in the exception's properties.</summary>
        internal const int MaxMessage = 1000;

        /// <summary>The longest id or short server value an error shows.</summary>
        internal const int MaxValue = 100;

        internal static string Safe(string? text, int max) => Escape(text, max, keepLines: false);

        /// <summary>An id or a short server value, as an error or prompt shows it.</summary>
        internal static string Value(string? text) => Safe(text, MaxValue);

        /// <summary>
        /// Text whose line breaks mean something (a verbose or debug line listing headers, a view of a model's
        /// answer): tab and line feed stay, every other control or bidi override is escaped; nothing is cut.
        /// </summary>
        internal static string Lines(string? text) => Escape(text, int.MaxValue, keepLines: true);

        /// <summary>True when the character would act on the terminal instead of being printed.</summary>
        internal static bool IsUnsafe(char c) =>
            char.IsControl(c) || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');

        /// <summary>True when the text is printable ASCII only (a legal, unambiguous HTTP header value).</summary>
        internal static bool IsPrintableAscii(string text)
        {
            foreach (char c in text)
                if (c < 0x20 || c > 0x7E) return false;
            return true;
        }

        private static string Escape(string? text, int max, bool keepLines)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            if (text!.Length <= max && !NeedsEscape(text, keepLines)) return text;
            var safe = new StringBuilder(Math.Min(text.Length, max) + 16);
            int i = 0;
            for (; i < text.Length && safe.Length < max; i++)
            {
                char c = text[i];
                if (IsUnsafe(c) && !(keepLines && (c == '\n' || c == '\t'))) safe.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else safe.Append(c);
            }
            if (i < text.Length) safe.Append($"... ({text.Length.ToString(CultureInfo.InvariantCulture)} characters in all)");
            return safe.ToString();
        }

        private static bool NeedsEscape(string text, bool keepLines)
        {
            foreach (char c in text)
                if (IsUnsafe(c) && !(keepLines && (c == '\n' || c == '\t'))) return true;
            return false;
        }
    }
}
