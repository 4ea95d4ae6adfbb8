#!/usr/bin/env bash
# The main job on a fresh machine: set up the engine, build the solution, and show the hello-world sample's
# generated Dockerfile (the DockerfileText constant the generator wrote at compile time).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(eng/engine.sh)"
dotnet build samples/HelloWorld -c Release -nologo -clp:ErrorsOnly -p:EmitCompilerGeneratedFiles=true
echo "--- Dockerfile generated for the hello-world sample ---"
sed -n '/DockerfileText = @"/,/^";/p' samples/HelloWorld/obj/Release/net10.0/generated/ImageDsl.Generator/ImageDsl.Generator.ImageGenerator/Samples.HelloWorld.ImageDsl.g.cs \
  | sed -e '1s/.*DockerfileText = @"//' -e '$d' -e 's/""/"/g'
