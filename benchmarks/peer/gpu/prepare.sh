#!/usr/bin/env bash
# Prepares what the GPU machine needs to run ThighSeg's benchmarks (it has Python PyTorch + CUDA but no .NET):
#   .gpu-carry/app.tar.xz           framework-dependent publish of benchmarks/ThighSeg.Benchmarks referencing TorchSharp
#                                   only (no libtorch package: the machine's PyTorch provides libtorch + CUDA)
#   .gpu-carry/dotnet-runtime.tar.xz  the .NET runtime (dotnet host, host/, shared/Microsoft.NETCore.App/) of this SDK
# .gpu-carry/ is git-ignored; name it in the device tool's `carry` list. Run from the repository root.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
carry=.gpu-carry
rm -rf "$carry"
mkdir -p "$carry"
dotnet publish benchmarks/ThighSeg.Benchmarks -c Release --no-self-contained -p:ThighSegExternalLibTorch=true \
  -o "$carry/app" -nologo -v quiet
# Trim what the GPU run does not need (other platforms' TorchSharp natives, symbols).
find "$carry/app/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -rf "$carry/app/amd64" "$carry/app/arm64" "$carry/app/x86"   # Windows ETW natives of BenchmarkDotNet's diagnosers
find "$carry/app" -name '*.pdb' -delete
tar -C "$carry" -cJf "$carry/app.tar.xz" app
rm -rf "$carry/app"
dotnet_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
runtime_version="$(dotnet --list-runtimes | awk '$1=="Microsoft.NETCore.App"{v=$2} END{print v}')"
tar -C "$dotnet_dir" -cJf "$carry/dotnet-runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$runtime_version"
du -sh "$carry"/*
echo "runtime $runtime_version; carry: [\"$carry\"]; then: bash benchmarks/peer/gpu/run.sh"
