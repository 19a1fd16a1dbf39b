#!/usr/bin/env bash
# Runs ThighSeg's GPU comparison on a CUDA machine that has Python PyTorch but no .NET (see README.md here).
# Needs .gpu-carry/ from benchmarks/peer/gpu/prepare.sh (carried by the device tool). Writes everything to $OUT
# (default ./gpu-results): device.txt, peer-default/, peer-best/, memory.txt, bdn/ (with `full`), run.log.
#   bash benchmarks/peer/gpu/run.sh [quick|full]
#     quick (default, about 3-5 min): peer harness twice (fp32 defaults; TF32 + channels-last + cuDNN autotuning on
#       both sides) and the 1,000-step memory run on CUDA.
#     full: also the BenchmarkDotNet CUDA suites (blocks, steps, prediction, losses), in process, --job short.
# THIGHSEG_DEVICE=cpu runs the same script on the CPU (used to validate the mechanics without a GPU).
set -euo pipefail
mode="${1:-quick}"
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
out="${OUT:-$repo/gpu-results}"
carry="$repo/.gpu-carry"
device="${THIGHSEG_DEVICE:-cuda}"
python="${PYTHON:-python3}"
mkdir -p "$out"
exec > >(tee -a "$out/run.log") 2>&1
start=$(date +%s)
stamp() { echo "== $(date -u +%H:%M:%S) (+$(( $(date +%s) - start ))s) $*"; }

work="${TMPDIR:-/tmp}/thighseg-gpu"
rm -rf "$work" && mkdir -p "$work/dotnet"
stamp "unpacking the .NET runtime and the benchmark build"
tar -C "$work/dotnet" -xJf "$carry/dotnet-runtime.tar.xz"
tar -C "$work" -xJf "$carry/app.tar.xz"
export DOTNET_ROOT="$work/dotnet" PATH="$work/dotnet:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
torch_lib="${TORCH_LIB:-$("$python" -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}"
native="$work/app/runtimes/linux-x64/native"
export LD_LIBRARY_PATH="$torch_lib:$native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
app=(dotnet "$work/app/ThighSeg.Benchmarks.dll")

{
  date -u
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "no nvidia-smi"
  "$python" -c 'import torch;print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA")'
  lscpu | grep -E 'Model name|^CPU\(s\)' || true
  dotnet --list-runtimes
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
} > "$out/device.txt" 2>&1
cat "$out/device.txt"

rounds=1
cases=()
if [[ "$device" == cpu ]]; then cases=(--cases unet-f16,loss-pcl-256 --quick); fi
stamp "peer harness: defaults (fp32, NCHW, no autotuning) on both sides"
"${app[@]}" peer --device "$device" --python "$python" --script "$repo/benchmarks/peer/unet_peer.py" \
  --rounds "$rounds" --out "$out/peer-default" "${cases[@]}" || echo "peer-default exit $?"
stamp "peer harness: TF32 + channels-last + cuDNN autotuning on both sides"
"${app[@]}" peer --device "$device" --python "$python" --script "$repo/benchmarks/peer/unet_peer.py" \
  --rounds "$rounds" --out "$out/peer-best" --tf32 --channels-last --cudnn-benchmark "${cases[@]}" || echo "peer-best exit $?"
stamp "1,000-step flat-memory run"
"${app[@]}" memory-flat --device "$device" --steps "$([[ "$device" == cpu ]] && echo 200 || echo 1000)" > "$out/memory.txt" 2>&1 || echo "memory exit $?"
tail -4 "$out/memory.txt"
if [[ "$mode" == full ]]; then
  stamp "BenchmarkDotNet CUDA suites (in process, --job short)"
  THIGHSEG_BENCH_DEVICES="$device" "${app[@]}" --filter '*UNetBlock*' '*TrainingStep*' '*Prediction*' '*ContrastiveLoss*' \
    --job short --inProcess --artifacts "$out/bdn" || echo "bdn exit $?"
fi
stamp "done; results in $out"
