using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace EvalsPS.Bench;

/// <summary>One line of a result table.</summary>
internal sealed record Row(string Scenario, string EvalsPS, string RawFloor, string OpenAIPackage, string Ratio, string Target, string Verdict);

/// <summary>One plain-text table per mode, with notes (every sample, what was compared) under it.</summary>
internal sealed class Table
{
    private static readonly string[] Headers = { "scenario", "EvalsPS", "raw floor", "OpenAI package", "ratio", "target", "verdict" };

    internal Table(string title) => Title = title;

    internal string Title { get; }
    internal List<Row> Rows { get; } = new();
    internal List<string> Notes { get; } = new();

    internal void Add(Row row) => Rows.Add(row);

    internal void Note(string text) => Notes.Add(text);

    /// <summary>A scenario that could not be measured: an error row, and the exception as a note.</summary>
    internal void Failed(string name, Exception error)
    {
        Add(new Row(name, "-", "-", "-", "-", "-", Verdict.Error));
        Note($"ERROR in {name}: {error}");
    }

    internal bool HasErrors => Rows.Any(r => r.Verdict == Verdict.Error);

    internal void Print(TextWriter output)
    {
        var cells = Rows.Select(r => new[] { r.Scenario, r.EvalsPS, r.RawFloor, r.OpenAIPackage, r.Ratio, r.Target, r.Verdict }).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        string Line(IReadOnlyList<string> values) => "| " + string.Join(" | ", values.Select((v, i) => v.PadRight(widths[i]))) + " |";
        string rule = "|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|";

        output.WriteLine();
        output.WriteLine(Title);
        output.WriteLine(Line(Headers));
        output.WriteLine(rule);
        foreach (var c in cells) output.WriteLine(Line(c));
        if (Notes.Count > 0)
        {
            output.WriteLine();
            foreach (var note in Notes) output.WriteLine("  " + note);
        }
        int met = Rows.Count(r => r.Verdict == Verdict.Met), missed = Rows.Count(r => r.Verdict == Verdict.Missed);
        output.WriteLine();
        output.WriteLine($"  {Title.Split(':')[0]}: {met} target(s) met, {missed} missed{(HasErrors ? ", some measurements FAILED (see ERROR rows)" : "")}.");
        output.Flush();
    }
}

internal static class Verdict
{
    internal const string Met = "MET";
    internal const string Missed = "MISSED";
    internal const string Info = "info";
    internal const string Error = "ERROR";

    internal static string AtMost(double value, double limit) => value <= limit ? Met : Missed;

    internal static string AtLeast(double value, double limit) => value >= limit ? Met : Missed;
}

/// <summary>The samples of one measurement; medians are what the tables show.</summary>
internal sealed class Samples
{
    private readonly List<double> values = new();

    internal Samples(string unit) => Unit = unit;

    internal string Unit { get; }
    internal int Count => values.Count;

    internal void Add(double value) => values.Add(value);

    /// <summary>The sample added last.</summary>
    internal double Last => values[values.Count - 1];

    internal void Clear() => values.Clear();

    internal double Median
    {
        get
        {
            if (values.Count == 0) return double.NaN;
            var sorted = values.OrderBy(v => v).ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }

    internal double Min => values.Count == 0 ? double.NaN : values.Min();
    internal double Max => values.Count == 0 ? double.NaN : values.Max();

    /// <summary>"median 1.23 s of 5 (1.20 .. 1.31)".</summary>
    internal string Describe(Func<double, string> format) =>
        values.Count == 1
            ? format(values[0]) + " (1 sample)"
            : $"median {format(Median)} of {values.Count} (min {format(Min)}, max {format(Max)}; all: {string.Join(", ", values.Select(format))})";
}

internal static class Fmt
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Seconds to "812 µs", "12.3 ms", "1.23 s".</summary>
    internal static string Seconds(double seconds)
    {
        if (double.IsNaN(seconds)) return "-";
        if (seconds < 1e-3) return (seconds * 1e6).ToString("0", Inv) + " µs";
        if (seconds < 1) return (seconds * 1e3).ToString(seconds < 0.1 ? "0.0" : "0", Inv) + " ms";
        return seconds.ToString(seconds < 10 ? "0.00" : "0.0", Inv) + " s";
    }

    internal static string Bytes(double bytes)
    {
        if (double.IsNaN(bytes)) return "-";
        double abs = Math.Abs(bytes);
        if (abs < 1024) return bytes.ToString("0", Inv) + " B";
        if (abs < 1024 * 1024) return (bytes / 1024).ToString("0.0", Inv) + " KiB";
        if (abs >= 10.0 * 1024 * 1024 * 1024) return (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", Inv) + " GiB";
        return (bytes / (1024 * 1024)).ToString("0.0", Inv) + " MiB";
    }

    internal static string Ratio(double ratio) => double.IsNaN(ratio) ? "-" : ratio.ToString("0.00", Inv) + "x";

    internal static string Count(long n) => n.ToString("N0", Inv);
}
