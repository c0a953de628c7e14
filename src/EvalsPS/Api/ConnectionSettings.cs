using System;
using System.Runtime.InteropServices;
using System.Security;

namespace EvalsPS.Api
{
    /// <summary>
    /// Everything a call needs to reach the API, resolved in this one place:
    /// a parameter first, then the environment variable, then the default.
    /// </summary>
    internal sealed class ConnectionSettings
    {
        internal const string ApiKeyVariable = "OPENAI_API_KEY";
        internal const string BaseUrlVariable = "OPENAI_BASE_URL";
        internal const string OrganizationVariable = "OPENAI_ORG_ID";
        internal const string ProjectVariable = "OPENAI_PROJECT_ID";
        internal static readonly Uri DefaultBaseUri = new Uri("https://api.openai.com/v1");
        internal const int DefaultMaxRetries = 2;
        internal const int DefaultTimeoutSec = 600;
        internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

        private readonly SecureString apiKey;

        private ConnectionSettings(SecureString apiKey, Uri baseUri, string? organization, string? project, int maxRetries, TimeSpan timeout)
        {
            this.apiKey = apiKey;
            BaseUri = baseUri;
            Organization = organization;
            Project = project;
            MaxRetries = maxRetries;
            Timeout = timeout;
        }

        internal Uri BaseUri { get; }
        internal string? Organization { get; }
        internal string? Project { get; }
        internal int MaxRetries { get; }
        internal TimeSpan Timeout { get; }

        /// <summary>Resolves the settings of one cmdlet call; throws SettingsException when none can work.</summary>
        internal static ConnectionSettings Resolve(
            SecureString? apiKey, Uri? baseUri, string? organization, string? project,
            int maxRetries, int timeoutSec, bool allowUnencryptedAuthentication,
            Func<string, string?> environment)
        {
            var key = apiKey is { Length: > 0 } ? apiKey : ToSecureString(environment(ApiKeyVariable));
            if (key is null)
            {
                throw new SettingsException("ApiKeyMissing",
                    $"No OpenAI API key was found. Pass -ApiKey, or set the {ApiKeyVariable} environment variable, " +
                    $"for example: $env:{ApiKeyVariable} = Read-Host -Prompt 'OpenAI API key' (see Get-Help about_EvalsPS).");
            }

            var resolvedUri = baseUri ?? ParseBaseUri(environment(BaseUrlVariable)) ?? DefaultBaseUri;
            if (!resolvedUri.IsAbsoluteUri || (resolvedUri.Scheme != Uri.UriSchemeHttps && resolvedUri.Scheme != Uri.UriSchemeHttp))
            {
                throw new SettingsException("InvalidBaseUri",
                    $"The base URI '{resolvedUri}' is not an absolute http or https address. Pass -BaseUri or set {BaseUrlVariable} " +
                    $"to an address such as {DefaultBaseUri}.");
            }

            if (resolvedUri.Scheme == Uri.UriSchemeHttp && !resolvedUri.IsLoopback && !allowUnencryptedAuthentication)
            {
                throw new SettingsException("UnencryptedAuthenticationRefused",
                    $"Refusing to send the API key over unencrypted HTTP to '{resolvedUri.Host}': anyone on the network path could read it. " +
                    "Use an https address, or pass -AllowUnencryptedAuthentication if you accept that risk.");
            }

            return new ConnectionSettings(
                key,
                resolvedUri,
                NullIfEmpty(organization) ?? NullIfEmpty(environment(OrganizationVariable)),
                NullIfEmpty(project) ?? NullIfEmpty(environment(ProjectVariable)),
                maxRetries,
                TimeSpan.FromSeconds(timeoutSec));
        }

        /// <summary>The key in clear, for the Authorization header only; never logged or kept.</summary>
        internal string RevealApiKey()
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(apiKey);
                return Marshal.PtrToStringUni(pointer) ?? "";
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        internal static SecureString? ToSecureString(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            var secure = new SecureString();
            foreach (char c in text!) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        public override string ToString() =>
            $"BaseUri={BaseUri}; Organization={Organization ?? "(none)"}; Project={Project ?? "(none)"}; ApiKey=(hidden); MaxRetries={MaxRetries}; Timeout={Timeout.TotalSeconds}s";

        private static Uri? ParseBaseUri(string? text)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (Uri.TryCreate(text!.Trim(), UriKind.Absolute, out var uri)) return uri;
            throw new SettingsException("InvalidBaseUri",
                $"The {BaseUrlVariable} environment variable holds '{text}', which is not an absolute http or https address.");
        }

        private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
    }

    /// <summary>Settings that leave nothing to call with: a terminating error for the cmdlet.</summary>
    internal sealed class SettingsException : Exception
    {
        internal SettingsException(string errorId, string message) : base(message) => ErrorId = errorId;

        internal string ErrorId { get; }
    }
}
