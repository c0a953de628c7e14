using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using EvalsPS.Api;
using EvalsPS.Serialization;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Starts a run of an eval over items from a JSONL file, from the pipeline, from an uploaded file, or from a
    /// whole data source given as it is. With -Model or -Template a model answers each item first (completions, or
    /// responses with -Api Responses); without them the items are graded as they are (jsonl).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "EvalRun", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(EvalRun))]
    public sealed class NewEvalRunCommand : EvalsCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string ItemSet = "Item";
        private const string FileIdSet = "FileId";
        private const string DataSourceSet = "DataSource";

        // Items from the pipeline, per eval, in the order they came: one run each, started at the end.
        private readonly Dictionary<string, List<JsonFragment>?> piped = new Dictionary<string, List<JsonFragment>?>(StringComparer.Ordinal);
        private readonly List<string> pipedOrder = new List<string>();
        private List<object>? template;

        /// <summary>The eval to run; an eval from Get-Eval binds by its EvalId.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("eval_id")]
        [ValidateId]
        [ArgumentCompleter(typeof(EvalIdCompleter))]
        public string EvalId { get; set; } = "";

        /// <summary>A JSONL file of items, resolved against the current location; wildcards allowed if they match one file.</summary>
        [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>A JSONL file of items, taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
        [Alias("LP")]
        [ValidateNotNullOrEmpty]
        public string LiteralPath { get; set; } = "";

        /// <summary>The items, as objects (hashtables, CSV rows): every object piped in becomes an item of one run.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ItemSet)]
        [ValidateNotNull]
        public PSObject[] Item { get; set; } = Array.Empty<PSObject>();

        /// <summary>The id of an uploaded JSONL file of items (a file_id source).</summary>
        [Parameter(Mandatory = true, ParameterSetName = FileIdSet)]
        [ValidateNotNullOrEmpty]
        public string FileId { get; set; } = "";

        /// <summary>The whole data_source of the request, as a hashtable or JSON text.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DataSourceSet)]
        [ValidateNotNull]
        public object DataSource { get; set; } = "";

        /// <summary>The run's name.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Up to 16 string pairs.</summary>
        [Parameter]
        public IDictionary? Metadata { get; set; }

        /// <summary>The model that answers each item, such as gpt-4o-mini.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateNotNullOrEmpty]
        public string? Model { get; set; }

        /// <summary>The prompt: messages as hashtables @{ role = 'user'; content = '{{item.input}}' } or 'role: text' strings.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateNotNullOrEmpty]
        public object[]? Template { get; set; }

        /// <summary>Which API the model is called through: Completions (chat completions, the default) or Responses.</summary>
        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateSet("Completions", "Responses", IgnoreCase = true)]
        public string Api { get; set; } = "Completions";

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateRange(0.0, 2.0)]
        public double? Temperature { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateRange(0.0, 1.0)]
        public double? TopP { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        public long? Seed { get; set; }

        [Parameter(ParameterSetName = PathSet)]
        [Parameter(ParameterSetName = LiteralPathSet)]
        [Parameter(ParameterSetName = ItemSet)]
        [Parameter(ParameterSetName = FileIdSet)]
        [ValidateRange(1, int.MaxValue)]
        public int? MaxCompletionTokens { get; set; }

        /// <summary>Whether a model answers each item first: any of the model parameters given.</summary>
        private bool Samples =>
            Model != null || Template != null || Temperature.HasValue || TopP.HasValue || Seed.HasValue || MaxCompletionTokens.HasValue ||
            MyInvocation.BoundParameters.ContainsKey(nameof(Api));

        private string Kind => !Samples ? "jsonl" : Api.Equals("Responses", StringComparison.OrdinalIgnoreCase) ? "responses" : "completions";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (Template is null) return;
            try
            {
                template = RequestValues.Template(Template);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "InvalidTemplateMessage", ErrorCategory.InvalidArgument, Template));
            }
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case ItemSet:
                    Collect();
                    break;
                case FileIdSet:
                    Create(EvalId, Source(new OrderedDictionary { ["type"] = "file_id", ["id"] = FileId }), $"the items of file '{DisplayText.Value(FileId)}'");
                    break;
                case DataSourceSet:
                    object dataSource;
                    try
                    {
                        dataSource = RequestValues.ObjectOrJson(DataSource, nameof(DataSource));
                    }
                    catch (ArgumentException ex)
                    {
                        ThrowTerminatingError(new ErrorRecord(ex, "InvalidDataSource", ErrorCategory.InvalidArgument, DataSource));
                        return;
                    }
                    Create(EvalId, dataSource, "the data source given");
                    break;
                default:
                    FromFile();
                    break;
            }
        }

        protected override void EndProcessing()
        {
            foreach (string evalId in pipedOrder)
            {
                if (piped[evalId] is List<JsonFragment> items)
                    Create(evalId, Source(FileContent(items)), Count(items.Count) + " from the pipeline");
            }
        }

        private void Collect()
        {
            if (!piped.TryGetValue(EvalId, out var items))
            {
                items = new List<JsonFragment>();
                piped.Add(EvalId, items);
                pipedOrder.Add(EvalId);
            }
            if (items is null) return; // an earlier item was refused: this eval's run is not created
            foreach (var item in Item)
            {
                try
                {
                    items.Add(RequestValues.ItemEntry(item));
                }
                catch (Exception ex) when (ex is FormatException || ex is ArgumentException)
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"Item {(items.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)} for eval '{DisplayText.Value(EvalId)}' cannot be sent: {ex.Message} The run is not created.", ex),
                        "InvalidItem", ErrorCategory.InvalidData, item));
                    piped[EvalId] = null;
                    return;
                }
            }
        }

        private void FromFile()
        {
            string shown = ParameterSetName == PathSet ? Path : LiteralPath;
            string file;
            List<JsonFragment> items;
            try
            {
                file = ResolveFile();
                items = RequestValues.ReadJsonl(file, shown);
            }
            catch (FormatException ex)
            {
                WriteError(new ErrorRecord(new FormatException(ex.Message + " Nothing was sent.", ex), "InvalidJsonlLine", ErrorCategory.InvalidData, shown));
                return;
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, shown));
                return;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                WriteError(new ErrorRecord(ex, "FileNotRead", ErrorCategory.ReadError, shown));
                return;
            }
            Create(EvalId, Source(FileContent(items)), $"{Count(items.Count)} from '{shown}'");
        }

        /// <summary>The file -Path or -LiteralPath names, as PowerShell resolves provider paths (relative to the current location).</summary>
        private string ResolveFile()
        {
            ProviderInfo provider;
            string file;
            if (ParameterSetName == PathSet)
            {
                var files = SessionState.Path.GetResolvedProviderPathFromPSPath(Path, out provider);
                if (files.Count != 1)
                    throw new ArgumentException($"-Path '{Path}' matches {files.Count} files; give one file.");
                file = files[0];
            }
            else
            {
                file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(LiteralPath, out provider, out _);
            }
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"'{file}' is a {provider.Name} path, not a file.");
            if (!File.Exists(file)) throw new FileNotFoundException($"Cannot find the file '{file}'.", file);
            return file;
        }

        private static OrderedDictionary FileContent(List<JsonFragment> items) =>
            new OrderedDictionary { ["type"] = "file_content", ["content"] = items };

        private static string Count(int items) => items == 1 ? "1 item" : $"{items} items";

        /// <summary>The data source around a source: jsonl, or completions/responses with the model, prompt and sampling.</summary>
        private OrderedDictionary Source(OrderedDictionary source)
        {
            var dataSource = new OrderedDictionary { ["type"] = Kind };
            if (Samples)
            {
                if (Model != null) dataSource["model"] = Model;
                if (template != null) dataSource["input_messages"] = new OrderedDictionary { ["type"] = "template", ["template"] = template };
                var sampling = new OrderedDictionary();
                if (Temperature.HasValue) sampling["temperature"] = Temperature.Value;
                if (TopP.HasValue) sampling["top_p"] = TopP.Value;
                if (Seed.HasValue) sampling["seed"] = Seed.Value;
                // The request schema's spelling for runs (the API's examples echo max_completions_tokens).
                if (MaxCompletionTokens.HasValue) sampling["max_completion_tokens"] = MaxCompletionTokens.Value;
                if (sampling.Count > 0) dataSource["sampling_params"] = sampling;
            }
            dataSource["source"] = source;
            return dataSource;
        }

        private void Create(string evalId, object dataSource, string items)
        {
            var body = new OrderedDictionary();
            if (Name != null) body["name"] = Name;
            if (Metadata != null) body["metadata"] = Metadata;
            body["data_source"] = dataSource;

            string model = Model != null ? $", model '{DisplayText.Value(Model)}'" : "";
            string kind = ParameterSetName == DataSourceSet ? "" : $" ({Kind})";
            if (!ShouldProcess($"eval '{DisplayText.Value(evalId)}': {items}{model}{kind}", "Create eval run")) return;

            try
            {
                WriteObject(Await(Client.CreateRunAsync(evalId, body, CallCancelled)));
            }
            catch (EvalsApiException failure)
            {
                WriteCallError(failure, ApiOperation.CreateRun, evalId, null);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "InvalidRequestValue", ErrorCategory.InvalidArgument, evalId));
            }
        }
    }
}
