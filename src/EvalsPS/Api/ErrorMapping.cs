using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace EvalsPS.Api
{
    /// <summary>The calls the cmdlets make, so an error can say which failed.</summary>
    internal enum ApiOperation
    {
        GetRun,
        ListRuns,
        CancelRun,
        DeleteRun,
        GetEval,
        ListEvals,
        GetOutputItem,
        ListOutputItems,
        CreateEval,
        UpdateEval,
        DeleteEval,
        CreateRun,
    }

    /// <summary>The one mapping from a failure to the ErrorRecord a user sees.</summary>
    internal static class ErrorMapping
    {
        internal static ErrorRecord ForSettings(SettingsException failure) =>
            new ErrorRecord(failure, failure.ErrorId, failure.ErrorId switch
            {
                "ApiKeyMissing" => ErrorCategory.AuthenticationError,
                "UnencryptedAuthenticationRefused" => ErrorCategory.SecurityError,
                _ => ErrorCategory.InvalidArgument,
            }, null);

        /// <summary>
        /// The target is the output item id for an item, else the run id, else the eval id (a listing of runs);
        /// a listing of evals has none. The record holds a new public exception whose message is bounded and
        /// escaped (ids and server text may be long or hold terminal escapes); its properties keep the full values.
        /// </summary>
        internal static ErrorRecord ForCall(EvalsApiException failure, ApiOperation operation, string? evalId, string? runId, string? outputItemId = null)
        {
            var (errorId, category) = Classify(failure, operation);
            string subject = operation == ApiOperation.CreateRun ? $"Creating a run of eval '{DisplayText.Value(evalId)}'"
                : operation == ApiOperation.CreateEval ? "Creating an eval"
                : outputItemId != null ? $"Output item '{DisplayText.Value(outputItemId)}' of run '{DisplayText.Value(runId)}' of eval '{DisplayText.Value(evalId)}'"
                : runId != null ? $"Run '{DisplayText.Value(runId)}' of eval '{DisplayText.Value(evalId)}'"
                : evalId != null ? $"Eval '{DisplayText.Value(evalId)}'"
                : "Listing evals";
            var details = new List<string>();
            if (failure.StatusCode is int status) details.Add(DisplayText.Value($"HTTP {status} {failure.ReasonPhrase}".TrimEnd()));
            if (failure.ErrorType != null) details.Add("type " + DisplayText.Value(failure.ErrorType));
            if (failure.ErrorCode != null) details.Add("code " + DisplayText.Value(failure.ErrorCode));
            if (failure.Param != null) details.Add("param " + DisplayText.Value(failure.Param));
            if (failure.RequestId != null) details.Add("request id " + DisplayText.Value(failure.RequestId));
            if (failure.Attempts > 1) details.Add($"after {failure.Attempts} attempts");

            string message = $"{subject}: {DisplayText.Safe(failure.Message, DisplayText.MaxMessage)}" + (details.Count > 0 ? $" ({string.Join("; ", details)})" : "");
            if (failure.MayExist) message += MayExistAdvice(operation, evalId);
            var shown = new EvalsApiException(failure.Kind, message, failure.InnerException)
            {
                StatusCode = failure.StatusCode,
                ReasonPhrase = failure.ReasonPhrase,
                ApiMessage = failure.ApiMessage,
                ErrorType = failure.ErrorType,
                ErrorCode = failure.ErrorCode,
                Param = failure.Param,
                RequestId = failure.RequestId,
                Location = failure.Location,
                Attempts = failure.Attempts,
            };
            var record = new ErrorRecord(shown, errorId, category, (object?)outputItemId ?? runId ?? evalId);
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = RecommendedAction(failure, errorId) };
            return record;
        }

        /// <summary>Wait-EvalRun's -Timeout passed before the run reached a terminal status; the run goes on.</summary>
        internal static ErrorRecord ForWaitTimeout(string evalId, string runId, string? lastStatus, int timeoutSec)
        {
            string message = $"Run '{DisplayText.Value(runId)}' of eval '{DisplayText.Value(evalId)}' did not finish within {timeoutSec} s (-Timeout); " +
                             (lastStatus is null ? "no poll answered in time." : $"its last status was '{DisplayText.Value(lastStatus)}'.") +
                             " The run goes on: wait again, or stop it with Stop-EvalRun.";
            var record = new ErrorRecord(new TimeoutException(message), "WaitTimeout", ErrorCategory.OperationTimeout, runId);
            record.ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Wait again with a longer -Timeout, or check the run's report." };
            return record;
        }

        /// <summary>What a create that may have reached the server must say: that it may have worked, and how to look.</summary>
        private static string MayExistAdvice(ApiOperation operation, string? evalId) => operation == ApiOperation.CreateRun
            ? $" The request may have reached the server, so the run may exist; it was not sent again, so that no second run starts. " +
              $"Look for it with Get-EvalRun -EvalId '{DisplayText.Value(evalId)}' -First 5 before you create it again."
            : " The request may have reached the server, so the eval may exist; it was not sent again, so that no second eval is made. " +
              "Look for it with Get-Eval -First 5 before you create it again.";

        private static (string, ErrorCategory) Classify(EvalsApiException failure, ApiOperation operation)
        {
            // Before the kind: a create whose outcome is unknown is that, whatever broke.
            if (failure.MayExist)
                return (operation == ApiOperation.CreateEval ? "EvalMayExist" : "EvalRunMayExist", ErrorCategory.InvalidResult);
            switch (failure.Kind)
            {
                case FailureKind.Timeout: return ("RequestTimedOut", ErrorCategory.OperationTimeout);
                case FailureKind.ConnectionFailed: return ("ConnectionFailed", ErrorCategory.ConnectionError);
                case FailureKind.InvalidJsonResponse: return ("InvalidJsonResponse", ErrorCategory.InvalidResult);
                case FailureKind.UnsafeAddress: return ("UnsafeId", ErrorCategory.InvalidArgument);
                case FailureKind.Redirect: return ("UnexpectedRedirect", ErrorCategory.InvalidResult);
                case FailureKind.RepeatedCursor: return ("RepeatedListCursor", ErrorCategory.InvalidResult);
                case FailureKind.NotDeleted: return (operation == ApiOperation.DeleteEval ? "EvalNotDeleted" : "EvalRunNotDeleted", ErrorCategory.InvalidResult);
                case FailureKind.ResponseTooLarge: return ("ResponseTooLarge", ErrorCategory.LimitsExceeded);
                case FailureKind.HtmlResponse: return ("HtmlResponse", CategoryFor(failure.StatusCode));
                case FailureKind.EmptyResponse: return ("EmptyResponse", CategoryFor(failure.StatusCode));
                case FailureKind.UnreadableErrorResponse: return ("UnreadableErrorResponse", CategoryFor(failure.StatusCode));
            }

            int status = failure.StatusCode ?? 0;
            if (status == 404 && NotFound(operation) is string notFound) return (notFound, ErrorCategory.ObjectNotFound);
            if (operation == ApiOperation.CancelRun && (status == 400 || status == 409))
                return ("EvalRunNotCancelable", ErrorCategory.InvalidOperation);
            return (status switch
            {
                400 => "BadRequest",
                401 => "AuthenticationFailed",
                403 => "PermissionDenied",
                408 => "RequestTimeout",
                409 => "Conflict",
                422 => "UnprocessableEntity",
                429 => "RateLimitExceeded",
                _ when status >= 500 => "ServerError",
                _ => "HttpError",
            }, CategoryFor(status));
        }

        /// <summary>What a 404 says is missing: the resource the call's path ends at (a listing's, its parent); none for the evals listing.</summary>
        private static string? NotFound(ApiOperation operation) => operation switch
        {
            ApiOperation.GetEval or ApiOperation.ListRuns or ApiOperation.UpdateEval or ApiOperation.DeleteEval or ApiOperation.CreateRun => "EvalNotFound",
            ApiOperation.GetRun or ApiOperation.CancelRun or ApiOperation.DeleteRun or ApiOperation.ListOutputItems => "EvalRunNotFound",
            ApiOperation.GetOutputItem => "EvalRunOutputItemNotFound",
            ApiOperation.ListEvals or ApiOperation.CreateEval => null,
            _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "An operation without a 404 mapping."),
        };

        private static ErrorCategory CategoryFor(int? status) => status switch
        {
            400 => ErrorCategory.InvalidArgument,
            401 => ErrorCategory.AuthenticationError,
            403 => ErrorCategory.PermissionDenied,
            404 => ErrorCategory.ObjectNotFound,
            408 => ErrorCategory.OperationTimeout,
            409 => ErrorCategory.ResourceBusy,
            422 => ErrorCategory.InvalidArgument,
            429 => ErrorCategory.LimitsExceeded,
            int s when s >= 500 => ErrorCategory.ConnectionError,
            _ => ErrorCategory.InvalidOperation,
        };

        private static string? RecommendedAction(EvalsApiException failure, string errorId) => errorId switch
        {
            "AuthenticationFailed" => "Check the API key: -ApiKey, or $env:OPENAI_API_KEY.",
            "PermissionDenied" => "Check that the key, organization and project may use this eval.",
            "RateLimitExceeded" => "Wait and try again, or raise -MaxRetries.",
            "RequestTimedOut" => "Try again, or raise -TimeoutSec.",
            "HtmlResponse" or "UnexpectedRedirect" => "Check -BaseUri / $env:OPENAI_BASE_URL and any proxy between you and the API.",
            "ConnectionFailed" => "Check the network and -BaseUri / $env:OPENAI_BASE_URL.",
            "EvalRunMayExist" => "List the eval's newest runs (Get-EvalRun -First 5) and create the run again only if it is not there.",
            "EvalMayExist" => "List the newest evals (Get-Eval -First 5) and create the eval again only if it is not there.",
            _ => null,
        };
    }
}
