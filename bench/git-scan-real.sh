#!/usr/bin/env bash
# Issue 26: `pipewatch scan` of the whole history of real public repositories against the raw cost of reading that history
# with the same `git log` command the scan runs, in the same run, per repository.
#
#   bench/git-scan-real.sh [REPO...]                 # default: every clone under $PIPEWATCH_BENCH_REPOS (/work/repos/speed)
#   ROUNDS=5 bench/git-scan-real.sh                  # rounds per repository (default 3; the median round by CPU is shown,
#                                                    # and every round's scan CPU in the last column)
#   PIPEWATCH="/path/to/pipewatch" bench/git-scan-real.sh   # another build (e.g. the one before a change)
#   BUILD=single-file bench/git-scan-real.sh         # the single self-contained file (docs/install.md) instead of the
#                                                    # framework-dependent publish (the .NET tool, the container, the Action)
#   SAVE=DIR bench/git-scan-real.sh                  # keep each repository's findings as DIR/NAME.findings (the "before")
#   BEFORE=DIR bench/git-scan-real.sh                # fail unless every repository's findings equal DIR/NAME.findings
#   LOCKFILES=0 bench/git-scan-real.sh               # skip the last part: every pnpm-lock.yaml and yarn.lock version of the
#                                                    # repositories read whole and through the entry memo (must be identical)
#   WORKFLOWS=0 bench/git-scan-real.sh               # skip the workflows part: every CI definition version parsed the reference
#                                                    # way and the scan's way, then checked (must be identical; CPU per check)
#
# The repositories are clones made outside the project (never committed); bench/README.md lists the ones measured, with
# the commit each was at. Without PIPEWATCH the CLI is published (Release, ReadyToRun, as installed) to bench/out: as the .NET
# tool, the container and the GitHub Action run it (framework-dependent), or with BUILD=single-file as the release binary is
# made (self-contained for this machine's platform: the runtime and the CLI precompiled together as one composite image).
#
# First the fixed cost of any scan (a one-commit repository). Per repository: commits; wall and CPU seconds (user + sys,
# the process and the children it waited for: git log and git cat-file for the scan) of the baseline and of the scan;
# their ratios; the scan's peak resident memory; then `scan --profile`'s CPU by part (reading, preparation, each
# detector). Findings are compared on rule, severity, title, explanation, location and fingerprint.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/git-scan-real"
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT"
if [[ -z "${PIPEWATCH:-}" ]]; then
  case "${BUILD:-tool}" in
    tool)
      dotnet publish "$ROOT/src/PipeWatch.Cli" -c Release -o "$OUT/pipewatch" -v q --nologo >&2
      PIPEWATCH="$OUT/pipewatch/pipewatch" ;;
    single-file)
      rid="linux-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')"
      dotnet publish "$ROOT/src/PipeWatch.Cli" -c Release -r "$rid" -o "$OUT/pipewatch-single-file" -v q --nologo >&2
      PIPEWATCH="$OUT/pipewatch-single-file/pipewatch" ;;
    *) echo "BUILD must be tool or single-file, not '$BUILD'" >&2; exit 2 ;;
  esac
fi

