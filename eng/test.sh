#!/usr/bin/env bash
# Runs every test on a fresh machine: sets up the engine (packages, dockerd on the socket and TLS, registries,
# base images), then builds the solution and runs all test projects. A missing daemon or registry fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(eng/engine.sh)"
dotnet build ImageDsl.sln -c Release -nologo -clp:ErrorsOnly
status=0
for project in tests/*/*Tests.csproj; do
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" || status=1
done
exit $status
