# shellcheck shell=bash
# Shared by every job script (sourced, never run): the dry run, thread and GPU
# binding, the MPI launcher, the arguments of PBS jobs. Written once so that
# the Slurm and PBS templates differ only in their directives.

# DRY_RUN=1 (or a --dry-run argument, taken out by job_parse_dry_run) prints
# what would run instead of running it, so a template can be checked on a
# laptop without a scheduler.
DRY_RUN=${DRY_RUN:-0}

# Removes --dry-run from the arguments; the rest is in JOB_ARGS.
job_parse_dry_run() {
  JOB_ARGS=()
  local arg
  for arg in "$@"; do
    if [[ "$arg" == --dry-run ]]; then DRY_RUN=1; else JOB_ARGS+=("$arg"); fi
  done
  export DRY_RUN
}

# Runs a command, or prints it (shell-quoted, one line starting with "+ ").
job_run() {
  if [[ "$DRY_RUN" == 1 ]]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# Dry run: prints the scheduler directives of a template as the scheduler
# reads them (options given to sbatch/qsub on its command line win).
job_print_directives() {
  [[ "$DRY_RUN" == 1 ]] || return 0
  echo "# directives of $1:"
  grep -E '^#(SBATCH|PBS) ' "$1"
}

# One OpenMP thread (Kokkos OpenMP backend) per CPU of the rank, pinned:
# Slurm says how many through SLURM_CPUS_PER_TASK, PBS sets OMP_NUM_THREADS
# from ompthreads. Without pinning, threads of neighbouring ranks share cores.
job_bind_threads() {
  export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-${OMP_NUM_THREADS:-1}}
  export OMP_PROC_BIND=${OMP_PROC_BIND:-spread} OMP_PLACES=${OMP_PLACES:-threads}
  if [[ "$DRY_RUN" == 1 ]]; then
    echo "# OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_PROC_BIND=$OMP_PROC_BIND OMP_PLACES=$OMP_PLACES"
  fi
}

# Sets LAUNCH (a string, as flow_pipeline.sh and scan.sh read it) to the
# given launcher; with GPUS_PER_NODE > 0 every rank starts through
# bind_gpu.sh, which gives it one GPU of its node (CUDA_VISIBLE_DEVICES).
# A LAUNCH inherited from a previous job of a chain has the wrapper already.
job_set_launcher() {
  LAUNCH="$*"
  if (( ${GPUS_PER_NODE:-0} > 0 )) && [[ "$LAUNCH" != *bind_gpu.sh* ]]; then
    LAUNCH+=" jobscripts/bind_gpu.sh"
    export GPUS_PER_NODE
  fi
  export LAUNCH
  if [[ "$DRY_RUN" == 1 ]]; then echo "# LAUNCH=$LAUNCH"; fi
}

# OpenMPI's mpiexec refuses root without these; harmless for other MPIs.
job_allow_root_mpiexec() {
  if mpiexec --version 2>&1 | grep -qi "open-\?mpi\|OpenRTE"; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
}

# PBS cannot pass arguments to a job script: qsub -v ARGS="--a=1 --b=2"
# passes overrides through the environment (split at blanks). Appends them
# to JOB_ARGS.
job_add_env_args() {
  local extra=()
  read -r -a extra <<< "${ARGS:-}"
  JOB_ARGS+=("${extra[@]}")
}

# MPI ranks of a PBS job: PBS lists each host once per MPI process (mpiprocs).
job_pbs_ranks() {
  if [[ -n "${PBS_NODEFILE:-}" && -r "${PBS_NODEFILE}" ]]; then
    wc -l < "$PBS_NODEFILE"
  else
    echo "${RANKS:-4}"
  fi
}

# RESUME=(--run.resume=true) when the output $1 exists, else RESUME=(): a
# resubmitted job (same OUTPUT) continues the file its predecessor left;
# flowlat checks that the input is the same and continues the chains exactly
# where the file ends.
# shellcheck disable=SC2034  # RESUME is read by the template that sourced this file
job_resume_args() {
  RESUME=()
  if [[ -f "$1" ]]; then
    RESUME=(--run.resume=true)
    echo "# $1 exists: continuing it (run.resume)"
  fi
}

# The successor of a chained Slurm job (slurm_run_chain.sh,
# slurm_train_chain.sh): the same script and arguments after this job ends
# however it ends (afterany), carrying CHAIN_ID, CHAIN_JOB + 1, MAX_JOBS and
# the file the chain continues (the variable named by $3: OUTPUT or MODEL);
# none once MAX_JOBS jobs have run.
# usage: job_chain_submit_next SCRIPT LABEL CARRIED_VARIABLE [SCRIPT ARGUMENTS...]
job_chain_submit_next() {
  local script=$1 label=$2 carried=$3
  shift 3
  if ((CHAIN_JOB >= MAX_JOBS)); then
    echo "$label chain: job $CHAIN_JOB of at most $MAX_JOBS (MAX_JOBS); not submitting another"
    return
  fi
  echo "$label chain: submitting job $((CHAIN_JOB + 1)) of the chain"
  job_run sbatch --dependency=afterany:"${SLURM_JOB_ID:-local}" \
    --export=ALL,CHAIN_ID="$CHAIN_ID",CHAIN_JOB=$((CHAIN_JOB + 1)),"$carried"="${!carried}",MAX_JOBS="$MAX_JOBS" \
    "$script" "$@"
}
