#!/usr/bin/env bash
# Publishes packages into the private NuGet feed that eng/engine.sh serves: the flat container layout that NuGet's
# v3 restore reads (PackageBaseAddress/3.0.0): <id>/index.json listing the versions, <id>/<version>/<id>.<version>.nupkg.
# Usage: eng/nuget-feed.sh ID VERSION PACKAGE.nupkg   (ids and versions are lowercased, as the protocol wants)
set -euo pipefail
eval "$("$(dirname "$0")/engine.sh" --env)"
id=${1,,} version=${2,,} package=$3
target="$IMAGEDSL_FEED_ROOT/v3-flatcontainer/$id"
mkdir -p "$target/$version"
cp "$package" "$target/$version/$id.$version.nupkg"
versions=$(find "$target" -mindepth 1 -maxdepth 1 -type d -printf '"%f",' | sed 's/,$//')
printf '{ "versions": [%s] }\n' "$versions" >"$target/index.json"
chmod -R a+rX "$IMAGEDSL_FEED_ROOT"
