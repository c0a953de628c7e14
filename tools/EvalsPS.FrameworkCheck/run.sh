#!/usr/bin/env bash
# The .NET Framework check: compiles the System.Management.Automation stand-in and the harness with
# Mono's mcs against the .NET Framework 4.7.2 reference assemblies, then runs the harness on Mono
# against a built module. Usage: run.sh [module folder] [EvalsPS.FakeApi.dll]
# (defaults: out/EvalsPS, tools/EvalsPS.FakeApi/bin/Debug/netstandard2.0/EvalsPS.FakeApi.dll).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
module="$(cd "${1:-$root/out/EvalsPS}" && pwd)"
fake="$(realpath -m "${2:-$root/tools/EvalsPS.FakeApi/bin/Debug/netstandard2.0/EvalsPS.FakeApi.dll}")"
[ -f "$module/EvalsPS.dll" ] || { echo "No EvalsPS.dll in $module: run dotnet build EvalsPS.sln first" >&2; exit 1; }
[ -f "$fake" ] || dotnet build "$root/tools/EvalsPS.FakeApi" -v q >/dev/null
bin="$root/out/frameworkcheck"
api=/usr/lib/mono/4.7.2-api
rm -rf "$bin" && mkdir -p "$bin"

# The real System.Management.Automation's public key (Microsoft's, public) from the reference
# assembly the module is built against, so the stand-in carries the identity EvalsPS.dll asks for.
sma="$(find "$(dotnet nuget locals global-packages --list | sed 's/^[^:]*: *//')/powershellstandard.library" -path '*/lib/*/System.Management.Automation.dll' | head -1)"
sn -q -e "$sma" "$bin/msft.pub" >/dev/null
mcs -nologo -sdk:4.7.2-api -target:library -delaysign+ -keyfile:"$bin/msft.pub" -nowarn:649 \
  -out:"$bin/System.Management.Automation.dll" "$here/SystemManagementAutomation.cs"

# Compile-time references only: at run time the harness loads EvalsPS.dll and the fake with LoadFrom.
mcs -nologo -sdk:4.7.2-api -target:exe -langversion:7.2 -nowarn:1685 -out:"$bin/EvalsPS.FrameworkCheck.exe" \
  -r:"$api/Facades/netstandard.dll" -r:System.Net.Http.dll -r:"$bin/System.Management.Automation.dll" \
  -r:"$module/EvalsPS.dll" -r:"$fake" -r:"$module/Dependencies/System.Text.Json.dll" \
  "$here/FrameworkCheck.cs"

cd "$bin" && mono --debug EvalsPS.FrameworkCheck.exe "$module" "$fake"
