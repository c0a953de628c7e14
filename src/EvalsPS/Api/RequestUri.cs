using System;
using System.Reflection;

namespace EvalsPS.Api
{
    /// <summary>
    /// Builds request addresses so that an id always stays one path segment. System.Uri normally
    /// unescapes %2E and removes dot segments, which would turn a run id of ".." into the eval's own
    /// path. Where the runtime can keep the path as written (.NET 6+, PowerShell 7.2+), it does;
    /// elsewhere an address whose path would be rewritten is refused rather than sent.
    /// </summary>
    internal static class RequestUri
    {
        private static readonly Func<string, Uri>? Verbatim = VerbatimFactory();

        internal static Uri Create(Uri baseUri, string relativePathAndQuery)
        {
            string text = baseUri.AbsoluteUri.TrimEnd('/') + "/" + relativePathAndQuery;
            var uri = Verbatim?.Invoke(text) ?? new Uri(text);
            string intendedPath = baseUri.AbsolutePath.TrimEnd('/') + "/" + relativePathAndQuery.Split('?')[0];
            if (uri.AbsolutePath != intendedPath)
            {
                throw new EvalsApiException(FailureKind.UnsafeAddress,
                    $"The address '{intendedPath}' would be rewritten to '{uri.AbsolutePath}' before sending, reaching another endpoint; it was not sent.");
            }
            return uri;
        }

        private static Func<string, Uri>? VerbatimFactory()
        {
            var optionsType = Type.GetType("System.UriCreationOptions, System.Private.Uri", throwOnError: false)
                ?? Type.GetType("System.UriCreationOptions, System.Runtime", throwOnError: false);
            var property = optionsType?.GetProperty("DangerousDisablePathAndQueryCanonicalization");
            var constructor = optionsType is null ? null : typeof(Uri).GetConstructor(new[] { typeof(string), optionsType.MakeByRefType() });
            if (optionsType is null || property is null || constructor is null) return null;
            object options = Activator.CreateInstance(optionsType)!;
            property.SetValue(options, true);
            return text => (Uri)constructor.Invoke(new[] { text, options });
        }
    }
}
