using System;
using System.Collections.Generic;
using System.Security;
using EvalsPS.Api;
using Xunit;

namespace EvalsPS.UnitTests
{
    public sealed class ConnectionSettingsTests
    {
        private const string Key = "sk-unit-0123456789abcdef";

        private static ConnectionSettings Resolve(Dictionary<string, string>? environment = null, string? apiKey = null, string? baseUri = null,
                                                  string? organization = null, string? project = null, bool allowUnencrypted = false) =>
            ConnectionSettings.Resolve(ConnectionSettings.ToSecureString(apiKey), baseUri is null ? null : new Uri(baseUri, UriKind.RelativeOrAbsolute),
                organization, project, ConnectionSettings.DefaultMaxRetries, ConnectionSettings.DefaultTimeoutSec, allowUnencrypted,
                name => environment != null && environment.TryGetValue(name, out var value) ? value : null);

        private static string ErrorId(Action resolve) => Assert.Throws<SettingsException>(resolve).ErrorId;

        [Fact]
        public void Defaults_apply_when_neither_parameter_nor_environment_says()
        {
            var settings = Resolve(apiKey: Key);
            Assert.Equal(new Uri("https://api.openai.com/v1"), settings.BaseUri);
            Assert.Null(settings.Organization);
            Assert.Null(settings.Project);
            Assert.Equal(2, settings.MaxRetries);
            Assert.Equal(TimeSpan.FromSeconds(600), settings.Timeout);
            Assert.Equal(Key, settings.RevealApiKey());
        }

        [Fact]
        public void Blank_organization_and_project_count_as_unset()
        {
            var environment = new Dictionary<string, string> { ["OPENAI_API_KEY"] = Key, ["OPENAI_ORG_ID"] = "org_env", ["OPENAI_PROJECT_ID"] = " " };
            var settings = Resolve(environment, organization: " ", project: "");
            Assert.Equal(Key, settings.RevealApiKey());
            Assert.Equal("org_env", settings.Organization);
            Assert.Null(settings.Project);
        }

        [Fact]
        public void A_blank_key_or_base_address_is_refused_not_replaced_by_another()
        {
            var environment = new Dictionary<string, string> { ["OPENAI_API_KEY"] = Key };
            Assert.Equal("InvalidApiKey", ErrorId(() => Resolve(environment, apiKey: "")));
            Assert.Equal("InvalidBaseUri", ErrorId(() => Resolve(new Dictionary<string, string> { ["OPENAI_API_KEY"] = Key, ["OPENAI_BASE_URL"] = "  " })));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void No_key_is_ApiKeyMissing(string? environmentKey) =>
            Assert.Equal("ApiKeyMissing", ErrorId(() => Resolve(new Dictionary<string, string> { ["OPENAI_API_KEY"] = environmentKey! })));

        [Theory]
        [InlineData("ftp://127.0.0.1/v1")]
        [InlineData("file:///tmp/v1")]
        [InlineData("v1/relative")]
        public void A_base_uri_that_is_not_absolute_http_is_InvalidBaseUri(string uri) =>
            Assert.Equal("InvalidBaseUri", ErrorId(() => Resolve(apiKey: Key, baseUri: uri)));

        [Fact]
        public void Plain_http_is_refused_except_to_this_machine_or_when_allowed()
        {
            Assert.Equal("UnencryptedAuthenticationRefused", ErrorId(() => Resolve(apiKey: Key, baseUri: "http://api.example.com/v1")));
            Assert.Equal("UnencryptedAuthenticationRefused",
                ErrorId(() => Resolve(new Dictionary<string, string> { ["OPENAI_BASE_URL"] = "http://10.0.0.5/v1" }, apiKey: Key)));
            Assert.Equal(new Uri("http://127.0.0.1:8080/v1"), Resolve(apiKey: Key, baseUri: "http://127.0.0.1:8080/v1").BaseUri);
            Assert.Equal(new Uri("http://localhost/v1"), Resolve(apiKey: Key, baseUri: "http://localhost/v1").BaseUri);
            Assert.Equal(new Uri("http://api.example.com/v1"), Resolve(apiKey: Key, baseUri: "http://api.example.com/v1", allowUnencrypted: true).BaseUri);
        }

        [Fact]
        public void ToString_never_shows_the_key()
        {
            var text = Resolve(apiKey: Key, organization: "org_1").ToString();
            Assert.DoesNotContain(Key, text);
            Assert.Contains("ApiKey=(hidden)", text);
            Assert.Contains("Organization=org_1", text);
        }
    }
}
