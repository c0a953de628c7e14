using System.Collections.Generic;
using System.Linq;
using System.Xml;
using System.Xml.Linq;

namespace EvalsPS.HelpGen
{
    /// <summary>
    /// Writes the MAML that Get-Help reads for binary cmdlets, element for element as PlatyPS's
    /// New-ExternalHelp does, so the result is the same whichever tool made it.
    /// </summary>
    internal static class MamlWriter
    {
        private static readonly XNamespace Msh = "http://msh";
        private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        private static readonly XNamespace MsHelp = "http://msdn.microsoft.com/mshelp";

        /// <summary>The link text PlatyPS gives the page's "online version", which Get-Help -Online opens.</summary>
        private const string OnlineVersionLinkText = "Online Version:";

        internal static void Write(IEnumerable<CommandHelp> commands, string path)
        {
            var document = new XDocument(
                new XDeclaration("1.0", "utf-8", null),
                new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(CommandElement)));
            var settings = new XmlWriterSettings { Indent = true, IndentChars = "  ", Encoding = new System.Text.UTF8Encoding(false) };
            using var writer = XmlWriter.Create(path, settings);
            document.Save(writer);
        }

        private static XElement CommandElement(CommandHelp command)
        {
            int dash = command.Name.IndexOf('-');
            var links = command.Links.ToList();
            if (command.OnlineVersion.Length > 0) links.Insert(0, new LinkHelp(OnlineVersionLinkText, command.OnlineVersion));

            return new XElement(Command + "command",
                new XAttribute(XNamespace.Xmlns + "maml", Maml),
                new XAttribute(XNamespace.Xmlns + "command", Command),
                new XAttribute(XNamespace.Xmlns + "dev", Dev),
                new XAttribute(XNamespace.Xmlns + "MSHelp", MsHelp),
                new XElement(Command + "details",
                    new XElement(Command + "name", command.Name),
                    new XElement(Command + "verb", dash > 0 ? command.Name.Substring(0, dash) : command.Name),
                    new XElement(Command + "noun", dash > 0 ? command.Name.Substring(dash + 1) : ""),
                    new XElement(Maml + "description", Paragraphs(command.Synopsis))),
                new XElement(Maml + "description", Paragraphs(command.Description)),
                new XElement(Command + "syntax", command.Syntax.Select(syntax => SyntaxItem(command, syntax))),
                new XElement(Command + "parameters", command.Parameters.Select(p => Parameter(p, p.Metadata[0], inSyntax: false))),
                new XElement(Command + "inputTypes", command.Inputs.Select(type => TypeEntry("inputType", type))),
                new XElement(Command + "returnValues", command.Outputs.Select(type => TypeEntry("returnValue", type))),
                new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(command.Notes))),
                new XElement(Command + "examples", command.Examples.Select(Example)),
                new XElement(Command + "relatedLinks", links.Select(Link)));
        }

        /// <summary>A set's parameters in the order its syntax line shows them.</summary>
        private static XElement SyntaxItem(CommandHelp command, SyntaxHelp syntax) =>
            new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", command.Name),
                syntax.Parameters.Select(shown =>
                {
                    var parameter = command.FindParameter(shown.Name)!;
                    return Parameter(parameter, parameter.For(syntax.SetName)!, inSyntax: true);
                }));

        private static XElement Parameter(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
        {
            string type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
            return new XElement(Command + "parameter",
                new XAttribute("required", Lower(metadata.Required)),
                new XAttribute("variableLength", "true"),
                new XAttribute("globbing", Lower(metadata.Globbing)),
                new XAttribute("pipelineInput", metadata.PipelineInput),
                new XAttribute("position", metadata.Position),
                new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
                new XElement(Maml + "name", parameter.Name),
                new XElement(Maml + "description", Paragraphs(parameter.Description)),
                inSyntax && metadata.AcceptedValues.Count > 0
                    ? new XElement(Command + "parameterValueGroup", metadata.AcceptedValues.Select(value =>
                        new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute("variableLength", "false"), value)))
                    : null,
                // A switch takes no value, so the syntax shows it as [-Name] alone.
                inSyntax && metadata.IsSwitch
                    ? null
                    : new XElement(Command + "parameterValue",
                        new XAttribute("required", Lower(!metadata.IsSwitch)), new XAttribute("variableLength", "false"), type),
                new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")),
                new XElement(Dev + "defaultValue", metadata.IsSwitch && metadata.DefaultValue == "None" ? "False" : metadata.DefaultValue));
        }

        private static XElement TypeEntry(string element, TypeHelp type) =>
            new XElement(Command + element,
                new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
                new XElement(Maml + "description", Paragraphs(type.Description)));

        private static XElement Example(ExampleHelp example) =>
            new XElement(Command + "example",
                new XElement(Maml + "title", PadTitle(example.Title)),
                new XElement(Dev + "code", example.Code),
                new XElement(Dev + "remarks", Paragraphs(example.Remarks)));

        /// <summary>PlatyPS's link rule: a relative address (a sibling .md page) means nothing to Get-Help, so it is left empty.</summary>
        private static XElement Link(LinkHelp link) =>
            new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", link.Text),
                new XElement(Maml + "uri", System.Uri.TryCreate(link.Uri, System.UriKind.Absolute, out _) ? link.Uri : ""));

        private static IEnumerable<XElement> Paragraphs(IEnumerable<TextSegment> segments) =>
            segments.Select(segment => new XElement(Maml + "para", segment.ToString()));

        /// <summary>"Example 1: x" becomes "-------- Example 1: x --------", 64 wide, as PlatyPS and PowerShell's own help show titles.</summary>
        private static string PadTitle(string title)
        {
            if (title.Length >= 62) return title;
            string dashes = new string('-', (64 - title.Length - 2) / 2);
            return $"{dashes} {title} {dashes}";
        }

        private static string Lower(bool value) => value ? "true" : "false";
    }
}
