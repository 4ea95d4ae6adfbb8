# Sourced by eng/main.sh and eng/test.sh: what both need on a fresh machine before any build.
#   - the engine (packages, dockerd, registries, base images), with its settings exported;
#   - the ImageDsl package in the local feed the samples restore from, built fresh into emptied folders so that
#     nothing stale of the same version can be restored (see samples/Directory.Build.props).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(eng/engine.sh)"
export MSBUILDDISABLENODEREUSE=1
rm -rf artifacts/packages artifacts/sample-packages
dotnet pack src/Dsl -c Release -o artifacts/packages -nologo -clp:ErrorsOnly