if [[ $# -eq 0 ]]; then
  shopt -s nullglob
  set -- "${PIPEWATCH_BENCH_REPOS:-/work/repos/speed}"/*/
fi

# Exactly the scan's reading of a whole history (GitHistorySource.LogArguments, GitLogParser.Format).
LOG_ARGS=(log --reverse --date-order -p -U0 --raw --no-abbrev -M --diff-merges=first-parent --no-ext-diff --no-textconv
  --src-prefix=a/ --dst-prefix=b/ --encoding=UTF-8 '--format=%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%s' HEAD --)

# Runs "$@" under GNU time; prints "wall cpu maxrss_kb" (cpu = user + sys, children included).
measure() {
  local t
  t=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$t" "$@"
  awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' "$t"
  rm -f "$t"
}

# The comparable part of each finding: what a person reads and what dedup keys on (not detected_at, the run's clock).
findings() {
  jq -c '{rule, severity, title, explanation, location, fingerprint}' "$1" | LC_ALL=C sort
}

# The fixed cost of any scan (start-up, rules, git's first answers), paid once whatever the history: a scan of a one-commit
# repository, median of ROUNDS. The last column takes it off the scan's CPU, to show the cost per history apart from it
# (beside the ratio the target is set on, not instead of it).
one=$(mktemp -d)
git -C "$one" init -q && git -C "$one" -c user.name=bench -c user.email=bench@example.invalid commit -q --allow-empty -m one
fixeds=()
for ((r = 0; r < ROUNDS; r++)); do
  fixeds+=("$(cd "$one" && measure sh -c '"$@" || [ $? -eq 1 ]' scan "$PIPEWATCH" scan . --format json --output /dev/null --fail-on none 2> /dev/null)")
done
rm -rf "$one"
read -r _ fixed _ <<< "$(printf '%s\n' "${fixeds[@]}" | sort -k2 -n | sed -n "$(((ROUNDS + 1) / 2))p")"

# What was measured: a single file carries the runtime inside; a framework-dependent build runs on the machine's.
if [[ -f "$(dirname "$PIPEWATCH")/pipewatch.dll" ]]; then build="framework-dependent"; else build="single file"; fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$PIPEWATCH" --version 2>/dev/null | head -1), $build"
echo "rounds: $ROUNDS per repository (git log, then scan, alternating); the median round by CPU is shown"
echo "fixed cost: a scan of a one-commit repository, $fixed CPU-s (median of $ROUNDS); 'CPU × less fixed' = (scan CPU - $fixed) / git log CPU"
echo
printf '| repository | HEAD | commits | git log wall s | git log CPU s | scan wall s | scan CPU s | wall × | CPU × | peak MB | findings | CPU × less fixed | scan CPU s, all rounds |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|---|\n'
failed=0
for repo in "$@"; do
  repo=${repo%/}
  name=$(basename "$repo")
  head=$(git -C "$repo" rev-parse --short=8 HEAD)
  commits=$(git -C "$repo" rev-list --count HEAD)
  # Warm the page cache (packs) and the CLI once.
  git -C "$repo" "${LOG_ARGS[@]}" > /dev/null
  logs=() scans=()
  for ((r = 0; r < ROUNDS; r++)); do
    logs+=("$(cd "$repo" && measure sh -c 'git "$@" | cat > /dev/null' git "${LOG_ARGS[@]}")")
    # Exit 1 means findings: expected here.
    scans+=("$(cd "$repo" && measure sh -c '"$@" || [ $? -eq 1 ]' scan "$PIPEWATCH" scan . --format json --output "$OUT/$name.jsonl" --fail-on none 2> "$OUT/$name.err")")
  done
  log=$(printf '%s\n' "${logs[@]}" | sort -k2 -n | sed -n "$(((ROUNDS + 1) / 2))p")
  scan=$(printf '%s\n' "${scans[@]}" | sort -k2 -n | sed -n "$(((ROUNDS + 1) / 2))p")
  read -r lw lc _ <<< "$log"
  read -r sw sc sm <<< "$scan"
  # Every round's scan CPU, lowest first: the spread around the median shown.
  spread=$(printf '%s\n' "${scans[@]}" | awk '{ print $2 }' | sort -n | paste -sd' ' -)
  count=$(wc -l < "$OUT/$name.jsonl")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$head" "$commits" "$lw" "$lc" "$sw" "$sc" \
    "$(awk "BEGIN { printf \"%.2f\", $sw / $lw }")" "$(awk "BEGIN { printf \"%.2f\", $sc / $lc }")" "$((sm / 1024))" "$count" \
    "$(awk "BEGIN { printf \"%.2f\", ($sc - $fixed) / $lc }")" "$spread"
  findings "$OUT/$name.jsonl" > "$OUT/$name.findings"
  if [[ -n "${SAVE:-}" ]]; then mkdir -p "$SAVE" && cp "$OUT/$name.findings" "$SAVE/$name.findings"; fi
  if [[ -n "${BEFORE:-}" ]]; then
    if ! cmp -s "$BEFORE/$name.findings" "$OUT/$name.findings"; then
      echo "FINDINGS DIFFER for $name: diff $BEFORE/$name.findings $OUT/$name.findings" >&2
      failed=1
    fi
  fi
done

if [[ "${PROFILE:-1}" == 1 ]] && "$PIPEWATCH" scan --help 2>/dev/null | grep -q -- --profile; then
  for repo in "$@"; do
    repo=${repo%/}
    echo
    echo "$(basename "$repo"): scan --profile"
    (cd "$repo" && "$PIPEWATCH" scan . --format json --output "$OUT/$(basename "$repo").profile.jsonl" --fail-on none --profile 2>&1 >/dev/null | sed -n '/^profile/,$p') || true
  done
fi

if [[ "${LOCKFILES:-1}" == 1 ]]; then
  echo
  echo "lockfile versions read whole and through the entry memo (bench --suite lockfiles):"
  PIPEWATCH_BENCH_REPOS="$(dirname "${1%/}")" dotnet run -c Release --project "$ROOT/bench/PipeWatch.Bench" -v q -- --suite lockfiles || failed=1
fi

if [[ "${WORKFLOWS:-1}" == 1 ]]; then
  echo
  echo "CI definition versions parsed and checked (bench --suite workflows):"
  PIPEWATCH_BENCH_REPOS="$(dirname "${1%/}")" dotnet run -c Release --project "$ROOT/bench/PipeWatch.Bench" -v q -- --suite workflows || failed=1
fi

if [[ -n "${BEFORE:-}" && $failed -eq 0 ]]; then echo; echo "findings: identical to $BEFORE on every repository"; fi
exit $failed
