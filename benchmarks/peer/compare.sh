#!/usr/bin/env bash
# Side-by-side ThighSeg vs PyTorch on this machine (see README.md). Arguments go to the `peer` mode, e.g.
#   benchmarks/peer/compare.sh --quick --rounds 1
#   benchmarks/peer/compare.sh --cases unet-f16,loss --threads 1
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) x$(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# dotnet $(dotnet --version); $(/usr/bin/python3 -c 'import torch;print("PyTorch", torch.__version__)' 2>/dev/null || echo 'no python3-torch')"
exec nice dotnet run -c Release --project benchmarks/ThighSeg.Benchmarks -- peer "$@"
