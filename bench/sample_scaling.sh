#!/usr/bin/env bash
# `flowlat sample` (every element saved: sample.save_every = 1) against the
# flow's forward pass alone (bench/propose_rate: prior draw, f(z), log q and the
# action for the same proposals, no chain, no communication, no output), on
# each rank count of $RANKS; counts above the cores run oversubscribed. Also
# `flowlat sample` with output nearly off (one save at the end): the difference
# is what measuring, moving and writing the saved configurations cost. Each
# figure is the best of $REPEAT runs (the machine is shared), the two programs
# alternating so that both see the same moments; the load average (1 min)
# before each rank count is printed beside it.
# usage: [RANKS="1 2 4 8"] [PROPOSALS=20000] [REPEAT=3] [MODEL=model.h5]
#        [BATCH=256] [MPI_FLAGS=...] [BEFORE=old/flowlat] bench/sample_scaling.sh [build dir]
# MPI_FLAGS go to every mpiexec, e.g. "--mca mpi_yield_when_idle 1": on a
# machine shared with other jobs, ranks waiting in a collective then yield
# the core instead of spinning (Open MPI does so by itself when oversubscribed).
# BEFORE adds the rate of another flowlat binary (e.g. built from an older
# commit) on the same input. Figures: docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RANKS=${RANKS:-1 2 4 8}
PROPOSALS=${PROPOSALS:-20000}
REPEAT=${REPEAT:-3}
MODEL=${MODEL:-tests/data/phi4_8x8_z2.model.h5}
BATCH=${BATCH:-256}
MPI_FLAGS=${MPI_FLAGS:-}
CORES=$(nproc)
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

KEYS="--flow.model=$MODEL --sample.proposals=$PROPOSALS --sample.batch=$BATCH"
launch() {  # ranks, command...
  local n=$1; shift
  local extra=""
  [ "$n" -gt "$CORES" ] && extra="--oversubscribe"
  mpiexec $extra $MPI_FLAGS -n "$n" "$@"
}
forward_rate() {  # ranks: proposals/s of the forward pass alone
  launch "$1" "$BUILD/bench/propose_rate" $KEYS | awk '{ print $NF }'
}
sample_rate() {  # ranks, flowlat binary[, sample.save_every]: proposals/s as `flowlat sample` prints it
  launch "$1" "$2" sample $KEYS --sample.save_every="${3:-1}" --run.overwrite=true \
      --run.progress_seconds=0 --run.output="$DIR/sample.h5" > "$DIR/log" 2>&1 ||
    { cat "$DIR/log" >&2; exit 1; }
  sed -n 's/.*done in .* s (\([0-9.]*\) proposals\/s).*/\1/p' "$DIR/log"
}
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a + 0 > b + 0) ? a : b }'; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD), $CORES cores, model $MODEL,"
echo "# $PROPOSALS proposals (+ sample.thermalization), batch $BATCH, best of $REPEAT, mpiexec flags: ${MPI_FLAGS:-none}"
header="| ranks | load (1 min) | forward only (proposals/s) | sample (proposals/s) | sample / forward | sample vs first row | sample, output off (proposals/s) |"
rule="|---|---|---|---|---|---|---|"
[ -n "${BEFORE:-}" ] && header="$header before (proposals/s) |" && rule="$rule---|"
echo "$header"
echo "$rule"
one=""
for n in $RANKS; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  fwd="" smp="" off="" old=""
  for _ in $(seq "$REPEAT"); do
    fwd=$(max "$(forward_rate "$n")" "$fwd")
    smp=$(max "$(sample_rate "$n" "$BUILD/flowlat")" "$smp")
    off=$(max "$(sample_rate "$n" "$BUILD/flowlat" "$PROPOSALS")" "$off")
    [ -n "${BEFORE:-}" ] && old=$(max "$(sample_rate "$n" "$BEFORE")" "$old")
  done
  load="$load → $(cut -d' ' -f1 /proc/loadavg)"
  [ -z "$one" ] && one=$smp
  awk -v n="$n" -v l="$load" -v f="$fwd" -v s="$smp" -v o="$one" -v z="$off" -v b="$old" 'BEGIN {
    printf "| %d | %s | %.0f | %.0f | %.2f | %.2f× | %.0f |", n, l, f, s, s / f, s / o, z
    if (b != "") printf " %.0f |", b
    printf "\n" }'
done
