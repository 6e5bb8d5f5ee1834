#!/bin/bash
# Where flows beat HMC: compact 2D U(1) at L = 16 over a range of beta.
# For each beta: trains the gauge-equivariant flow at L = TRAIN_L (the
# default training) and uses it at L through sample.transfer; then runs
# flow-MH (`sample`), hybrid chains (HMC + flow proposals), HMC and the heat
# bath at L, timing every step. analysis/u1_topology.py then tabulates
# <Q^2> against the exact torus value, tau_int of Q^2 and of the plaquette,
# how often Q changes, and the cost of an effectively independent Q^2
# measurement (training included), and plots tau_int and cost against beta.
#
# usage: jobscripts/u1_topology.sh [--section.key=value ...]   (overrides go to every run)
# environment (defaults): BETAS ("1 2 3 4 5 6 7"), L (16), TRAIN_L (8),
#   TRAIN_STEPS (5000), RANKS (2), CHAINS (4), TRAJECTORIES (5000 per chain:
#   HMC, heat bath, hybrid), PROPOSALS (50000: flow-MH), RUNS
#   (runs/u1_topology), FLOWLAT (build/flowlat), REUSE_MODELS (1: keep a
#   trained model found in RUNS and its recorded training time)
set -euo pipefail
cd "$(dirname "$0")/.."
BETAS=${BETAS:-"1 2 3 4 5 6 7"}
L=${L:-16}
TRAIN_L=${TRAIN_L:-8}
TRAIN_STEPS=${TRAIN_STEPS:-5000}
RANKS=${RANKS:-2}
CHAINS=${CHAINS:-4}
TRAJECTORIES=${TRAJECTORIES:-5000}
PROPOSALS=${PROPOSALS:-50000}
RUNS=${RUNS:-runs/u1_topology}
FLOWLAT=${FLOWLAT:-build/flowlat}
REUSE_MODELS=${REUSE_MODELS:-1}
mkdir -p "$RUNS"
MPIEXEC=(mpiexec -n "$RANKS")
if mpiexec --version 2>&1 | grep -qi "open-\?mpi\|OpenRTE"; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  MPIEXEC=(mpiexec --oversubscribe -n "$RANKS")
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

# seconds of wall time of one command (its output in $RUNS/last.log)
timed() {
  local start end
  start=$(date +%s.%N)
  "$@" > "$RUNS/last.log" 2>&1 || { cat "$RUNS/last.log"; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

TIMES="$RUNS/times.txt"
[[ -f "$TIMES" ]] || echo "# beta sampler file seconds train_seconds" > "$TIMES"
for beta in $BETAS; do
  u1=(--theory.name=u1 --theory.beta="$beta" --run.overwrite=true)
  model="$RUNS/model_b$beta.h5"
  if [[ "$REUSE_MODELS" == 1 && -f "$model" && -f "$model.seconds" ]]; then
    t_train=$(cat "$model.seconds")
    echo "== beta $beta: model $model (trained in $t_train s)"
  else
    echo "== beta $beta: train at L = $TRAIN_L, $TRAIN_STEPS steps on $RANKS ranks"
    t_train=$(timed "${MPIEXEC[@]}" "$FLOWLAT" train "${u1[@]}" --lattice.shape="$TRAIN_L,$TRAIN_L" \
      --train.steps="$TRAIN_STEPS" --flow.model="$model" "$@")
    echo "$t_train" > "$model.seconds"
    grep -E "last .* steps" "$RUNS/last.log"
  fi
  at_l=("${u1[@]}" --lattice.shape="$L,$L")
  f="$RUNS/flow_mh_b$beta.h5"
  t=$(timed "${MPIEXEC[@]}" "$FLOWLAT" sample "${at_l[@]}" --flow.model="$model" --sample.transfer=true \
    --sample.proposals="$PROPOSALS" --run.output="$f" --run.seed=11 "$@")
  echo "$beta flow-MH $f $t $t_train" >> "$TIMES"
  grep -E "done in" "$RUNS/last.log"
  f="$RUNS/hybrid_b$beta.h5"
  t=$(timed "${MPIEXEC[@]}" "$FLOWLAT" hybrid "${at_l[@]}" --flow.model="$model" --hybrid.transfer=true \
    --hybrid.chains="$CHAINS" --hybrid.trajectories="$TRAJECTORIES" --run.output="$f" --run.seed=12 "$@")
  echo "$beta hybrid $f $t $t_train" >> "$TIMES"
  f="$RUNS/hmc_b$beta.h5"
  t=$(timed "${MPIEXEC[@]}" "$FLOWLAT" hmc "${at_l[@]}" --hmc.chains="$CHAINS" \
    --hmc.trajectories="$TRAJECTORIES" --run.output="$f" --run.seed=13 "$@")
  echo "$beta hmc $f $t 0" >> "$TIMES"
  f="$RUNS/heatbath_b$beta.h5"
  t=$(timed "${MPIEXEC[@]}" "$FLOWLAT" metropolis "${at_l[@]}" --metropolis.chains="$CHAINS" \
    --metropolis.sweeps="$TRAJECTORIES" --run.output="$f" --run.seed=14 "$@")
  echo "$beta heat-bath $f $t 0" >> "$TIMES"
done
/usr/bin/python3 analysis/u1_topology.py "$TIMES" --flowlat "$FLOWLAT" --plot "$RUNS/u1_topology.png"
