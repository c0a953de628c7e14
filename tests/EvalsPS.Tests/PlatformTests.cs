using System;
using System.Linq;
using System.Net;
using System.Reflection;
using Xunit;

namespace EvalsPS.Tests
{
    /// <summary>Rules that matter on Windows PowerShell 5.1, checked through the module the engine loaded.</summary>
    public sealed class PlatformTests : HostedTest
    {
        private static MethodInfo Internal(string typeName, string method)
        {
            var module = AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == "EvalsPS");
            return module.GetType(typeName, throwOnError: true)!.GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!;
        }

        [Theory]
        [InlineData(SecurityProtocolType.Tls, SecurityProtocolType.Tls | SecurityProtocolType.Tls12)]
        [InlineData(SecurityProtocolType.Tls | SecurityProtocolType.Tls11, SecurityProtocolType.Tls | SecurityProtocolType.Tls11 | SecurityProtocolType.Tls12)]
        [InlineData(SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13, SecurityProtocolType.Tls12 | SecurityProtocolType.Tls13)]
        [InlineData(SecurityProtocolType.SystemDefault, SecurityProtocolType.SystemDefault)]
        public void Tls12_is_added_to_what_is_enabled_never_replacing_it(SecurityProtocolType current, SecurityProtocolType expected)
        {
            Ok("$null = Get-Command Get-EvalRun");
            var withTls12 = Internal("EvalsPS.Api.HttpTransport", "WithTls12");
            Assert.Equal(expected, (SecurityProtocolType)withTls12.Invoke(null, new object[] { current })!);
        }
    }
}
