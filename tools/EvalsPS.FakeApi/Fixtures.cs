using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;

namespace EvalsPS.FakeApi
{
    /// <summary>The run fixtures embedded from Fixtures/*.json, by file name without ".json".</summary>
    public static class Fixtures
    {
        private const string Prefix = "EvalsPS.FakeApi.Fixtures.";
        private const string Suffix = ".json";
        private static readonly Assembly Assembly = typeof(Fixtures).Assembly;

        /// <summary>The fixture names, sorted: "completions-stored-run", "seed-completions-run", ...</summary>
        public static IReadOnlyList<string> Names { get; } = Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(Suffix, StringComparison.Ordinal))
            .Select(n => n.Substring(Prefix.Length, n.Length - Prefix.Length - Suffix.Length))
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToArray();

        /// <summary>The JSON text of a fixture, e.g. Get("seed-completions-run").</summary>
        public static string Get(string name)
        {
            if (name is null) throw new ArgumentNullException(nameof(name));
            using (Stream? stream = Assembly.GetManifestResourceStream(Prefix + name + Suffix))
            {
                if (stream is null)
                    throw new ArgumentException($"No fixture named '{name}'. Known: {string.Join(", ", Names)}.", nameof(name));
                using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
                    return reader.ReadToEnd();
            }
        }
    }
}
