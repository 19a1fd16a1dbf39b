#!/usr/bin/env bash
# Cohort prediction throughput and shard equivalence (issue 14), at the demo's image and network size.
#
#   benchmarks/cohort/throughput.sh [--volumes N] [--work DIR] [--threads T] [--keep]
#
# 1. synthesises N phantom volumes (default 200) at the demo's phantom size (160 px; thighseg demo's settings);
# 2. makes a demo-size model (the library's default U-Net, 64 px slices at 3 mm, instance norm, as thighseg demo) with a
#    two-step fine-tune: accuracy does not matter here, only the network's cost;
# 3. predicts the N volumes in one process (model loaded once, read-ahead 2, flip TTA on: predict's defaults) and
#    reports volumes per minute over the prediction (the CLI's own clock, after the model is loaded) and over the
#    whole command (process start and model load included), with the load average before and after;
# 4. predicts them again as 4 shards (--shard K/4, two at a time with T/2 threads each, as an array on this machine
#    would), kills shard 1 with SIGKILL once it has finished about half
#    of its cases (N/8), reruns shard 1, and checks that the label maps,
#    per-case tables, cohort tables and completion records (but their timestamps) equal the single-process run, with no
#    temporary file left.
# Exit code 0 when the outputs are identical, 1 otherwise. Dry run (the smoke test): --volumes 8.
# Report the printed figures with the machine (lscpu) and the load average; compare only figures from one run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

volumes=200
work=""
threads=2
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --volumes) volumes=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--volumes N] [--work DIR] [--threads T] [--keep]" >&2; exit 2 ;;
  esac
done
if [ "$volumes" -lt 4 ]; then echo "--volumes must be at least 4 (4 shards)" >&2; exit 2; fi
if [ -z "$work" ]; then work=$(mktemp -d /tmp/thighseg-throughput-XXXXXX); fi
mkdir -p "$work"
cleanup() { if [ "$keep" -eq 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

echo "throughput: building the CLI (Release)"
dotnet build src/ThighSeg.Cli -c Release -m:1 -nodeReuse:false -v q -nologo >/dev/null
cli=(dotnet "$root/src/ThighSeg.Cli/bin/Release/net10.0/thighseg.dll")
half=$(( threads > 1 ? threads / 2 : 1 ))
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
phase() { echo "throughput: [t=${SECONDS} s] $*"; }   # t: seconds since the script started

phase "synthesising $volumes phantom volumes at 160 px in $work/synth"
"${cli[@]}" synth --out "$work/synth" --subjects "$volumes" --labeled 1 --test 1 --size 160 --seed 42 >/dev/null
images="$work/synth/images"
phase "a demo-size model, fine-tuned for 2 steps (accuracy is not measured)"
"${cli[@]}" finetune --data "$work/synth/manifest.csv" --labeled 1 --init none --out "$work/model" \
  --epochs 1 --steps-per-epoch 2 --batch 4 --validation 0 --size 64 --spacing 3 --norm instance --device cpu >/dev/null

phase "single process, $threads threads"
load_before=$(loadavg)
start=$(date +%s.%N)
"${cli[@]}" predict --model "$work/model" --input "$images" --out "$work/single" --threads "$threads" --read-ahead 2 --device cpu > "$work/single.log"
end=$(date +%s.%N)
load_after=$(loadavg)
predict_s=$(sed -n 's/^predicted [0-9]*, skipped [0-9]* (already done), failed [0-9]* of [0-9]* case(s) in \([0-9.]*\) s$/\1/p' "$work/single.log")
grep -q "^predicted $volumes, skipped 0 (already done), failed 0 of $volumes case(s)" "$work/single.log" || { echo "single-process run did not predict all $volumes volumes:"; tail "$work/single.log"; exit 1; }

kill_after=$(( volumes / 8 > 1 ? volumes / 8 : 1 ))   # about half of shard 1's cases
phase "4 shards, 2 at a time with $half thread(s) each; shard 1 killed after $kill_after case(s) and rerun"
run_shard() { "${cli[@]}" predict --model "$work/model" --input "$images" --out "$work/shards" --shard "$1/4" --threads "$half" --read-ahead 2 --device cpu > "$work/shard$1.$2.log" 2>&1; }
run_shard 0 a & p0=$!
run_shard 1 a & p1=$!
for _ in $(seq 1 6000); do
  [ "$(grep -c '] done ' "$work/shard1.a.log" 2>/dev/null || true)" -ge "$kill_after" ] && break
  kill -0 "$p1" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$p1" 2>/dev/null; then
  kill -KILL "$p1"
  wait "$p1" 2>/dev/null || true
  echo "throughput: shard 1 killed after $(grep -c '] done ' "$work/shard1.a.log") case(s)"
else
  wait "$p1" || true
  echo "throughput: shard 1 finished before it could be killed (too few volumes); nothing was interrupted"
fi
wait "$p0"
run_shard 2 a & p2=$!
run_shard 3 a & p3=$!
wait "$p2"; wait "$p3"
run_shard 1 b
grep -q "skipped" "$work/shard1.b.log"
"${cli[@]}" collect --out "$work/shards" >/dev/null

phase "comparing the sharded outputs with the single-process run"
same=1
strip() { grep -v '"utc"' "$1"; }
if [ -n "$(find "$work/shards" -name '*.tmp' -o -name '.*' -type f)" ]; then echo "temporary files left:"; find "$work/shards" -name '*.tmp'; same=0; fi
(cd "$work/single" && find . -type f | sort) > "$work/single.files"
(cd "$work/shards" && find . -type f | sort) > "$work/shards.files"
if ! diff -q "$work/single.files" "$work/shards.files" >/dev/null; then echo "different file sets:"; diff "$work/single.files" "$work/shards.files" | head; same=0; fi
while read -r f; do
  case "$f" in
    */record.json) diff -q <(strip "$work/single/$f") <(strip "$work/shards/$f") >/dev/null || { echo "differs: $f"; same=0; } ;;
    *) cmp -s "$work/single/$f" "$work/shards/$f" || { echo "differs: $f"; same=0; } ;;
  esac
done < "$work/single.files"

rate() { awk -v n="$volumes" -v s="$1" 'BEGIN { printf "%.1f", n * 60 / s }'; }
wall_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
echo
echo "volumes:            $volumes (160 px phantoms, demo-size U-Net at 64 px, flip TTA on: no mirroring for this flip-free model)"
echo "threads:            $threads ($(nproc) CPUs visible)"
echo "prediction:         ${predict_s} s -> $(rate "$predict_s") volumes/min (model loaded once, read-ahead 2)"
echo "whole command:      ${wall_s} s -> $(rate "$wall_s") volumes/min (process start and model load included)"
echo "load average:       before $load_before, after $load_after"
echo "commit:             $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "total time:         ${SECONDS} s"
if [ "$same" -eq 1 ]; then
  echo "shards == single:   identical ($volumes label maps, per-case tables, volumes.csv, failures.csv, records but timestamps)"
  exit 0
fi
echo "shards == single:   DIFFERENT"
exit 1
