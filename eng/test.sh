#!/usr/bin/env bash
# Runs every test on a fresh machine: sets up the engine (packages, dockerd on the socket and TLS, registries,
# base images), then builds the solution and runs all test projects. A missing daemon or registry fails the run.
set -euo pipefail
source "$(dirname "$0")/prepare.sh"
dotnet build ImageDsl.sln -c Release -nologo -clp:ErrorsOnly
status=0
log=$(mktemp)
for project in tests/*/*Tests.csproj; do
  dotnet test "$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee -a "$log" || status=1
done
# One plain summary line over all test projects.
passed=$(grep -aoE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -aoE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "$passed passed, $failed failed"
[[ "$failed" == 0 && "$passed" -gt 0 ]] || status=1
exit $status
