using System;
using System.Collections;
using System.Management.Automation;
using System.Reflection;
using System.Text;
using EvalsPS.Api;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>
    /// What the module's views (EvalsPS.format.ps1xml) show for text that came from the server or a model: control
    /// characters and bidirectional overrides escaped as \uXXXX, so that a name, a message or a model's answer never
    /// drives the terminal (no colour, no cursor moves, no window title, no clipboard write by OSC 52). The objects'
    /// own property values stay exact, for export and ConvertTo-Json; only what a view prints is escaped.
    /// </summary>
    public static class ViewText
    {
        private static readonly MethodInfo JsonMethod = typeof(ViewText).GetMethod(nameof(Json))!;

        /// <summary>The value as a view shows it, escaped; tab and line feed stay (Format-List shows them as lines).</summary>
        public static string Text(object? value) => DisplayText.Lines(Plain(value));

        /// <summary>The value on one line, as a table cell shows it: each run of white space as one space, then escaped.</summary>
        public static string Line(object? value)
        {
            string text = Plain(value);
            var line = new StringBuilder(text.Length);
            bool space = false;
            foreach (char c in text)
            {
                if (char.IsWhiteSpace(c)) { space = true; continue; }
                if (space && line.Length > 0) line.Append(' ');
                space = false;
                line.Append(c);
            }
            return DisplayText.Lines(line.ToString());
        }

        /// <summary>
        /// Free-form JSON read back from its PowerShell values as compact JSON text (what an output item's
        /// DatasourceItem shows in Export-Csv and views, through ToString). Exact: JSON escapes control characters itself.
        /// </summary>
        public static string Json(PSObject instance) => JsonText(instance);

        /// <remarks>
        /// Written by the same writer as request bodies. A value that no JSON can hold (a NaN a script put there, or
        /// nesting past RequestJson's limit) is shown as its plain ToString (not PowerShellValues.Describe, which calls
        /// back here for a dictionary): a ToString must not throw.
        /// </remarks>
        internal static string JsonText(object? value)
        {
            try
            {
                return Encoding.UTF8.GetString(RequestJson.Serialize(value));
            }
            catch (ArgumentException)
            {
                return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }

        /// <summary>
        /// The value, with a ToString that gives <see cref="Json"/> when it is a JSON object (a PSCustomObject or the
        /// dictionary PowerShellValues uses for keys a PSCustomObject cannot hold), so Export-Csv and views show JSON
        /// text instead of "@{input=hi; nested=}". The text is made only when asked for.
        /// </summary>
        internal static object? WithJsonText(object? value)
        {
            if (!(value is PSObject) && !(value is IDictionary)) return value;
            var wrapped = PSObject.AsPSObject(value!);
            wrapped.Methods.Add(new PSCodeMethod("ToString", JsonMethod));
            return wrapped;
        }

        private static string Plain(object? value) => value switch
        {
            null => "",
            string text => text,
            PSObject wrapped when wrapped.BaseObject is object?[] items => PowerShellValues.Describe(items),
            _ => PowerShellValues.Describe(value),
        };
    }
}
