#!/usr/bin/env bash
# Issue 3 (c): pipewatch, secretlint and git-secrets side by side on the same files, in one run.
#
#   bench/secret-tools.sh            # 100 MB of the machine's source text + every built-in rule's true examples planted
#   MB=20 bench/secret-tools.sh      # a smaller run
#
# Files (bench/out/secret-tools/files, written by `PipeWatch.Bench --suite secret-tool-corpus`):
#   source/   real source text (the .NET SDK, the NuGet cache, global node modules, Python's library), renamed NNNNN.EXT.txt
#   planted/  RULE.N.txt: match example N of each built-in rule between two ordinary lines; planted.tsv lists them
# Tools: pipewatch (`ingest --source plain-log`, Release build, a fresh store: the whole process, with decoding of
# encoded strings, as CI logs are read), pipewatch-scan (`scan --no-git` over the same folder: the folder scanner of
# `pipewatch scan`, plain text only), secretlint@12 with @secretlint/secretlint-rule-preset-recommend@12 (installed here with npm into
# bench/out/secretlint), git-secrets (Debian package; installed with apt-get when missing and running as root; its
# patterns registered in a git config of its own under bench/out, never the user's).
# Printed per tool: wall seconds, MB/s over all files, files flagged among the source files, planted files found of
# all planted (recall), and pipewatch's (the ingest line's) throughput as a multiple of each tool's. No secret is printed: only counts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/secret-tools"
FILES="$OUT/files"
MB=${MB:-100}
mkdir -p "$OUT/results"

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

say "building pipewatch and the bench (Release) ..."
dotnet build -c Release "$ROOT/src/PipeWatch.Cli" -nologo -v q >/dev/null
dotnet build -c Release "$ROOT/bench/PipeWatch.Bench" -nologo -v q >/dev/null
PIPEWATCH="$ROOT/src/PipeWatch.Cli/bin/Release/net10.0/pipewatch"

