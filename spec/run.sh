#!/usr/bin/env bash
# `npm run spec` (part of `npm test`): typecheck every Quint spec, then simulate each against its invariants with
# a bounded budget (about 70 s of CPU; wall time grows with the machine's load).
#
# Seeded, so CI is deterministic. To explore other behaviours: SPEC_SEED=12345 npm run spec
# To explore harder:               SPEC_SAMPLES=5000 SPEC_STEPS=60 npm run spec
# A failure prints the command that replays it.
set -euo pipefail
cd "$(dirname "$0")"
quint=(npx --no-install quint)
seed="${SPEC_SEED:-20261125}"
scale="${SPEC_SAMPLES:-}"

for s in raft.qnt kraft.qnt zk.qnt basics.qnt; do
  [ -f "$s" ] || continue
  echo "spec: typecheck $s"
  "${quint[@]}" typecheck "$s" >/dev/null
done

# spec, invariant, samples, steps
runs=(
  "raft.qnt safety 300 40"
  "kraft.qnt safety 300 50"
  "zk.qnt safety 200 30"
)
status=0
for r in "${runs[@]}"; do
  read -r file inv samples steps <<<"$r"
  [ -f "$file" ] || continue
  samples="${scale:-$samples}"
  steps="${SPEC_STEPS:-$steps}"
  cmd=("${quint[@]}" run --backend=typescript "--invariant=$inv" "--max-samples=$samples" "--max-steps=$steps" "--seed=$seed" --verbosity=1 "$file")
  echo "spec: ${cmd[*]:2}"
  start=$SECONDS
  if ! out=$("${cmd[@]}" 2>&1); then
    echo "$out" | tail -n 60
    echo "spec: FAILED $file invariant $inv. Replay: (cd spec && ${cmd[*]} --verbosity=3)"
    status=1
  else
    echo "$out" | grep -E '^\[ok\]' || true
    echo "spec: $file ok in $((SECONDS - start))s (seed $seed)"
  fi
done
echo "spec: done in ${SECONDS}s"
exit $status
