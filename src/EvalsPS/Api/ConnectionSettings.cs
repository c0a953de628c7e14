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

        /// <summary>
        /// Resolves and checks the settings of one cmdlet call, before any request; throws SettingsException,
        /// naming the setting, when one cannot work or could change what is sent (a line break in a header value).
        /// </summary>
        internal static ConnectionSettings Resolve(
            SecureString? apiKey, Uri? baseUri, string? organization, string? project,
            int maxRetries, int timeoutSec, bool allowUnencryptedAuthentication,
            Func<string, string?> environment)
        {
            var key = ResolveApiKey(apiKey, environment);

            string uriSource = baseUri != null ? "-BaseUri" : "$env:" + BaseUrlVariable;
            var resolvedUri = baseUri ?? ParseBaseUri(environment(BaseUrlVariable)) ?? DefaultBaseUri;
            if (!resolvedUri.IsAbsoluteUri || (resolvedUri.Scheme != Uri.UriSchemeHttps && resolvedUri.Scheme != Uri.UriSchemeHttp))
            {
                throw new SettingsException("InvalidBaseUri",
                    $"The base URI '{Shown(resolvedUri)}' ({uriSource}) is not an absolute http or https address. Pass -BaseUri or set {BaseUrlVariable} " +
                    $"to an address such as {DefaultBaseUri}.");
            }

            // A user name or password would be printed in every -Verbose line and is never sent; a query or
            // fragment would end up inside every request path.
            if (resolvedUri.UserInfo.Length > 0 || resolvedUri.Query.Length > 0 || resolvedUri.Fragment.Length > 0)
            {
                throw new SettingsException("InvalidBaseUri",
                    $"The base URI '{Shown(resolvedUri)}' ({uriSource}) holds a user name or password, a query (?) or a fragment (#). " +
                    $"Give only the scheme, host, port and path, such as {DefaultBaseUri}; the API key goes in -ApiKey or {ApiKeyVariable}.");
            }

            if (resolvedUri.Scheme == Uri.UriSchemeHttp && !resolvedUri.IsLoopback && !allowUnencryptedAuthentication)
            {
                throw new SettingsException("UnencryptedAuthenticationRefused",
                    $"Refusing to send the API key over unencrypted HTTP to '{DisplayText.Value(resolvedUri.Host)}': anyone on the network path could read it. " +
                    "Use an https address, or pass -AllowUnencryptedAuthentication if you accept that risk.");
            }

            return new ConnectionSettings(
                key,
                resolvedUri,
                HeaderValue(organization, "-Organization", environment(OrganizationVariable), OrganizationVariable, "OpenAI-Organization", "InvalidOrganization"),
                HeaderValue(project, "-Project", environment(ProjectVariable), ProjectVariable, "OpenAI-Project", "InvalidProject"),
                maxRetries,
                TimeSpan.FromSeconds(timeoutSec));
        }

        /// <summary>The key in clear, for the Authorization header only; never logged or kept.</summary>
        internal string RevealApiKey() => Reveal(apiKey);

        /// <summary>The shortest start of the key that is hidden where server text holds it (the whole key when shorter).</summary>
        internal const int RedactedPrefix = 16;

        /// <summary>
        /// Server text with every occurrence of the key, or of a prefix of it at least <see cref="RedactedPrefix"/>
        /// characters long, replaced by ****: the key never comes back to the screen from a server that echoes it.
        /// </summary>
        internal string? Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text;
            string key = RevealApiKey();
            if (key.Length == 0) return text;
            string probe = key.Substring(0, Math.Min(key.Length, RedactedPrefix));
            int found = text!.IndexOf(probe, StringComparison.Ordinal);
            if (found < 0) return text;
            var redacted = new System.Text.StringBuilder(text.Length);
            int copied = 0;
            for (; found >= 0; found = text.IndexOf(probe, copied, StringComparison.Ordinal))
            {
                int end = found + probe.Length;
                while (end < text.Length && end - found < key.Length && text[end] == key[end - found]) end++;
                redacted.Append(text, copied, found - copied).Append("****");
                copied = end;
            }
            return redacted.Append(text, copied, text.Length - copied).ToString();
        }

        /// <summary>
        /// -ApiKey when given (even empty), else the environment. Surrounding white space, such as the line break
        /// Get-Content -Raw leaves, is trimmed; anything else that cannot go in a header is refused without showing the key.
        /// </summary>
        private static SecureString ResolveApiKey(SecureString? given, Func<string, string?> environment)
        {
            string source = given != null ? "-ApiKey" : "$env:" + ApiKeyVariable;
            string? text = given != null ? Reveal(given) : environment(ApiKeyVariable);
            if (string.IsNullOrEmpty(text) && given is null)
            {
                throw new SettingsException("ApiKeyMissing",
                    $"No OpenAI API key was found. Pass -ApiKey, or set the {ApiKeyVariable} environment variable, " +
                    $"for example: $env:{ApiKeyVariable} = Read-Host -Prompt 'OpenAI API key' (see Get-Help about_EvalsPS).");
            }

            string trimmed = text!.Trim();
            if (trimmed.Length == 0)
                throw new SettingsException("InvalidApiKey", $"The API key given by {source} is empty or only white space.");
            if (!DisplayText.IsPrintableAscii(trimmed) || trimmed.IndexOf(' ') >= 0)
            {
                throw new SettingsException("InvalidApiKey",
                    $"The API key given by {source} holds a space, a control character or a non-ASCII character, so it cannot be sent; " +
                    "an OpenAI API key is printable ASCII. Check how the key was read (it is not shown here).");
            }
            return trimmed.Length == text.Length && given != null ? given : ToSecureString(trimmed)!;
        }

        /// <summary>An optional header value: the parameter, else the environment; trimmed, printable ASCII only.</summary>
        private static string? HeaderValue(string? given, string parameter, string? fromEnvironment, string variable, string header, string errorId)
        {
            string source = NullIfEmpty(given) != null ? parameter : "$env:" + variable;
            string? text = NullIfEmpty(given) ?? NullIfEmpty(fromEnvironment);
            if (text is null) return null;
            text = text.Trim();
            if (!DisplayText.IsPrintableAscii(text))
            {
                throw new SettingsException(errorId,
                    $"{source} holds '{DisplayText.Value(text)}', which has a control character (such as a line break) or a non-ASCII character " +
                    $"and cannot be sent as the {header} header. Give the id exactly as the OpenAI dashboard shows it.");
            }
            return text;
        }

        private static string Reveal(SecureString secure)
        {
            IntPtr pointer = IntPtr.Zero;
            try
            {
                pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(pointer) ?? "";
            }
            finally
            {
                if (pointer != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        /// <summary>The address as it may be printed: without any user name or password, control characters escaped.</summary>
        private static string Shown(Uri uri) =>
            DisplayText.Safe(uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.AbsoluteUri & ~UriComponents.UserInfo, UriFormat.UriEscaped) : uri.OriginalString,
                DisplayText.MaxMessage);

        /// <summary>Null for null; an empty string gives an empty SecureString, so an empty -ApiKey is refused, not ignored.</summary>
        internal static SecureString? ToSecureString(string? text)
        {
            if (text is null) return null;
            var secure = new SecureString();
            foreach (char c in text!) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }

        public override string ToString() =>
            $"BaseUri={BaseUri}; Organization={Organization ?? "(none)"}; Project={Project ?? "(none)"}; ApiKey=(hidden); MaxRetries={MaxRetries}; Timeout={Timeout.TotalSeconds}s";

        /// <summary>Unset or empty means the default; anything else must be an address (white space alone is refused, not ignored).</summary>
        private static Uri? ParseBaseUri(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (Uri.TryCreate(text!.Trim(), UriKind.Absolute, out var uri)) return uri;
            throw new SettingsException("InvalidBaseUri",
                $"The {BaseUrlVariable} environment variable does not hold an absolute http or https address (its value is not shown: it may hold a password). " +
                $"Set it to an address such as {DefaultBaseUri}, or remove it.");
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
