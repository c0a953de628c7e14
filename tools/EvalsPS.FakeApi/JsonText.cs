using System.Globalization;
using System.Text;

namespace EvalsPS.FakeApi
{
    /// <summary>
    /// A few helpers to write JSON into a StringBuilder. The hot paths (generated runs, list pages,
    /// errors) do not touch System.Text.Json, so the fake stays cheap and loads it only for fixtures.
    /// </summary>
    internal static class JsonText
    {
        internal static StringBuilder Str(this StringBuilder sb, string? value)
        {
            if (value is null) return sb.Append("null");
            sb.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"');
        }

        internal static StringBuilder Num(this StringBuilder sb, long value) =>
            sb.Append(value.ToString(CultureInfo.InvariantCulture));

        internal static StringBuilder Prop(this StringBuilder sb, string name) => sb.Str(name).Append(':');

        internal static string Error(string message, string type, string? code, string? param)
        {
            var sb = new StringBuilder(128 + message.Length);
            sb.Append("{\"error\":{").Prop("message").Str(message)
              .Append(',').Prop("type").Str(type)
              .Append(',').Prop("param").Str(param)
              .Append(',').Prop("code").Str(code)
              .Append("}}");
            return sb.ToString();
        }
    }
}