dotnet run -c Release --no-build --project "$ROOT/bench/PipeWatch.Bench" -- --suite secret-tool-corpus --mb "$MB" --out "$FILES" >&2
BYTES=$(find "$FILES/source" "$FILES/planted" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
PLANTED=$(wc -l < "$FILES/planted.tsv")

# secretlint, from the npm registry, into bench/out/secretlint
SECRETLINT_DIR="$ROOT/bench/out/secretlint"
if [ ! -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ]; then
  say "installing secretlint@12 and its recommended preset into $SECRETLINT_DIR ..."
  mkdir -p "$SECRETLINT_DIR"
  [ -f "$SECRETLINT_DIR/package.json" ] || echo '{"private":true}' > "$SECRETLINT_DIR/package.json"
  (cd "$SECRETLINT_DIR" && npm install --no-audit --no-fund --silent secretlint@12 @secretlint/secretlint-rule-preset-recommend@12) >&2 || say "secretlint: npm install failed"
fi
echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' > "$SECRETLINT_DIR/.secretlintrc.json"

# git-secrets, from Debian
if ! command -v git-secrets >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing git-secrets with apt-get ..."
  apt-get install -y -qq git-secrets >/dev/null 2>&1 || say "git-secrets: apt-get install failed"
fi
GIT_SECRETS_CONFIG="$OUT/git-secrets.gitconfig"
rm -f "$GIT_SECRETS_CONFIG"
if command -v git-secrets >/dev/null 2>&1; then GIT_CONFIG_GLOBAL="$GIT_SECRETS_CONFIG" git secrets --register-aws --global >/dev/null; fi

# Each runner writes the flagged files' names, one a line, to results/TOOL.files and prints its wall seconds.
run_pipewatch() {
  rm -rf "$OUT/store"; mkdir -p "$OUT/store"
  local start end
  start=$(now)
  "$PIPEWATCH" ingest --source plain-log "$FILES/source" "$FILES/planted" --store "$OUT/store/pipewatch.db" --format json --fail-on none \
    > "$OUT/results/pipewatch.jsonl" 2> "$OUT/results/pipewatch.err"
  end=$(now)
  node -e 'const fs=require("fs");const t=fs.readFileSync(process.argv[1],"utf8").trim();const s=new Set(t?t.split("\n").map(l=>JSON.parse(l).location.file):[]);fs.writeFileSync(process.argv[2],[...s].join("\n")+(s.size?"\n":""))' \
    "$OUT/results/pipewatch.jsonl" "$OUT/results/pipewatch.files"
  calc "$end - $start"
}

run_pipewatch_scan() {
  rm -rf "$OUT/store-scan"; mkdir -p "$OUT/store-scan"
  local start end
  start=$(now)
  (cd "$OUT" && "$PIPEWATCH" scan --no-git "$FILES" --store "$OUT/store-scan/pipewatch.db" --format json --fail-on none \
    > "$OUT/results/pipewatch-scan.jsonl" 2> "$OUT/results/pipewatch-scan.err")
  end=$(now)
  node -e 'const fs=require("fs"),p=require("path");const t=fs.readFileSync(process.argv[1],"utf8").trim();const s=new Set(t?t.split("\n").map(l=>p.resolve(process.argv[3],JSON.parse(l).location.file)):[]);fs.writeFileSync(process.argv[2],[...s].join("\n")+(s.size?"\n":""))' \
    "$OUT/results/pipewatch-scan.jsonl" "$OUT/results/pipewatch-scan.files" "$FILES"
  calc "$end - $start"
}

run_secretlint() {
  [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable; return; }
  local start end
  start=$(now)
  (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "$FILES/source/**/*" "$FILES/planted/**/*" --secretlintrc .secretlintrc.json \
    --format json --output "$OUT/results/secretlint.json" >/dev/null 2>"$OUT/results/secretlint.err") || true
  end=$(now)
  node -e 'const fs=require("fs");const r=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));fs.writeFileSync(process.argv[2],r.filter(f=>f.messages.length>0).map(f=>f.filePath).join("\n")+"\n")' \
    "$OUT/results/secretlint.json" "$OUT/results/secretlint.files"
  calc "$end - $start"
}

run_git_secrets() {
  command -v git-secrets >/dev/null 2>&1 || { echo unavailable; return; }
  local start end
  start=$(now)
  (cd "$FILES" && GIT_CONFIG_GLOBAL="$GIT_SECRETS_CONFIG" git secrets --scan -r source planted > "$OUT/results/git-secrets.out" 2>&1) || true
  end=$(now)
  grep -E '^(source|planted)/[^:]+:[0-9]+:' "$OUT/results/git-secrets.out" | cut -d: -f1 | sed "s|^|$FILES/|" | sort -u > "$OUT/results/git-secrets.files" || true
  calc "$end - $start"
}

say "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
declare -A SECONDS_OF
TOOLS="pipewatch pipewatch-scan secretlint git-secrets"
for tool in $TOOLS; do
  say "running $tool ..."
  case $tool in
    pipewatch) SECONDS_OF[$tool]=$(run_pipewatch) ;;
    pipewatch-scan) SECONDS_OF[$tool]=$(run_pipewatch_scan) ;;
    secretlint) SECONDS_OF[$tool]=$(run_secretlint) ;;
    git-secrets) SECONDS_OF[$tool]=$(run_git_secrets) ;;
  esac
done
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '\nfiles: %s MB (%s source files, %s planted examples of %s rules)\n\n' \
  "$(calc "$BYTES / 1000000")" "$(ls "$FILES/source" | wc -l)" "$PLANTED" "$(cut -f2 "$FILES/planted.tsv" | sort -u | wc -l)"
printf '%-15s %10s %10s %16s %22s %18s\n' tool seconds MB/s "source flagged" "planted found (recall)" "pipewatch speed"
PW=${SECONDS_OF[pipewatch]}
for tool in $TOOLS; do
  s=${SECONDS_OF[$tool]}
  if [ "$s" = unavailable ]; then printf '%-15s %10s\n' "$tool" "unavailable"; continue; fi
  flagged=$(grep -c "/source/" "$OUT/results/$tool.files" || true)
  found=$(grep -c "/planted/" "$OUT/results/$tool.files" || true)
  printf '%-15s %10.2f %10.2f %16s %15s (%5.1f%%) %17.1fx\n' "$tool" "$s" "$(calc "$BYTES / 1000000 / $s")" "$flagged" \
    "$found/$PLANTED" "$(calc "100 * $found / $PLANTED")" "$(calc "$s / $PW")"
done
printf '\ntarget: pipewatch >= 50x secretlint'"'"'s throughput with equal or better recall\n'
