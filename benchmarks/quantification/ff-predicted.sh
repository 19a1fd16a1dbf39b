#!/usr/bin/env bash
# Fat fraction and volume with predicted labels against the Dixon phantom's truth (issue 16; the table goes into
# docs/metrics.md, "Dixon phantom").
#
#   benchmarks/quantification/ff-predicted.sh [--dry-run] [WORK_DIR]
#
# 1. `thighseg synth --dixon`: a phantom cohort with water/fat images and fat_fraction_truth.csv;
# 2. `thighseg finetune` from scratch on the labelled train subjects (CPU);
# 3. `thighseg predict` on the test subjects;
# 4. `thighseg stats --water --fat` on every test subject twice: with the ground-truth labels and with the predicted ones;
# 5. prints, per muscle and side, the fat-fraction error (percentage points) and the volume error of both against the
#    truth table, as a markdown table (mean ± SD over test subjects; muscles of at least 1 mL in the truth).
#
# --dry-run uses tiny settings (a few subjects, a few training steps) so the pipeline can be checked in about a minute;
# its numbers mean nothing. Environment: THIGHSEG (the command to run, default: build src/ThighSeg.Cli and run its dll),
# SUBJECTS, TRAIN (labelled train subjects, VALIDATION of them held out for model selection), TEST, SIZE, EPOCHS, STEPS, BATCH, FILTERS, NET_SIZE, SPACING, SEED override the settings.
set -euo pipefail

dry=0
if [[ "${1:-}" == "--dry-run" ]]; then dry=1; shift; fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$(mktemp -d /tmp/thighseg-ff-predicted.XXXXXX)}"
mkdir -p "$work"

if [[ $dry == 1 ]]; then
  : "${SUBJECTS:=4}" "${TRAIN:=2}" "${TEST:=2}" "${SIZE:=48}" "${EPOCHS:=1}" "${STEPS:=2}" "${BATCH:=2}" "${FILTERS:=4}" "${NET_SIZE:=32}" "${SPACING:=6}" "${VALIDATION:=0}"
else
  : "${SUBJECTS:=20}" "${TRAIN:=10}" "${TEST:=10}" "${SIZE:=96}" "${EPOCHS:=30}" "${STEPS:=25}" "${BATCH:=8}" "${FILTERS:=16}" "${NET_SIZE:=96}" "${SPACING:=4}" "${VALIDATION:=1}"
fi
: "${SEED:=0}"

if [[ -z "${THIGHSEG:-}" ]]; then
  dotnet build "$root/src/ThighSeg.Cli" -c Release -m:1 -nodeReuse:false -v:q -nologo >&2
  THIGHSEG="dotnet $root/src/ThighSeg.Cli/bin/Release/net10.0/thighseg.dll"
fi
run() { echo "+ thighseg $*" >&2; $THIGHSEG "$@" >&2; }

cohort="$work/cohort"
[[ -f "$cohort/manifest.csv" ]] || run synth --dixon --out "$cohort" --subjects "$SUBJECTS" --labeled "$TRAIN" --test "$TEST" --size "$SIZE" --seed "$SEED"
model="$work/model"
[[ -f "$model/manifest.json" ]] || run finetune --data "$cohort/manifest.csv" --labeled "$((TRAIN - VALIDATION))" --validation "$VALIDATION" --init none --out "$model" --epochs "$EPOCHS" \
  --steps-per-epoch "$STEPS" --batch "$BATCH" --filters "$FILTERS" --size "$NET_SIZE" --spacing "$SPACING" --norm instance --seed "$SEED" --device cpu

# The test subjects' images, as predict's input (a manifest of the test split).
tests="$work/test-manifest.csv"
{ head -1 "$cohort/manifest.csv"; awk -F, 'NR > 1 && $4 == "test"' "$cohort/manifest.csv" | sed "s|,images/|,$cohort/images/|; s|,labels/|,$cohort/labels/|"; } > "$tests"
run predict --model "$model" --input "$tests" --out "$work/pred" --device cpu

for subject in $(awk -F, 'NR > 1 && $4 == "test" { print $1 }' "$cohort/manifest.csv"); do
  dixon=(--water "$cohort/dixon/${subject}_water.nii.gz" --fat "$cohort/dixon/${subject}_fat.nii.gz")
  run stats --labels "$cohort/labels/$subject.nii.gz" --label-names "$cohort/labels.json" "${dixon[@]}" --case "$subject" --out "$work/stats-truth/$subject"
  run stats --labels "$work/pred/$subject.nii.gz" "${dixon[@]}" --case "$subject" --out "$work/stats-pred/$subject"
done

echo "Settings: $SUBJECTS subjects ($TRAIN train, $TEST test), phantom size $SIZE; finetune from scratch, $((TRAIN - VALIDATION)) labelled + $VALIDATION validation, $EPOCHS epochs x $STEPS steps, batch $BATCH, F=$FILTERS, ${NET_SIZE} px at $SPACING mm, seed $SEED, CPU$([[ $dry == 1 ]] && echo '; DRY RUN: the numbers mean nothing')."
echo
/usr/bin/python3 "$root/benchmarks/quantification/ff_errors.py" "$cohort/dixon/fat_fraction_truth.csv" "$work/stats-truth" "$work/stats-pred"
echo "work folder: $work" >&2
