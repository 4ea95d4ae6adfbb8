#!/usr/bin/env bash
# The main job on a fresh machine: set up the engine, then `dotnet build` the hello-world sample, which generates
# the Dockerfile at compile time, builds the image through the daemon, runs it (the greeting appears below) and
# pushes it to the local registry. The base image is a local stand-in for busybox (no internet registry here).
set -euo pipefail
source "$(dirname "$0")/prepare.sh"
dotnet build samples/HelloWorld -c Release -nologo \
  -p:ImageDslBuildOnBuild=true \
  -p:ImageDslPushOnBuild=true \
  -p:ImageDslRegistry="$IMAGEDSL_REGISTRY" \
  -p:ImageDslBuildArgs="BASE_IMAGE=$IMAGEDSL_BASE_IMAGE"
echo "--- The Dockerfile the generator wrote (samples/HelloWorld/obj/Release/net10.0/imagedsl/hello-world.Dockerfile) ---"
cat samples/HelloWorld/obj/Release/net10.0/imagedsl/hello-world.Dockerfile
echo "--- Pulled back from the registry ---"
docker pull -q "$IMAGEDSL_REGISTRY/hello-world:latest"
docker run --rm --network none "$IMAGEDSL_REGISTRY/hello-world:latest"
