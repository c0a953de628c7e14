using System.Collections.Generic;
using EvalsPS.Serialization;

namespace EvalsPS
{
    /// <summary>
    /// One message: of a template, or given to a grader. Content is always a list of parts, whatever the API sent
    /// (a string, one part, or an array of parts), so a script treats every message alike: $m.Content | Format-Table,
    /// $m.Content[0].Text. A string is one input_text part, as the API itself echoes a short message back.
    /// </summary>
    public sealed class EvalRunMessage
    {
        internal EvalRunMessage(JsonFields json)
        {
            Type = json.String("type");
            Role = json.String("role");
            Content = json.OneOrMany("content", EvalRunContentPart.Read, text => new InputTextContent(text));
            Phase = json.String("phase");
            AdditionalProperties = json.Rest();
        }

        /// <summary>message, when the API says so.</summary>
        public string? Type { get; }

        /// <summary>user, assistant, system or developer.</summary>
        public string? Role { get; }

        /// <summary>The parts of the content: InputTextContent, OutputTextContent, InputImageContent, InputAudioContent, InputFileContent, or EvalRunContentPart for a kind this version does not know.</summary>
        public EvalsList<EvalRunContentPart>? Content { get; }

        /// <summary>commentary or final_answer (assistant messages of the Responses API).</summary>
        public string? Phase { get; }

        public AdditionalProperties? AdditionalProperties { get; }

        /// <summary>The text of the content's text parts, one line each; templates such as {{item.input}} as written.</summary>
        public string? Text
        {
            get
            {
                if (Content is null) return null;
                var lines = new List<string>();
                foreach (var part in Content)
                    if (part is TextContent text && text.Text != null) lines.Add(text.Text);
                return string.Join("\n", lines);
            }
        }

        public override string ToString() => $"{Role}: {(Content is null ? "" : Content.ToString())}";
    }

    /// <summary>
    /// One part of a message's content, told by Type. A kind this version does not know reads into this class, with
    /// its fields in AdditionalProperties.
    /// </summary>
    public class EvalRunContentPart : ApiObject
    {
        internal EvalRunContentPart(JsonFields json) => Type = json.String("type");

        private protected EvalRunContentPart(string type) => Type = type;

        /// <summary>Reads the class that the "type" field names.</summary>
        internal static EvalRunContentPart Read(JsonFields json) => ReadKind(json, static (kind, json) => kind switch
        {
            "input_text" => new InputTextContent(json),
            "output_text" => new OutputTextContent(json),
            "input_image" => new InputImageContent(json),
            "input_audio" => new InputAudioContent(json),
            "input_file" => new InputFileContent(json),
            _ => new EvalRunContentPart(json),
        });

        public string? Type { get; }

        public override string ToString() => AdditionalProperties is null ? $"[{Type}]" : $"[{Type}: {AdditionalProperties}]";
    }

    /// <summary>What the two text parts have in common.</summary>
    public abstract class TextContent : EvalRunContentPart
    {
        private protected TextContent(JsonFields json) : base(json) => Text = json.String("text");

        private protected TextContent(string type, string text) : base(type) => Text = text;

        /// <summary>The text; templates such as {{item.input}} are kept as written.</summary>
        public string? Text { get; }

        public override string ToString() => Text ?? "";
    }

    /// <summary>A part of type input_text (also what a message's plain-string content reads as).</summary>
    public sealed class InputTextContent : TextContent
    {
        internal InputTextContent(JsonFields json) : base(json) =>
            PromptCacheBreakpoint = json.Object("prompt_cache_breakpoint", breakpoint => new PromptCacheBreakpoint(breakpoint));

        internal InputTextContent(string text) : base("input_text", text) { }

        public PromptCacheBreakpoint? PromptCacheBreakpoint { get; }
    }

    /// <summary>A part of type output_text: text the model is shown as its own earlier answer.</summary>
    public sealed class OutputTextContent : TextContent
    {
        internal OutputTextContent(JsonFields json) : base(json) { }
    }

    /// <summary>A part of type input_image: an image by URL (or data URL) or by file id.</summary>
    public sealed class InputImageContent : EvalRunContentPart
    {
        internal InputImageContent(JsonFields json) : base(json)
        {
            ImageUrl = json.String("image_url");
            FileId = json.String("file_id");
            Detail = json.String("detail");
            PromptCacheBreakpoint = json.Object("prompt_cache_breakpoint", breakpoint => new PromptCacheBreakpoint(breakpoint));
        }

        public string? ImageUrl { get; }
        public string? FileId { get; }

        /// <summary>low, high, auto or original.</summary>
        public string? Detail { get; }

        public PromptCacheBreakpoint? PromptCacheBreakpoint { get; }

        public override string ToString() => $"[image {ImageUrl ?? FileId}]";
    }

    /// <summary>A part of type input_audio.</summary>
    public sealed class InputAudioContent : EvalRunContentPart
    {
        internal InputAudioContent(JsonFields json) : base(json) =>
            InputAudio = json.Object("input_audio", audio => new EvalRunInputAudio(audio));

        public EvalRunInputAudio? InputAudio { get; }

        public override string ToString() => $"[audio {InputAudio}]";
    }

    /// <summary>The audio of an input_audio part.</summary>
    public sealed class EvalRunInputAudio : ApiObject
    {
        internal EvalRunInputAudio(JsonFields json)
        {
            Data = json.String("data");
            Format = json.String("format");
            AdditionalProperties = json.Rest();
        }

        /// <summary>The audio, base64-encoded.</summary>
        public string? Data { get; }

        /// <summary>mp3 or wav.</summary>
        public string? Format { get; }

        public override string ToString() => $"{Format}, {Data?.Length ?? 0} characters";
    }

    /// <summary>A part of type input_file: a file by id, URL or inline data.</summary>
    public sealed class InputFileContent : EvalRunContentPart
    {
        internal InputFileContent(JsonFields json) : base(json)
        {
            FileId = json.String("file_id");
            Filename = json.String("filename");
            FileData = json.String("file_data");
            FileUrl = json.String("file_url");
            Detail = json.String("detail");
            PromptCacheBreakpoint = json.Object("prompt_cache_breakpoint", breakpoint => new PromptCacheBreakpoint(breakpoint));
        }

        public string? FileId { get; }
        public string? Filename { get; }

        /// <summary>The file's content, base64-encoded.</summary>
        public string? FileData { get; }

        public string? FileUrl { get; }

        /// <summary>auto, low or high.</summary>
        public string? Detail { get; }

        public PromptCacheBreakpoint? PromptCacheBreakpoint { get; }

        public override string ToString() => $"[file {Filename ?? FileId ?? FileUrl}]";
    }

    /// <summary>Marks the end of a reusable prompt prefix.</summary>
    public sealed class PromptCacheBreakpoint : ApiObject
    {
        internal PromptCacheBreakpoint(JsonFields json)
        {
            Mode = json.String("mode");
            AdditionalProperties = json.Rest();
        }

        /// <summary>explicit.</summary>
        public string? Mode { get; }

        public override string ToString() => Mode ?? "";
    }
}
