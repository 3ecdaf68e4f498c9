#!/usr/bin/env bash
# Issue 3 (c): pipewatch, secretlint and git-secrets side by side on the same files, in one run, on two corpora.
#
#   bench/secret-tools.sh                   # both corpora, 100 MB each, plus every built-in rule's true examples planted
#   MB=20 bench/secret-tools.sh             # smaller corpora
#   CORPORA=natural bench/secret-tools.sh   # one corpus: xml or natural
#   SECRETLINT_WHOLE=0 bench/secret-tools.sh  # skip secretlint's one run over all files (~45 min on the natural corpus)
#   PIPEWATCH_RUNS=9 bench/secret-tools.sh    # runs of each pipewatch tool, of which the median is taken (default 5)
#
# Corpora (written by `PipeWatch.Bench --suite secret-tool-corpus` and `--suite secret-tool-natural-corpus`):
#   xml      bench/out/secret-tools/files:   the machine's source text in path order root by root (SourceTextCorpus.Collect):
#            on a machine with the .NET SDK, mostly its API reference XML files (~90 KB each)
#   natural  bench/out/secret-tools/natural: natural source trees one file from each in turn (SourceTextCorpus.CollectNatural):
#            Python's library, node modules, the NuGet cache and the .NET SDK without API XML, C headers, Perl modules (~11 KB each)
# Each holds source/ (real files renamed NNNNN.EXT.txt, so no tool's ignore rules for node_modules or vendor folders apply)
# and planted/ (RULE.N.txt: match example N of each built-in rule between two ordinary lines; planted.tsv lists them).
# Tools, each the whole process: pipewatch-scan (`scan --no-git` over the corpus folder: files, as secretlint reads them;
# the headline), pipewatch-ingest (`ingest --source plain-log`, a fresh store: the CI-log path, with decoding of encoded
# strings), secretlint@12 with @secretlint/secretlint-rule-preset-recommend@12 (installed here with npm into
# bench/out/secretlint), git-secrets (Debian package; installed with apt-get when missing and running as root; its
# patterns registered in a git config of its own under bench/out, never the user's). secretlint runs twice: once over
# all files (one run, as `secretlint "**/*"` is used), and in batches of SECRETLINT_BATCH files (default 500), because
# its cost per run grows about with the square of the number of files (its best case).
# Printed per tool: the 1-minute load average when it started, wall seconds (pipewatch's: the median of its runs), MB/s over all files, source files flagged
# (none holds a real secret: these are false alarms; for pipewatch only secret findings count, other analyzers' findings
# are counted apart), planted files found of all planted (recall), and each tool's time as a multiple of pipewatch-scan's.
# No secret is printed: only counts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/secret-tools"
MB=${MB:-100}
CORPORA=${CORPORA:-xml natural}
mkdir -p "$OUT"

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

# pipewatch as it is installed (README, Install): published, so precompiled (ReadyToRun) for this machine's runtime.
say "publishing pipewatch into bench/out/pipewatch and building the bench (Release) ..."
dotnet publish -c Release "$ROOT/src/PipeWatch.Cli" -o "$ROOT/bench/out/pipewatch" -nologo -v q >/dev/null
dotnet build -c Release "$ROOT/bench/PipeWatch.Bench" -nologo -v q >/dev/null
PIPEWATCH="$ROOT/bench/out/pipewatch/pipewatch"

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

