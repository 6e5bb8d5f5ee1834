#!/bin/bash
# A parameter scan: one flowlat run per value of one input key, each output
# named by the value (runs/scan/hmc_lambda_6.h5). A job array runs one value
# per array index (slurm_scan.sh, pbs_scan.sh); without SCAN_INDEX this
# script runs every value in turn (locally).
#
# usage: jobscripts/scan.sh [--dry-run] [INPUT.ini] [--section.key=value ...]
#   INPUT.ini: optional input file (--config); overrides go to every run
#   --dry-run (or DRY_RUN=1): print the commands instead of running them
# environment: SCAN_KEY (default theory.lambda), SCAN_VALUES (blank-separated,
#   default "4 6 8 10 12"), SCAN_INDEX (0-based index into SCAN_VALUES; unset:
#   all), COMMAND (hmc, metropolis, hybrid, sample; default hmc), RUNS (output
#   folder, default runs/scan), FLOWLAT (default build/flowlat), RANKS
#   (default 2), LAUNCH (MPI launcher with its arguments; default mpiexec -n RANKS)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
set -- "${JOB_ARGS[@]}"
SCAN_KEY=${SCAN_KEY:-theory.lambda}
read -r -a VALUES <<< "${SCAN_VALUES:-4 6 8 10 12}"
COMMAND=${COMMAND:-hmc}
RUNS=${RUNS:-runs/scan}
FLOWLAT=${FLOWLAT:-build/flowlat}
RANKS=${RANKS:-2}
CONFIG=()
if [[ $# -gt 0 && "$1" != --* ]]; then
  CONFIG=(--config "$1")
  shift
fi
if [[ -n "${LAUNCH:-}" ]]; then
  read -r -a MPIEXEC <<< "$LAUNCH"
else
  MPIEXEC=(mpiexec -n "$RANKS")
  job_allow_root_mpiexec
fi

if [[ -n "${SCAN_INDEX:-}" ]]; then
  # an index outside the list is a job array that does not match SCAN_VALUES
  if ! [[ "$SCAN_INDEX" =~ ^[0-9]+$ ]] || (( SCAN_INDEX >= ${#VALUES[@]} )); then
    echo "scan.sh: array index '$SCAN_INDEX' is not one of the ${#VALUES[@]} values of" \
         "SCAN_VALUES ('${VALUES[*]}'): submit with --array=0-$((${#VALUES[@]} - 1))" >&2
    exit 2
  fi
  INDICES=("$SCAN_INDEX")
else
  INDICES=("${!VALUES[@]}")
fi

job_run mkdir -p "$RUNS"
for i in "${INDICES[@]}"; do
  VALUE=${VALUES[$i]}
  OUTPUT=$RUNS/${COMMAND}_${SCAN_KEY##*.}_${VALUE}.h5
  echo "== scan point $i: $SCAN_KEY = $VALUE -> $OUTPUT"
  # the scanned key last: it wins over the same key among the overrides
  job_run "${MPIEXEC[@]}" "$FLOWLAT" "$COMMAND" "${CONFIG[@]}" "$@" \
    --run.output="$OUTPUT" --"$SCAN_KEY"="$VALUE"
done
