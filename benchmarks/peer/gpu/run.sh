#!/usr/bin/env bash
# Runs ThighSeg's GPU checks and comparison on a CUDA machine that has Python PyTorch but no .NET (see README.md here).
# Needs .gpu-carry/ from benchmarks/peer/gpu/prepare.sh (carried by the device tool). Writes everything to $OUT
# (default ./gpu-results): summary.md (the one table), device.txt, checks.txt, peer-default/, peer-best/, bdn/, run.log.
#   bash benchmarks/peer/gpu/run.sh [--dry-run]
#   1. device checks on CUDA (bf16 autocast, scopes, cuDNN autotuning, channels-last, bf16 training, no leak)
#   2. peer harness, fp32 defaults on both sides
#   3. peer harness, PyTorch's best settings on both sides (channels-last + cudnn.benchmark + bf16 autocast)
#   4. BenchmarkDotNet suites on CUDA: convolution block, U-Net training step, contrastive loss (fp32/bf16 x NCHW/NHWC)
#   5. summary.md: one markdown table of ms per step, ThighSeg vs PyTorch, both variants
# Budget: under 8 minutes on an H100/H200. --dry-run shrinks everything (CPU, smoke cases) to check the mechanics here.
set -euo pipefail
dry=0
if [[ "${1:-}" == --dry-run ]]; then dry=1; fi
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
out="${OUT:-$repo/gpu-results}"
carry="$repo/.gpu-carry"
device=cuda
if (( dry )); then device=cpu; fi
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
# The documented way (docs/gpu.md): THIGHSEG_LIBTORCH names the installed libtorch; ThighSeg checks its version and the
# symbols TorchSharp imports at start-up. LD_LIBRARY_PATH as well, the recipe verified by hand (shared/docs/platform.md).
export THIGHSEG_LIBTORCH="$torch_lib"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
app=(dotnet "$work/app/ThighSeg.Benchmarks.dll")

{
  date -u
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "no nvidia-smi"
  "$python" -c 'import torch;print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA")'
  lscpu | grep -E 'Model name|^CPU\(s\)' || true
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet --list-runtimes
  echo "THIGHSEG_LIBTORCH=$THIGHSEG_LIBTORCH"
} > "$out/device.txt" 2>&1
cat "$out/device.txt"

stamp "device checks on $device"
"${app[@]}" device-checks --device "$device" > "$out/checks.txt" 2>&1 || echo "device-checks exit $?"
cat "$out/checks.txt"

peer=(--device "$device" --python "$python" --script "$repo/benchmarks/peer/unet_peer.py" --rounds 1)
if (( dry )); then export THIGHSEG_BENCH_SMOKE=1; peer+=(--threads 1); fi
stamp "peer harness: defaults (fp32, NCHW, no autotuning) on both sides"
"${app[@]}" peer "${peer[@]}" --out "$out/peer-default" || echo "peer-default exit $?"
stamp "peer harness: PyTorch's best settings (channels-last + cudnn.benchmark + bf16 autocast) on both sides"
"${app[@]}" peer "${peer[@]}" --out "$out/peer-best" --best || echo "peer-best exit $?"

stamp "BenchmarkDotNet suites on $device (in process, --job short)"
job=(--job short)
if (( dry )); then job=(--job dry); fi
THIGHSEG_BENCH_DEVICES="$device" "${app[@]}" --filter '*DoubleConv*' '*TrainingStep*' '*ContrastiveLoss*' \
  "${job[@]}" --inProcess --artifacts "$out/bdn" > "$out/bdn.log" 2>&1 || echo "bdn exit $?"
tail -3 "$out/bdn.log" || true

stamp "summary.md"
"$python" "$repo/benchmarks/peer/gpu/summary.py" "$out" > "$out/summary.md" || echo "summary exit $?"
cat "$out/summary.md"
stamp "done; results in $out"
