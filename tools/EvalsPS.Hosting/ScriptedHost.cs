using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text;

namespace EvalsPS.Hosting
{
    /// <summary>
    /// A PowerShell host that writes what a console would show into a buffer (and optionally to a
    /// TextWriter), answers prompts from a script of choices, and records every prompt it was shown.
    /// </summary>
    public sealed class ScriptedHost : PSHost
    {
        private readonly ScriptedHostUI ui;

        public ScriptedHost(TextWriter? echo = null, int width = 120) => ui = new ScriptedHostUI(echo, width);

        public override string Name => "EvalsPS.ScriptedHost";
        public override Version Version { get; } = new Version(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

        /// <summary>Everything written to the host, as a console would show it.</summary>
        public string Text => ui.Text;

        /// <summary>Choices to answer the next prompts with, by label ("Y", "A", "N", "L") or index.</summary>
        public Queue<string> Answers => ui.Answers;

        /// <summary>The prompts shown, as "caption | message".</summary>
        public IReadOnlyList<string> Prompts => ui.Prompts;

        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }

        private sealed class ScriptedHostUI : PSHostUserInterface
        {
            private readonly StringBuilder text = new StringBuilder();
            private readonly TextWriter? echo;
            private readonly RawUI raw;
            private readonly List<string> prompts = new List<string>();

            internal ScriptedHostUI(TextWriter? echo, int width)
            {
                this.echo = echo;
                raw = new RawUI(width);
            }

            internal Queue<string> Answers { get; } = new Queue<string>();
            internal IReadOnlyList<string> Prompts => prompts;

            internal string Text { get { lock (text) return text.ToString(); } }

            public override PSHostRawUserInterface RawUI => raw;

            public override void Write(string value) => Append(value);
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Append(value);
            public override void WriteLine(string value) => Append(value + "\n");
            public override void WriteErrorLine(string value) => Append(value + "\n");
            public override void WriteDebugLine(string message) => Append("DEBUG: " + message + "\n");
            public override void WriteVerboseLine(string message) => Append("VERBOSE: " + message + "\n");
            public override void WriteWarningLine(string message) => Append("WARNING: " + message + "\n");
            public override void WriteProgress(long sourceId, ProgressRecord record) { }

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
            {
                prompts.Add(caption + " | " + message);
                if (Answers.Count == 0)
                    throw new InvalidOperationException($"Unexpected prompt: {caption} | {message}");
                var answer = Answers.Dequeue();
                if (int.TryParse(answer, out int index)) return index;
                for (int i = 0; i < choices.Count; i++)
                {
                    var label = choices[i].Label;
                    int amp = label.IndexOf('&');
                    if (amp >= 0 && amp + 1 < label.Length && string.Equals(label.Substring(amp + 1, 1), answer, StringComparison.OrdinalIgnoreCase))
                        return i;
                }
                throw new InvalidOperationException($"No choice '{answer}' in prompt {caption}");
            }

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
                throw new InvalidOperationException($"Unexpected prompt for input: {caption} | {message}");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
                throw new InvalidOperationException("Unexpected credential prompt.");
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
                throw new InvalidOperationException("Unexpected credential prompt.");
            public override string ReadLine() => throw new InvalidOperationException("Unexpected ReadLine.");
            public override SecureString ReadLineAsSecureString() => throw new InvalidOperationException("Unexpected ReadLine.");

            private void Append(string value)
            {
                lock (text) text.Append(value);
                echo?.Write(value);
            }
        }

        private sealed class RawUI : PSHostRawUserInterface
        {
            internal RawUI(int width)
            {
                BufferSize = new Size(width, 9999);
                WindowSize = new Size(width, 50);
                MaxWindowSize = WindowSize;
                MaxPhysicalWindowSize = WindowSize;
            }

            public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
            public override Size BufferSize { get; set; }
            public override Coordinates CursorPosition { get; set; }
            public override int CursorSize { get; set; }
            public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
            public override bool KeyAvailable => false;
            public override Size MaxPhysicalWindowSize { get; }
            public override Size MaxWindowSize { get; }
            public override Coordinates WindowPosition { get; set; }
            public override Size WindowSize { get; set; }
            public override string WindowTitle { get; set; } = "";
            public override void FlushInputBuffer() { }
            public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
            public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();
            public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
            public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
            public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
        }
    }
}
