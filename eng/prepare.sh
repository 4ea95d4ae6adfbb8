# Sourced by eng/main.sh and eng/test.sh: what both need on a fresh machine before any build.
#   - the engine (packages, dockerd, registries, base images), with its settings exported;
#   - the ImageDsl package in the local feed the samples restore from, built fresh into emptied folders so that
#     nothing stale of the same version can be restored (see samples/Directory.Build.props);
#   - the PrivateFeed sample's package, published into the private NuGet feed the engine serves.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eval "$(eng/engine.sh)"
export MSBUILDDISABLENODEREUSE=1
rm -rf artifacts/packages artifacts/sample-packages artifacts/private-feed
dotnet pack src/Dsl -c Release -o artifacts/packages -nologo -clp:ErrorsOnly
# The package the PrivateFeed sample restores from the private feed (inside its image, with a build secret).
dotnet pack samples/PrivateFeed/Greetings -c Release -o artifacts/private-feed -nologo -clp:ErrorsOnly
bash eng/nuget-feed.sh PrivateFeed.Greetings 1.0.0 artifacts/private-feed/PrivateFeed.Greetings.1.0.0.nupkg