# Each runner reads the corpus in $FILES, writes the flagged files' names, one a line, to $RESULTS/TOOL.files and prints
# its wall seconds.
# pipewatch's runs are a second or a few: each runs PIPEWATCH_RUNS times (default 5) and its median is taken, the times of
# every run written to $RESULTS/TOOL.runs (the first run after the corpus is written can meet the disk still flushing it).
median_of_runs() {
  local tool=$1 i start end
  shift
  : > "$RESULTS/$tool.runs"
  for ((i = 0; i < ${PIPEWATCH_RUNS:-5}; i++)); do
    start=$(now)
    "$@"
    end=$(now)
    calc "$end - $start" >> "$RESULTS/$tool.runs"
    echo >> "$RESULTS/$tool.runs"
  done
  sort -n "$RESULTS/$tool.runs" | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

scan_once() {
  (cd "$OUT" && "$PIPEWATCH" scan --no-git "$FILES" --format json --fail-on none > "$RESULTS/pipewatch-scan.jsonl" 2> "$RESULTS/pipewatch-scan.err")
}

run_pipewatch_scan() {
  local seconds
  seconds=$(median_of_runs pipewatch-scan scan_once)
  node -e 'const fs=require("fs"),p=require("path");const t=fs.readFileSync(process.argv[1],"utf8").trim();const f=t?t.split("\n").map(l=>JSON.parse(l)):[];
    const files=k=>[...new Set(f.filter(k).map(x=>p.resolve(process.argv[4],x.location.file)))];const w=(n,s)=>fs.writeFileSync(n,s.join("\n")+(s.length?"\n":""));
    w(process.argv[2],files(x=>x.category.startsWith("secrets.")));w(process.argv[3],files(x=>!x.category.startsWith("secrets.")));' \
    "$RESULTS/pipewatch-scan.jsonl" "$RESULTS/pipewatch-scan.files" "$RESULTS/pipewatch-scan.other" "$FILES"
  echo "$seconds"
}

# Each run into a fresh store, or the second would find every event already ingested.
ingest_once() {
  rm -rf "$RESULTS/store"; mkdir -p "$RESULTS/store"
  "$PIPEWATCH" ingest --source plain-log "$FILES/source" "$FILES/planted" --store "$RESULTS/store/pipewatch.db" --format json --fail-on none \
    > "$RESULTS/pipewatch-ingest.jsonl" 2> "$RESULTS/pipewatch-ingest.err"
}

run_pipewatch_ingest() {
  local seconds
  seconds=$(median_of_runs pipewatch-ingest ingest_once)
  node -e 'const fs=require("fs");const t=fs.readFileSync(process.argv[1],"utf8").trim();const f=t?t.split("\n").map(l=>JSON.parse(l)):[];
    const files=k=>[...new Set(f.filter(k).map(x=>x.location.file))];const w=(n,s)=>fs.writeFileSync(n,s.join("\n")+(s.length?"\n":""));
    w(process.argv[2],files(x=>x.category.startsWith("secrets.")));w(process.argv[3],files(x=>!x.category.startsWith("secrets.")));' \
    "$RESULTS/pipewatch-ingest.jsonl" "$RESULTS/pipewatch-ingest.files" "$RESULTS/pipewatch-ingest.other"
  echo "$seconds"
}

run_secretlint() {
  [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable; return; }
  [ "${SECRETLINT_WHOLE:-1}" = 1 ] || { echo skipped; return; }
  local start end
  start=$(now)
  (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "$FILES/source/**/*" "$FILES/planted/**/*" --secretlintrc .secretlintrc.json \
    --format json --output "$RESULTS/secretlint.json" >/dev/null 2>"$RESULTS/secretlint.err") || true
  end=$(now)
  node -e 'const fs=require("fs");const r=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));fs.writeFileSync(process.argv[2],r.filter(f=>f.messages.length>0).map(f=>f.filePath).join("\n")+"\n")' \
    "$RESULTS/secretlint.json" "$RESULTS/secretlint.files"
  calc "$end - $start"
}

# secretlint again, over the same files in batches of SECRETLINT_BATCH (default 500) files per run: its cost per run grows
# about with the square of the files it is given (1,000 natural files: 13.6 CPU-s; 3,000: 120), so this is its best case.
run_secretlint_batched() {
  [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable; return; }
  local start end i batch=${SECRETLINT_BATCH:-500}
  local -a all
  mapfile -t all < <(find "$FILES/source" "$FILES/planted" -type f | sort)
  rm -f "$RESULTS"/secretlint-batched.*.json
  start=$(now)
  for ((i = 0; i < ${#all[@]}; i += batch)); do
    (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "${all[@]:i:batch}" --secretlintrc .secretlintrc.json \
      --format json --output "$RESULTS/secretlint-batched.$i.json" >/dev/null 2>>"$RESULTS/secretlint-batched.err") || true
  done
  end=$(now)
  node -e 'const fs=require("fs"),p=require("path");const d=process.argv[1];const out=[];
    for(const f of fs.readdirSync(d).filter(n=>/^secretlint-batched\.\d+\.json$/.test(n)))for(const r of JSON.parse(fs.readFileSync(p.join(d,f),"utf8")))if(r.messages.length>0)out.push(r.filePath);
    fs.writeFileSync(process.argv[2],out.join("\n")+(out.length?"\n":""))' "$RESULTS" "$RESULTS/secretlint-batched.files"
  calc "$end - $start"
}

run_git_secrets() {
  command -v git-secrets >/dev/null 2>&1 || { echo unavailable; return; }
  local start end
  start=$(now)
  (cd "$FILES" && GIT_CONFIG_GLOBAL="$GIT_SECRETS_CONFIG" git secrets --scan -r source planted > "$RESULTS/git-secrets.out" 2>&1) || true
  end=$(now)
  grep -E '^(source|planted)/[^:]+:[0-9]+:' "$RESULTS/git-secrets.out" | cut -d: -f1 | sed "s|^|$FILES/|" | sort -u > "$RESULTS/git-secrets.files" || true
  calc "$end - $start"
}

load1() { cut -d' ' -f1 /proc/loadavg; }
TOOLS="pipewatch-scan pipewatch-ingest secretlint secretlint-batched git-secrets"
REPORT="$OUT/report.txt"
: > "$REPORT"
for corpus in $CORPORA; do
  case $corpus in
    xml) FILES="$OUT/files"; SUITE=secret-tool-corpus; TITLE="the machine's source text in path order (mostly API reference XML)" ;;
    natural) FILES="$OUT/natural"; SUITE=secret-tool-natural-corpus; TITLE="natural source trees, one file from each in turn" ;;
    *) say "unknown corpus '$corpus' (expected xml or natural)"; exit 2 ;;
  esac
  RESULTS="$OUT/results/$corpus"
  mkdir -p "$RESULTS"
  dotnet run -c Release --no-build --project "$ROOT/bench/PipeWatch.Bench" -- --suite "$SUITE" --mb "$MB" --out "$FILES" >&2
  BYTES=$(find "$FILES/source" "$FILES/planted" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  SOURCES=$(find "$FILES/source" -type f | wc -l)
  PLANTED=$(wc -l < "$FILES/planted.tsv")

  LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
  say "[$corpus] load average before: $LOAD_START; $(nproc) cores"
  declare -A SECONDS_OF LOAD_OF
  for tool in $TOOLS; do
    say "[$corpus] running $tool ..."
    LOAD_OF[$tool]=$(load1)
    case $tool in
      pipewatch-scan) SECONDS_OF[$tool]=$(run_pipewatch_scan) ;;
      pipewatch-ingest) SECONDS_OF[$tool]=$(run_pipewatch_ingest) ;;
      secretlint) SECONDS_OF[$tool]=$(run_secretlint) ;;
      secretlint-batched) SECONDS_OF[$tool]=$(run_secretlint_batched) ;;
      git-secrets) SECONDS_OF[$tool]=$(run_git_secrets) ;;
    esac
  done
  LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
  say "[$corpus] load average after: $LOAD_END"

  {
    printf '\n%s corpus: %s\n' "$corpus" "$TITLE"
    printf 'files: %s MB (%s source files, %s KB on average; %s planted examples of %s rules); load average %s at start, %s at end; %s cores\n\n' \
      "$(calc "$BYTES / 1000000")" "$SOURCES" "$(calc "$BYTES / 1000 / ($SOURCES + $PLANTED)")" "$PLANTED" "$(cut -f2 "$FILES/planted.tsv" | sort -u | wc -l)" \
      "$LOAD_START" "$LOAD_END" "$(nproc)"
    printf '%-19s %6s %9s %9s %15s %23s %14s\n' tool "load" seconds MB/s "source flagged" "planted found (recall)" "time / scan's"
    PW=${SECONDS_OF[pipewatch-scan]}
    for tool in $TOOLS; do
      s=${SECONDS_OF[$tool]}
      case $s in unavailable|skipped) printf '%-19s %6s %9s\n' "$tool" "${LOAD_OF[$tool]}" "$s"; continue ;; esac
      flagged=$(grep -c "/source/" "$RESULTS/$tool.files" || true)
      found=$(grep -c "/planted/" "$RESULTS/$tool.files" || true)
      printf '%-19s %6s %9.2f %9.2f %15s %16s (%5.1f%%) %13.1fx\n' "$tool" "${LOAD_OF[$tool]}" "$s" "$(calc "$BYTES / 1000000 / $s")" "$flagged" \
        "$found/$PLANTED" "$(calc "100 * $found / $PLANTED")" "$(calc "$s / $PW")"
    done
    for tool in pipewatch-scan pipewatch-ingest; do
      printf '%s: seconds of each run: %s (the median is above; other tools ran once)\n' "$tool" "$(grep . "$RESULTS/$tool.runs" | tr '\n' ' ')"
    done
    for tool in pipewatch-scan pipewatch-ingest; do
      other=$(grep -c "/source/" "$RESULTS/$tool.other" 2>/dev/null || true)
      printf '%s: %s source files with findings of other analyzers (not secrets, not counted above)\n' "$tool" "${other:-0}"
    done
    for tool in secretlint secretlint-batched; do
      case ${SECONDS_OF[$tool]} in unavailable|skipped) continue ;; esac
      ratio=$(calc "${SECONDS_OF[$tool]} / $PW")
      verdict=$(awk "BEGIN { print ($ratio >= 50) ? \"MEETS\" : \"SHORT OF\" }")
      printf 'verdict: pipewatch-scan is %sx the throughput of %s: %s the >= 50x target\n' "$ratio" "$tool" "$verdict"
    done
  } | tee -a "$REPORT"
  unset SECONDS_OF LOAD_OF
done
printf '\ntarget: pipewatch >= 50x secretlint'"'"'s throughput with equal or better recall (report: %s)\n' "$REPORT"
