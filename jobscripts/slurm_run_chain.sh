#!/bin/bash
# Slurm job chain: one hmc, metropolis, hybrid or sample run continued across
# jobs with run.resume. Slurm sends SIGUSR1 to flowlat 120 s before the time
# limit (--signal=USR1@120 reaches every rank of the job step); flowlat
# finishes its block, writes the chain state and exits with code 3. The job
# then submits its successor with --dependency=afterany on itself, which
# continues the file (run.resume = true: same input, chains continued bit for
# bit). A run that ends normally (exit 0) submits nothing, so the chain stops
# when the production count is reached; a preempted job (SIGTERM) also exits
# 3 and is continued. A job killed without a signal leaves its last flushed
# block: submit the same command again and it continues from there.
#
# Submit from the repository root (the production count is the total):
#   sbatch jobscripts/slurm_run_chain.sh hmc inputs/phi4_hmc.ini --hmc.trajectories=1000000
# Check first: jobscripts/slurm_run_chain.sh --dry-run hmc inputs/phi4_hmc.ini
# environment: OUTPUT (default runs/<command>_chain_<first job id>.h5),
#   MAX_JOBS (most jobs in the chain, default 10), FLOWLAT (default build/flowlat);
#   CHAIN_ID and CHAIN_JOB are passed on by the chain itself.
#SBATCH --job-name=flowlat-run-chain
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
#SBATCH --output=flowlat-run-chain-%j.log
#SBATCH --signal=USR1@120
set -euo pipefail
# sbatch runs a copy of this file: the repository is where it was submitted
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
# shellcheck source=jobscripts/job_common.sh
source jobscripts/job_common.sh
job_parse_dry_run "$@"
CHAIN_ARGS=("${JOB_ARGS[@]}")  # passed unchanged to the successor
set -- "${JOB_ARGS[@]}"
USAGE="usage: sbatch jobscripts/slurm_run_chain.sh hmc|metropolis|hybrid|sample INPUT.ini [overrides...]"
COMMAND=${1:?$USAGE}
INPUT=${2:?$USAGE}
shift 2
case "$COMMAND" in
  hmc | metropolis | hybrid | sample) ;;
  *)
    echo "$USAGE" >&2
    exit 2
    ;;
esac
FLOWLAT=${FLOWLAT:-build/flowlat}
CHAIN_ID=${CHAIN_ID:-${SLURM_JOB_ID:-local}}
CHAIN_JOB=${CHAIN_JOB:-1}
MAX_JOBS=${MAX_JOBS:-10}
OUTPUT=${OUTPUT:-runs/${COMMAND}_chain_${CHAIN_ID}.h5}

job_print_directives jobscripts/slurm_run_chain.sh
job_bind_threads
export GPUS_PER_NODE=${GPUS_PER_NODE:-${SLURM_GPUS_ON_NODE:-0}}
job_set_launcher "${LAUNCH:-srun}"
read -r -a LAUNCHER <<< "$LAUNCH"

# The successor: same arguments, same output, after this job ends.
submit_next() {
  job_chain_submit_next jobscripts/slurm_run_chain.sh run OUTPUT "${CHAIN_ARGS[@]}"
}

echo "run chain $CHAIN_ID: job $CHAIN_JOB, flowlat $COMMAND, output $OUTPUT"
job_run mkdir -p "$(dirname "$OUTPUT")"
if ((CHAIN_JOB > 1)); then
  # the previous job may have been killed on another node, where its lock
  # cannot be checked; afterany means it is over
  job_run rm -f "$OUTPUT.lock"
fi
job_resume_args "$OUTPUT"
RUN=("${LAUNCHER[@]}" "$FLOWLAT" "$COMMAND" --config "$INPUT" --run.output="$OUTPUT" "${RESUME[@]}" "$@")

if [[ "$DRY_RUN" == 1 ]]; then
  job_run "${RUN[@]}"
  echo "# when flowlat stops on SIGUSR1 or SIGTERM (exit code 3):"
  submit_next
  exit 0
fi
# preemption sends SIGTERM to the batch shell too: it waits for flowlat
# (which gets the signal as well and stops cleanly) instead of dying
trap 'echo "run chain: SIGTERM, waiting for flowlat to stop"' TERM
set +e
"${RUN[@]}"
STATUS=$?
set -e
if [[ $STATUS == 3 ]]; then  # stopped by a signal with its chain state written
  submit_next
  exit 0
fi
exit "$STATUS"
