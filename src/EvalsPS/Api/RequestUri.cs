using System;

namespace EvalsPS.Api
{
    /// <summary>
    /// Builds request addresses so that an id always stays one path segment. System.Uri removes the
    /// dot segments "." and "..", which would turn a run id of ".." into the eval's own path, so such a
    /// segment is refused on every runtime. Where the runtime can keep the path as written (.NET 6+,
    /// PowerShell 7.2+), it does; elsewhere an address whose path would still be rewritten is refused
    /// rather than sent.
    /// </summary>
    internal static class RequestUri
    {
        private static readonly Func<string, Uri>? Verbatim = VerbatimFactory();

        internal static Uri Create(Uri baseUri, string relativePathAndQuery)
        {
            string relativePath = relativePathAndQuery.Split('?')[0];
            foreach (string segment in relativePath.Split('/'))
            {
                if (segment == "." || segment == "..")
                {
                    throw new EvalsApiException(FailureKind.UnsafeAddress,
                        $"The id '{segment}' cannot be sent: a path segment of '.' or '..' is removed from the address, which would then reach another endpoint. Nothing was sent.");
                }
            }
            string text = baseUri.AbsoluteUri.TrimEnd('/') + "/" + relativePathAndQuery;
            var uri = Verbatim?.Invoke(text) ?? new Uri(text);
            string intendedPath = baseUri.AbsolutePath.TrimEnd('/') + "/" + relativePath;
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
