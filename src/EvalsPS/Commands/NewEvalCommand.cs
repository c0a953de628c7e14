using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using EvalsPS.Api;

namespace EvalsPS.Commands
{
    /// <summary>
    /// Creates an eval: the shape of its items (a custom item schema, or logs selected by metadata) and its testing
    /// criteria. An eval from Get-Eval piped in is copied: its data source config and criteria bind by property name.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Eval", DefaultParameterSetName = CustomSet, SupportsShouldProcess = true)]
    [OutputType(typeof(Eval))]
    public sealed class NewEvalCommand : EvalsCmdlet
    {
        private const string CustomSet = "Custom";
        private const string LogsSet = "Logs";
        private const string StoredCompletionsSet = "StoredCompletions";
        private const string ConfigSet = "DataSourceConfig";

        /// <summary>The eval's name.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? Name { get; set; }

        /// <summary>Up to 16 string pairs.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public IDictionary? Metadata { get; set; }

        /// <summary>The JSON Schema of each item, as a hashtable or JSON text (a custom data source config).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CustomSet)]
        [ValidateNotNull]
        public object ItemSchema { get; set; } = "";

        /// <summary>Runs also fill the sample namespace (a model answers each item), which criteria may use.</summary>
        [Parameter(ParameterSetName = CustomSet)]
        public SwitchParameter IncludeSampleSchema { get; set; }

        /// <summary>Items come from logs whose metadata matches these pairs (a logs data source config).</summary>
        [Parameter(Mandatory = true, ParameterSetName = LogsSet)]
        [AllowEmptyCollection]
        public IDictionary Logs { get; set; } = new Hashtable();

        /// <summary>Deprecated by the API in favour of -Logs: items from stored completions whose metadata matches.</summary>
        [Parameter(Mandatory = true, ParameterSetName = StoredCompletionsSet)]
        [AllowEmptyCollection]
        public IDictionary StoredCompletions { get; set; } = new Hashtable();

        /// <summary>The whole data_source_config: the DataSourceConfig of an eval from Get-Eval, a hashtable or JSON text.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ConfigSet, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        public object DataSourceConfig { get; set; } = "";

        /// <summary>The graders: hashtables or JSON text in the API's shape, or the TestingCriteria of an eval from Get-Eval.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNull]
        [AllowEmptyCollection]
        public object[] TestingCriteria { get; set; } = Array.Empty<object>();

        protected override void ProcessRecord()
        {
            object config;
            var criteria = new List<object>();
            try
            {
                config = Config();
                // Typed criteria from Get-Eval are written in the API's shape by RequestJson; text is checked here.
                foreach (object criterion in TestingCriteria) criteria.Add(RequestValues.ObjectOrJson(criterion, nameof(TestingCriteria)));
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "InvalidRequestValue", ErrorCategory.InvalidArgument, Name));
                return;
            }

            var body = new OrderedDictionary();
            if (Name != null) body["name"] = Name;
            if (Metadata != null) body["metadata"] = Metadata;
            body["data_source_config"] = config;
            body["testing_criteria"] = criteria;

            string named = Name is null ? "an eval" : $"eval '{DisplayText.Value(Name)}'";
            string graders = criteria.Count == 1 ? "1 testing criterion" : $"{criteria.Count} testing criteria";
            if (!ShouldProcess($"{named} ({graders})", "Create eval")) return;
            try
            {
                WriteObject(Await(Client.CreateEvalAsync(body, CallCancelled)));
            }
            catch (EvalsApiException failure)
            {
                WriteCallError(failure, ApiOperation.CreateEval, null, null);
            }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, "InvalidRequestValue", ErrorCategory.InvalidArgument, Name));
            }
        }

        private object Config()
        {
            switch (ParameterSetName)
            {
                case LogsSet:
                    return new OrderedDictionary { ["type"] = "logs", ["metadata"] = Logs };
                case StoredCompletionsSet:
                    WarnStoredCompletions();
                    return new OrderedDictionary { ["type"] = "stored_completions", ["metadata"] = StoredCompletions };
                case ConfigSet:
                    object value = DataSourceConfig is PSObject wrapped && wrapped.BaseObject is EvalDataSourceConfig ? wrapped.BaseObject : DataSourceConfig;
                    if (value is EvalDataSourceConfig stored && stored.Type == "stored_completions") WarnStoredCompletions();
                    // A config from Get-Eval is written in the API's request shape by RequestJson; text is checked here.
                    return RequestValues.ObjectOrJson(value, nameof(DataSourceConfig));
                default:
                    return new OrderedDictionary
                    {
                        ["type"] = "custom",
                        ["item_schema"] = RequestValues.ObjectOrJson(ItemSchema, nameof(ItemSchema)),
                        ["include_sample_schema"] = IncludeSampleSchema.IsPresent,
                    };
            }
        }

        private void WarnStoredCompletions() =>
            WriteWarning("The stored_completions data source config is deprecated by the API in favour of logs (New-Eval -Logs).");
    }
}
