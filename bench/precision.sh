#!/usr/bin/env bash
# Issue 19: findings per 1,000 commits, by rule and severity, of `pipewatch scan` over the whole history of real public
# repositories, where (as far as anyone knows) nothing happened: every medium-or-higher finding there is a false alarm.
#
#   bench/precision.sh REPO...                     # each REPO a clone (outside the project: never commit their contents)
#   PIPEWATCH="dotnet path/to/pipewatch.dll" bench/precision.sh REPO...   # another build, e.g. the one before a change
#   PRECISION_OUT=/tmp/before bench/precision.sh REPO...                  # where the JSON Lines go (default bench/out/precision)
#
# The set of issue 19 (bench/README.md, "Precision on real histories") is cloned under /work/repos/precision:
#   bench/precision.sh /work/repos/precision/*
#
# Per repository and in total: commits scanned, wall seconds, then one row per rule and severity with its count and its
# rate per 1,000 commits; and the rate of medium-or-higher findings. Only counts are printed (no finding text, no secret).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="${PRECISION_OUT:-$ROOT/bench/out/precision}"
mkdir -p "$OUT"
if [[ -z "${PIPEWATCH:-}" ]]; then
  dotnet build "$ROOT/src/PipeWatch.Cli" -c Release -v q --nologo >&2
  PIPEWATCH="dotnet $ROOT/src/PipeWatch.Cli/bin/Release/net10.0/pipewatch.dll"
fi

total_commits=0
: > "$OUT/all.jsonl"
printf '| repository | commits | seconds | findings | medium+ | medium+ per 1,000 commits |\n|---|---|---|---|---|---|\n'
for repo in "$@"; do
  name=$(basename "$repo")
  commits=$(git -C "$repo" rev-list --count HEAD)
  start=$(date +%s.%N)
  # Exit 1 means findings were found: expected here.
  (cd "$repo" && $PIPEWATCH scan . --format json --output "$OUT/$name.jsonl" --fail-on none 2> "$OUT/$name.err") || true
  seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
  findings=$(wc -l < "$OUT/$name.jsonl")
  medium=$(jq -r 'select(.severity == "medium" or .severity == "high" or .severity == "critical") | .rule' "$OUT/$name.jsonl" | wc -l)
  jq -c --arg repo "$name" '{repo: $repo, rule, severity}' "$OUT/$name.jsonl" >> "$OUT/all.jsonl"
  total_commits=$((total_commits + commits))
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$commits" "$seconds" "$findings" "$medium" "$(awk "BEGIN { printf \"%.1f\", $medium * 1000 / $commits }")"
done

printf '\n| rule | severity | findings | per 1,000 commits (all %s) |\n|---|---|---|---|\n' "$total_commits"
jq -r '[.rule, .severity] | @tsv' "$OUT/all.jsonl" | sort | uniq -c | sort -rn |
  awk -v n="$total_commits" '{ printf "| %s | %s | %d | %.1f |\n", $2, $3, $1, $1 * 1000 / n }'
