#!/bin/bash
# The batch templates in jobscripts/: each one rendered with its dry-run flag
# (directives, launcher, thread pinning, the commands with their arguments,
# the value of a job-array index, run.resume for an existing output), the
# train chain's signal handling and the run chain's resubmission with a fake
# srun/sbatch, and shellcheck on every script when it is installed.
# usage: tests/jobscripts/test_jobscripts.sh SOURCE_DIR
set -uo pipefail
SRC=${1:?usage: test_jobscripts.sh SOURCE_DIR}
cd "$SRC" || exit 1
# the templates keep a binding the user's environment already sets; the
# defaults are checked here, whatever the calling shell exports
unset OMP_PROC_BIND OMP_PLACES
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILED=0

fail() {
  echo "FAIL: $*"
  FAILED=1
}

# expect NAME OUTPUT PATTERN...: every fixed string occurs in OUTPUT
expect() {
  local name=$1 out=$2 pattern
  shift 2
  for pattern in "$@"; do
    grep -qF -- "$pattern" <<< "$out" || fail "$name: no '$pattern' in:"$'\n'"$out"
  done
}

# refuse NAME OUTPUT PATTERN...: none of them occurs
refuse() {
  local name=$1 out=$2 pattern
  shift 2
  for pattern in "$@"; do
    if grep -qF -- "$pattern" <<< "$out"; then fail "$name: unexpected '$pattern' in:"$'\n'"$out"; fi
  done
}

