#!/usr/bin/env bash
# Issue 20 item 1: what the provider rules (rules/secrets/providers.yml) add on natural source, and what they cost.
# Each tree is scanned twice with `scan --no-git`: "before" with only rules/secrets/builtin.yml (--rules), "after" with the
# built-in default (builtin.yml + providers.yml). Per run: the 1-minute load average, wall / user / sys seconds, and the
# secrets.hardcoded findings; then the rule ids found after but not before (new findings: false alarms on natural source).
#   bench/provider-rules.sh [TREE...]                 # default: the real repositories under ../repos/speed/
#   RUNS=3 PIPEWATCH_BIN=PATH bench/provider-rules.sh  # runs per tree and mode (default 1); the pipewatch to run
# Run from the repository root after a build; outputs go to bench/out/provider-rules/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PIPEWATCH=${PIPEWATCH_BIN:-$ROOT/src/PipeWatch.Cli/bin/Debug/net10.0/pipewatch}
BUILTIN=$ROOT/rules/secrets/builtin.yml
RUNS=${RUNS:-1}
OUT=$ROOT/bench/out/provider-rules
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- "$ROOT"/../repos/speed/*
cd "$OUT"  # no pipewatch.yml here: the trees are scanned with the defaults
for tree in "$@"; do
  name=$(basename "$tree")
  for run in $(seq "$RUNS"); do
    for mode in before after; do
      args=(); [ "$mode" = before ] && args=(--rules "$BUILTIN")
      load=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -f "%e %U %S" -o time.txt "$PIPEWATCH" scan --no-git "$tree" "${args[@]}" --format json \
        -o "$name-$mode.jsonl" --fail-on none 2>/dev/null
      printf '%-32s %-6s run %s  load %5s  wall/user/sys %s  secret findings %s\n' "$name" "$mode" "$run" "$load" \
        "$(cat time.txt)" "$(grep -c '"secrets.hardcoded"' "$name-$mode.jsonl" || true)"
    done
  done
  new=$(comm -13 <(grep -o '"rule":"[^"]*"' "$name-before.jsonl" | sort -u) <(grep -o '"rule":"[^"]*"' "$name-after.jsonl" | sort -u) | tr '\n' ' ')
  printf '%-32s new rule ids after: %s\n' "$name" "${new:-none}"
done
