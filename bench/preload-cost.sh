#!/usr/bin/env bash
# Init cost of the enforcer's preload, as valgrind instruction counts (stable
# on a shared CI machine, unlike wall time): `node --predictable -e 0` without
# and with NODE_OPTIONS=--require preload.js. Budget (docs: architecture.md):
# an empty preload is +0.6 %, patching the spawn bindings +0.9 %.
#
#   bench/preload-cost.sh [node-binary...]    (default: the three test versions)
# Needs valgrind and a built layer (npx projen bundle:layer).
set -euo pipefail
cd "$(dirname "$0")/.."
preload="$PWD/assets/layer/nano-enforcer/preload.js"
[ -f "$preload" ] || { echo "build the layer first: npx projen bundle:layer" >&2; exit 1; }
if [ $# -eq 0 ]; then
  mapfile -t nodes < <(npx ts-node --transpile-only test/support/node-binaries.ts)
else
  nodes=("$@")
fi
empty=$(mktemp --suffix=.js)
trap 'rm -f "$empty" callgrind.out.nano.*' EXIT

count() { # node, NODE_OPTIONS
  local out="callgrind.out.nano.$$"
  env -i PATH="$PATH" HOME="$HOME" NODE_OPTIONS="$2" NANO_ENFORCER_POLICY='{"v":1}' \
    valgrind --tool=callgrind --callgrind-out-file="$out" "$1" --predictable -e 0 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
  rm -f "$out"
}

printf '%-10s %14s %14s %8s %14s %8s\n' node baseline empty-preload '+%' enforcer '+%'
for node in "${nodes[@]}"; do
  base=$(count "$node" "")
  e=$(count "$node" "--require $empty")
  p=$(count "$node" "--require $preload")
  printf '%-10s %14d %14d %7.2f%% %14d %7.2f%%\n' "$("$node" -p process.versions.node)" "$base" "$e" \
    "$(echo "($e-$base)*100/$base" | bc -l)" "$p" "$(echo "($p-$base)*100/$base" | bc -l)"
done