# render NAME [ENV=VALUE ...] -- ARGS...: a template's dry run, which must succeed
render() {
  local script=$1 out
  shift
  local envs=()
  while [[ $# -gt 0 && "$1" != -- ]]; do envs+=("$1"); shift; done
  shift
  # a clean scheduler environment: the test may itself run inside a job
  if ! out=$(env -u SLURM_JOB_ID -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_JOB_ID -u SLURM_SUBMIT_DIR \
      -u SLURM_CPUS_PER_TASK -u SLURM_NTASKS -u SLURM_GPUS_ON_NODE -u PBS_JOBID -u PBS_O_WORKDIR \
      -u PBS_ARRAY_INDEX -u PBS_ARRAYID -u PBS_NODEFILE -u OMP_NUM_THREADS -u RUNS -u LAUNCH \
      "${envs[@]}" "jobscripts/$script" "$@" 2>&1); then
    fail "$script dry run failed:"$'\n'"$out"
  fi
  printf '%s' "$out"
}

# --- HMC
out=$(render slurm_hmc.sh -- --dry-run inputs/phi4_hmc.ini --hmc.trajectories=77)
expect slurm_hmc "$out" "#SBATCH --ntasks-per-node=4" "#SBATCH --time=" "OMP_PROC_BIND=spread" \
  "OMP_PLACES=threads" "OMP_NUM_THREADS=1" \
  "+ srun build/flowlat hmc --config inputs/phi4_hmc.ini --run.output=runs/hmc_local.h5 --hmc.trajectories=77" \
  "+ build/flowlat inspect runs/hmc_local.h5"
out=$(render slurm_hmc.sh DRY_RUN=1 SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=8 SLURM_GPUS_ON_NODE=4 -- inputs/phi4_hmc.ini)
expect slurm_hmc_gpu "$out" "OMP_NUM_THREADS=8" "+ srun jobscripts/bind_gpu.sh build/flowlat hmc" "runs/hmc_4242.h5"
out=$(render pbs_hmc.sh INPUT=inputs/phi4_hmc.ini "ARGS=--hmc.steps=3 --run.seed=5" PBS_JOBID=812.server -- --dry-run)
expect pbs_hmc "$out" "#PBS -l select=1:ncpus=4:mpiprocs=4" "#PBS -l walltime=" "OMP_PROC_BIND=spread" \
  "+ mpiexec -n 4 build/flowlat hmc --config inputs/phi4_hmc.ini --run.output=runs/hmc_812.h5 --hmc.steps=3 --run.seed=5"
refuse pbs_hmc "$out" "srun"

# --- flow pipeline
out=$(render slurm_flow_pipeline.sh SLURM_JOB_ID=17 SLURM_NTASKS=4 -- --dry-run --train.steps=9)
expect slurm_flow_pipeline "$out" "#SBATCH --job-name=flowlat-flow" "LAUNCH=srun" \
  "+ srun build/flowlat train --run.seed=1 --flow.model=runs/flow_17/phi4_flow.model.h5 --train.steps=9" \
  "+ srun build/flowlat sample --run.seed=1" \
  "+ srun build/flowlat hybrid --run.seed=2" \
  "+ srun build/flowlat hmc --run.seed=3 --hmc.chains=4" \
  "+ build/flowlat analyze runs/flow_17/phi4_flow_mh.h5 runs/flow_17/phi4_hybrid.h5 runs/flow_17/phi4_hmc_same_length.h5"
out=$(render pbs_flow_pipeline.sh DRY_RUN=1 "ARGS=--train.steps=11" PBS_JOBID=9.srv -- )
expect pbs_flow_pipeline "$out" "#PBS -N flowlat-flow" "+ mpiexec -n 4 build/flowlat train" \
  "--flow.model=runs/flow_9/phi4_flow.model.h5 --train.steps=11" "+ build/flowlat analyze"
out=$(render flow_pipeline.sh LAUNCH=mylauncher -- --dry-run)
expect flow_pipeline "$out" "+ mylauncher build/flowlat train" "+ mylauncher build/flowlat sample"

# --- parameter scans: one value per array index, outputs named by the value
out=$(render slurm_scan.sh SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_JOB_ID=300 -- --dry-run inputs/phi4_hmc.ini --hmc.trajectories=10)
expect slurm_scan "$out" "#SBATCH --array=0-4" "#SBATCH --output=flowlat-scan-%A_%a.log" \
  "+ srun build/flowlat hmc --config inputs/phi4_hmc.ini --hmc.trajectories=10 --run.output=runs/scan_300/hmc_lambda_8.h5 --theory.lambda=8"
refuse slurm_scan "$out" "--theory.lambda=4" "--theory.lambda=6" "--theory.lambda=10"
out=$(render pbs_scan.sh SCAN_KEY=theory.m2 "SCAN_VALUES=-4 -3.5 -3" PBS_ARRAY_INDEX=1 "PBS_JOBID=51[1].srv" \
  INPUT=inputs/phi4_hmc.ini -- --dry-run)
expect pbs_scan "$out" "#PBS -J 0-4" \
  "+ mpiexec -n 4 build/flowlat hmc --config inputs/phi4_hmc.ini --run.output=runs/scan_51/hmc_m2_-3.5.h5 --theory.m2=-3.5"
refuse pbs_scan "$out" "--theory.m2=-4" "--theory.m2=-3 "
out=$(render scan.sh "SCAN_VALUES=1 2 3" LAUNCH=run -- --dry-run)
expect scan_all "$out" "hmc_lambda_1.h5 --theory.lambda=1" "hmc_lambda_2.h5 --theory.lambda=2" "hmc_lambda_3.h5 --theory.lambda=3"
if out=$(SLURM_ARRAY_TASK_ID=5 DRY_RUN=1 jobscripts/slurm_scan.sh 2>&1); then
  fail "slurm_scan: index 5 of 5 values accepted"
fi
expect slurm_scan_range "$out" "--array=0-4"

# --- train chain: the first job, then a continuation
out=$(render slurm_train_chain.sh SLURM_JOB_ID=70 "MODEL=$TMP/chain/flow.model.h5" -- --dry-run --train.steps=3000)
expect train_chain_first "$out" "#SBATCH --signal=B:USR1@120" \
  "+ srun build/flowlat train --config inputs/phi4_train.ini --train.steps=3000 --flow.model=$TMP/chain/flow.model.h5" \
  "+ sbatch --dependency=afterany:70" "CHAIN_JOB=2" "jobscripts/slurm_train_chain.sh --train.steps=3000"
refuse train_chain_first "$out" "--train.init_model"
mkdir -p "$TMP/chain" && touch "$TMP/chain/flow.model.h5"
out=$(render slurm_train_chain.sh SLURM_JOB_ID=71 CHAIN_ID=70 CHAIN_JOB=2 "MODEL=$TMP/chain/flow.model.h5" -- --dry-run --train.steps=3000)
expect train_chain_next "$out" "+ cp $TMP/chain/flow.model.h5 $TMP/chain/init.model.h5" \
  "--train.init_model=$TMP/chain/init.model.h5 --run.overwrite=true" "+ sbatch --dependency=afterany:71" "CHAIN_JOB=3"
out=$(render slurm_train_chain.sh CHAIN_JOB=4 MAX_JOBS=4 "MODEL=$TMP/chain/flow.model.h5" -- --dry-run)
expect train_chain_last "$out" "not submitting another"
refuse train_chain_last "$out" "+ sbatch"

# The chain for real, with a fake srun (runs its command), a fake flowlat
# (trains for 3 s) and a fake sbatch (records its arguments): SIGUSR1
# submits the successor, and the job still waits for the training's end.
mkdir -p "$TMP/bin"
printf '#!/bin/bash\nexec "$@"\n' > "$TMP/bin/srun"
printf '#!/bin/bash\necho "$@" > %q\n' "$TMP/sbatch.args" > "$TMP/bin/sbatch"
printf '#!/bin/bash\nsleep 3\necho trained > %q\n' "$TMP/trained" > "$TMP/fake_flowlat"
chmod +x "$TMP/bin/srun" "$TMP/bin/sbatch" "$TMP/fake_flowlat"
env -u SLURM_SUBMIT_DIR -u DRY_RUN PATH="$TMP/bin:$PATH" SLURM_JOB_ID=90 FLOWLAT="$TMP/fake_flowlat" \
  MODEL="$TMP/real/flow.model.h5" jobscripts/slurm_train_chain.sh --train.steps=10 > "$TMP/chain.log" 2>&1 &
JOB=$!
sleep 1
kill -USR1 "$JOB"
wait "$JOB"
STATUS=$?
[[ $STATUS == 0 ]] || fail "train chain: exit status $STATUS after SIGUSR1:"$'\n'"$(cat "$TMP/chain.log")"
[[ -f "$TMP/trained" ]] || fail "train chain: the job did not wait for the training after SIGUSR1"
expect train_chain_signal "$(cat "$TMP/sbatch.args" 2>/dev/null)" "--dependency=afterany:90" "CHAIN_JOB=2" \
  "jobscripts/slurm_train_chain.sh --train.steps=10"

# --- resubmitted HMC jobs continue an existing output
touch "$TMP/hmc_old.h5"
out=$(render slurm_hmc.sh "OUTPUT=$TMP/hmc_old.h5" -- --dry-run inputs/phi4_hmc.ini)
expect slurm_hmc_resume "$out" "#SBATCH --signal=USR1@120" \
  "+ srun build/flowlat hmc --config inputs/phi4_hmc.ini --run.output=$TMP/hmc_old.h5 --run.resume=true"
out=$(render pbs_hmc.sh INPUT=inputs/phi4_hmc.ini "OUTPUT=$TMP/hmc_old.h5" -- --dry-run)
expect pbs_hmc_resume "$out" "--run.output=$TMP/hmc_old.h5 --run.resume=true"
out=$(render slurm_hmc.sh -- --dry-run inputs/phi4_hmc.ini)
refuse slurm_hmc_new "$out" "--run.resume"

# --- run chain (hmc, metropolis, hybrid, sample): the first job, then a continuation
out=$(render slurm_run_chain.sh SLURM_JOB_ID=80 "OUTPUT=$TMP/run/s.h5" -- --dry-run sample inputs/phi4_sample.ini --sample.proposals=99)
expect run_chain_first "$out" "#SBATCH --signal=USR1@120" \
  "+ srun build/flowlat sample --config inputs/phi4_sample.ini --run.output=$TMP/run/s.h5 --sample.proposals=99" \
  "+ sbatch --dependency=afterany:80" "CHAIN_JOB=2" "OUTPUT=$TMP/run/s.h5" \
  "jobscripts/slurm_run_chain.sh sample inputs/phi4_sample.ini --sample.proposals=99"
refuse run_chain_first "$out" "--run.resume" "rm -f"
mkdir -p "$TMP/run" && touch "$TMP/run/s.h5"
out=$(render slurm_run_chain.sh SLURM_JOB_ID=81 CHAIN_ID=80 CHAIN_JOB=2 "OUTPUT=$TMP/run/s.h5" -- --dry-run sample inputs/phi4_sample.ini)
expect run_chain_next "$out" "+ rm -f $TMP/run/s.h5.lock" \
  "--run.output=$TMP/run/s.h5 --run.resume=true" "+ sbatch --dependency=afterany:81" "CHAIN_JOB=3"
out=$(render slurm_run_chain.sh -- --dry-run hmc inputs/phi4_hmc.ini)
expect run_chain_default "$out" "--run.output=runs/hmc_chain_local.h5"
if out=$(DRY_RUN=1 jobscripts/slurm_run_chain.sh train inputs/phi4_train.ini 2>&1); then
  fail "slurm_run_chain: command train accepted"
fi
# For real, with the fake srun and sbatch and a fake flowlat: exit code 3
# (stopped by SIGUSR1) submits the successor, exit 0 (finished) does not.
for code in 3 0; do
  rm -f "$TMP/sbatch.args"
  printf '#!/bin/bash\nexit %d\n' "$code" > "$TMP/fake_run"
  chmod +x "$TMP/fake_run"
  env -u SLURM_SUBMIT_DIR -u DRY_RUN PATH="$TMP/bin:$PATH" SLURM_JOB_ID=95 FLOWLAT="$TMP/fake_run" \
    OUTPUT="$TMP/run/real.h5" jobscripts/slurm_run_chain.sh hmc inputs/phi4_hmc.ini > "$TMP/run_chain.log" 2>&1
  STATUS=$?
  [[ $STATUS == 0 ]] || fail "run chain: exit status $STATUS for flowlat's $code:"$'\n'"$(cat "$TMP/run_chain.log")"
  if [[ $code == 3 ]]; then
    expect run_chain_signal "$(cat "$TMP/sbatch.args" 2>/dev/null)" "--dependency=afterany:95" "CHAIN_JOB=2" \
      "jobscripts/slurm_run_chain.sh hmc inputs/phi4_hmc.ini"
  elif [[ -f "$TMP/sbatch.args" ]]; then
    fail "run chain: a finished run submitted a successor"
  fi
done

# --- shellcheck on every script (its config: jobscripts/.shellcheckrc)
if command -v shellcheck > /dev/null; then
  if ! out=$(shellcheck jobscripts/*.sh tests/jobscripts/*.sh 2>&1); then fail "shellcheck:"$'\n'"$out"; fi
else
  echo "shellcheck not installed: the shellcheck part of this test is skipped"
fi

if [[ $FAILED == 0 ]]; then echo "all job script checks passed"; fi
exit "$FAILED"
