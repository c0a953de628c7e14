using System;
using System.Globalization;
using System.Text;

namespace EvalsPS.Api
{
    /// <summary>
    /// Text from a server or a user made safe to print: control characters (which could move the cursor or
    /// recolour a terminal) escaped as \uXXXX, and long text cut with an ellipsis.
    /// </summary>
    internal static class DisplayText
    {
        /// <summary>The longest message text an error shows; the full text stays in the exception's properties.</summary>
        internal const int MaxMessage = 1000;

        /// <summary>The longest id or short server value an error shows.</summary>
        internal const int MaxValue = 100;

        internal static string Safe(string? text, int max)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            var safe = new StringBuilder(Math.Min(text!.Length, max) + 16);
            int i = 0;
            for (; i < text.Length && safe.Length < max; i++)
            {
                char c = text[i];
                if (char.IsControl(c)) safe.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else safe.Append(c);
            }
            if (i < text.Length) safe.Append($"... ({text.Length.ToString(CultureInfo.InvariantCulture)} characters in all)");
            return safe.ToString();
        }

        /// <summary>An id or a short server value, as an error or prompt shows it.</summary>
        internal static string Value(string? text) => Safe(text, MaxValue);

        /// <summary>True when the text is printable ASCII only (a legal, unambiguous HTTP header value).</summary>
        internal static bool IsPrintableAscii(string text)
        {
            foreach (char c in text)
                if (c < 0x20 || c > 0x7E) return false;
            return true;
        }
    }
}
