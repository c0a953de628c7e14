using System;
using System.Collections.Generic;
using System.Linq;

namespace EvalsPS.HelpGen
{
    /// <summary>One cmdlet page of the PlatyPS v1 schema (2.0.0), read and checked.</summary>
    internal sealed class CommandHelp
    {
        internal string Name { get; set; } = "";
        internal string ExternalHelpFile { get; set; } = "";
        internal string OnlineVersion { get; set; } = "";
        internal List<TextSegment> Synopsis { get; set; } = new List<TextSegment>();
        internal List<TextSegment> Description { get; set; } = new List<TextSegment>();
        internal List<SyntaxHelp> Syntax { get; } = new List<SyntaxHelp>();
        internal List<ExampleHelp> Examples { get; } = new List<ExampleHelp>();
        internal List<ParameterHelp> Parameters { get; } = new List<ParameterHelp>();
        internal List<TypeHelp> Inputs { get; } = new List<TypeHelp>();
        internal List<TypeHelp> Outputs { get; } = new List<TypeHelp>();
        internal List<TextSegment> Notes { get; set; } = new List<TextSegment>();
        internal List<LinkHelp> Links { get; } = new List<LinkHelp>();

        internal ParameterHelp? FindParameter(string name) =>
            Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

        internal static CommandHelp Parse(MarkdownDocument page) => new CommandPageReader(page).Read();
    }

    /// <summary>The syntax of one parameter set, as the page's SYNTAX code block shows it.</summary>
    internal sealed class SyntaxHelp
    {
        internal SyntaxHelp(string? setName, bool isDefault, int line)
        {
            SetName = setName;
            IsDefault = isDefault;
            Line = line;
        }

        /// <summary>Null when the page has one syntax block and no set headings.</summary>
        internal string? SetName { get; }
        internal bool IsDefault { get; }
        internal int Line { get; }
        internal List<SyntaxParameter> Parameters { get; } = new List<SyntaxParameter>();
    }

    /// <summary>How a syntax line shows a parameter: [-Name] &lt;T&gt; is positional, [-Name &lt;T&gt;] optional, and so on.</summary>
    internal sealed class SyntaxParameter
    {
        internal SyntaxParameter(string name, bool required, bool positional, bool takesValue)
        {
            Name = name;
            Required = required;
            Positional = positional;
            TakesValue = takesValue;
        }

        internal string Name { get; }
        internal bool Required { get; }
        internal bool Positional { get; }
        internal bool TakesValue { get; }
    }

    internal sealed class ExampleHelp
    {
        internal ExampleHelp(string title, string code, List<TextSegment> remarks)
        {
            Title = title;
            Code = code;
            Remarks = remarks;
        }

        internal string Title { get; }
        internal string Code { get; }
        internal List<TextSegment> Remarks { get; }
    }

    internal sealed class ParameterHelp
    {
        internal ParameterHelp(string name, List<TextSegment> description, int line)
        {
            Name = name;
            Description = description;
            Line = line;
        }

        internal string Name { get; }
        internal List<TextSegment> Description { get; }
        internal int Line { get; }

        /// <summary>One entry per ```yaml block: a parameter can differ between sets (mandatory in one, not in another).</summary>
        internal List<ParameterMetadata> Metadata { get; } = new List<ParameterMetadata>();

        internal ParameterMetadata? For(string? setName) =>
            Metadata.FirstOrDefault(m => setName is null || m.AppliesTo(setName));
    }

    /// <summary>The ```yaml block of a parameter.</summary>
    internal sealed class ParameterMetadata
    {
        internal int Line { get; set; }
        internal string Type { get; set; } = "";
        /// <summary>Empty for "(All)".</summary>
        internal List<string> Sets { get; set; } = new List<string>();
        internal List<string> Aliases { get; set; } = new List<string>();
        internal List<string> AcceptedValues { get; set; } = new List<string>();
        internal bool Required { get; set; }
        /// <summary>"named" or a 0-based position.</summary>
        internal string Position { get; set; } = "named";
        internal string DefaultValue { get; set; } = "None";
        internal string PipelineInput { get; set; } = "False";
        internal bool Globbing { get; set; }

        internal bool IsSwitch => Type == "SwitchParameter" || Type == "System.Management.Automation.SwitchParameter";

        internal bool AppliesTo(string setName) =>
            Sets.Count == 0 || Sets.Contains(setName, StringComparer.OrdinalIgnoreCase);
    }

    internal sealed class TypeHelp
    {
        internal TypeHelp(string typeName, List<TextSegment> description)
        {
            TypeName = typeName;
            Description = description;
        }

        internal string TypeName { get; }
        internal List<TextSegment> Description { get; }
    }

    internal sealed class LinkHelp
    {
        internal LinkHelp(string text, string uri)
        {
            Text = text;
            Uri = uri;
        }

        internal string Text { get; }
        internal string Uri { get; }
    }
}
