#!/usr/bin/env bash
# Issue 3 (c), judged as issue 24 asks: pipewatch, secretlint and git-secrets side by side on the same files, in one run,
# on two corpora for throughput and on a labelled set for recall.
#
#   bench/secret-tools.sh                     # both corpora, 100 MB each, every tool RUNS times, and the labelled set
#   MB=20 bench/secret-tools.sh               # smaller corpora
#   CORPORA=natural bench/secret-tools.sh     # one corpus: xml or natural
#   RUNS=5 bench/secret-tools.sh              # runs of every tool on each corpus (default 3; PIPEWATCH_RUNS is the old name)
#   SECRETLINT_WHOLE=1 bench/secret-tools.sh  # also secretlint in one run over all files (~45 min a run on the natural corpus)
#   RECALL_ONLY=1 bench/secret-tools.sh       # only the labelled set's recall and false alarms (no throughput corpora)
#   PIPEWATCH_BIN=PATH bench/secret-tools.sh  # use that pipewatch instead of publishing one (timings then are not "as installed")
#   DETECT_SECRETS_SRC=DIR bench/secret-tools.sh  # a checkout of Yelp/detect-secrets (default ../repos/detect-secrets beside
#                                             # the repository); run from source with python3 (python3-yaml, python3-requests);
#                                             # skipped with a note when absent
#
# Throughput corpora (written by `PipeWatch.Bench --suite secret-tool-corpus` and `--suite secret-tool-natural-corpus`,
# which replace only a folder they wrote themselves):
#   xml      bench/out/secret-tools/files:   the machine's source text in path order root by root (SourceTextCorpus.Collect):
#            on a machine with the .NET SDK, mostly its API reference XML files (~90 KB each)
#   natural  bench/out/secret-tools/natural: natural source trees one file from each in turn (SourceTextCorpus.CollectNatural):
#            Python's library, node modules, the NuGet cache and the .NET SDK without API XML, C headers, Perl modules (~11 KB each)
# Each holds source/ (real files renamed NNNNN.EXT.txt, so no tool's ignore rules for node_modules or vendor folders apply)
# and planted/ (RULE.N.txt: match example N of each built-in rule between two ordinary lines; planted.tsv lists them).
# The planted files are our own rules' examples, so their recall favours pipewatch: it is printed for information only.
#
# Recall is judged on bench/secret-recall: ordinary files in the formats their documentation gives (AWS credentials, .env,
# .npmrc, .pypirc, Docker config.json, Rails database.yml, a workflow, a Kubernetes Secret, terraform.tfvars, a PEM key,
# Django settings, appsettings.json, a Firebase config, and GitHub Actions, GitLab, Jenkins and CircleCI job logs), each
# positive file holding one secret at the lines labels.tsv gives, and negative files of the same formats holding none
# (placeholders, secret references, masked values, digests). A secret is found when a tool reports a line of its range;
# a negative file a tool reports is a false alarm.
#
# Tools, each the whole process: pipewatch-scan (`scan --no-git` over the folder: files, as secretlint reads them; the
# headline), pipewatch-ingest (`ingest --source plain-log`, a fresh store: the CI-log path, with decoding of encoded
# strings), secretlint@12 with @secretlint/secretlint-rule-preset-recommend@12 (installed here with npm into
# bench/out/secretlint; when npm cannot install it, its lines say "unavailable" and the verdict cannot be given),
# git-secrets (Debian package; installed with apt-get when missing and running as root; its patterns registered in a git
# config of its own under bench/out, never the user's). secretlint-batched runs secretlint over SECRETLINT_BATCH files
# (default 500) per process, because its cost per run grows about with the square of the number of files (its best case).
# Every tool runs RUNS times on each corpus; printed per tool: the 1-minute load average when it started, the median,
# lowest and highest wall seconds and the spread ((highest - lowest) / median), MB/s at the median, source files flagged
# (none holds a real secret: false alarms; for pipewatch only secret findings count), planted files found, and the
# median as a multiple of pipewatch-scan's. No secret is printed: only counts.
#
# Verdict (target: pipewatch >= 50x secretlint's throughput with equal or better recall), per corpus: the ratio of the
# medians of secretlint-batched and pipewatch-scan (with the range the runs allow) >= 50, AND pipewatch-scan's recall on
# the labelled set >= secretlint's. Both halves are printed; MEETS only when both hold.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/bench/out/secret-tools"
MB=${MB:-100}
CORPORA=${CORPORA:-xml natural}
[ "${RECALL_ONLY:-0}" = 1 ] && CORPORA=""
DETECT_SECRETS_SRC=${DETECT_SECRETS_SRC:-$ROOT/../repos/detect-secrets}
RUNS=${RUNS:-${PIPEWATCH_RUNS:-3}}
RECALL="$ROOT/bench/secret-recall"
mkdir -p "$OUT"

say() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

# pipewatch as it is installed (README, Install): published, so precompiled (ReadyToRun) for this machine's runtime.
if [ -n "${PIPEWATCH_BIN:-}" ]; then
  PIPEWATCH=$PIPEWATCH_BIN  # an already built pipewatch (e.g. the Debug build), for a quick recall-only run
else
  say "publishing pipewatch into bench/out/pipewatch and building the bench (Release) ..."
  dotnet publish -c Release "$ROOT/src/PipeWatch.Cli" -o "$ROOT/bench/out/pipewatch" -nologo -v q >/dev/null
  dotnet build -c Release "$ROOT/bench/PipeWatch.Bench" -nologo -v q >/dev/null
  PIPEWATCH="$ROOT/bench/out/pipewatch/pipewatch"
fi
[ -n "$CORPORA" ] && [ -n "${PIPEWATCH_BIN:-}" ] && dotnet build -c Release "$ROOT/bench/PipeWatch.Bench" -nologo -v q >/dev/null

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
# its median wall seconds. Every tool runs RUNS times, the seconds of each run written to $RESULTS/TOOL.runs (the first
# run after the corpus is written can meet the disk still flushing it; the median and the spread show it).
median_of_runs() {
  local tool=$1 i start end
  shift
  : > "$RESULTS/$tool.runs"
  for ((i = 0; i < RUNS; i++)); do
    start=$(now)
    "$@"
    end=$(now)
    calc "$end - $start" >> "$RESULTS/$tool.runs"
    echo >> "$RESULTS/$tool.runs"
  done
  runs_stat "$RESULTS/$tool.runs" median
}

# One statistic of a .runs file: median, min or max.
runs_stat() {
  grep . "$1" | sort -n | awk -v what="$2" '{ t[NR] = $1 } END {
    if (what == "min") print t[1]; else if (what == "max") print t[NR]; else print t[int((NR + 1) / 2)] }'
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

secretlint_once() {
  (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "$FILES/source/**/*" "$FILES/planted/**/*" --secretlintrc .secretlintrc.json \
    --format json --output "$RESULTS/secretlint.json" >/dev/null 2>"$RESULTS/secretlint.err") || true
}

run_secretlint() {
  [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable; return; }
  [ "${SECRETLINT_WHOLE:-0}" = 1 ] || { echo skipped; return; }
  local seconds
  seconds=$(median_of_runs secretlint secretlint_once)
  node -e 'const fs=require("fs");const r=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));fs.writeFileSync(process.argv[2],r.filter(f=>f.messages.length>0).map(f=>f.filePath).join("\n")+"\n")' \
    "$RESULTS/secretlint.json" "$RESULTS/secretlint.files"
  echo "$seconds"
}

# secretlint again, over the same files in batches of SECRETLINT_BATCH (default 500) files per run: its cost per run grows
# about with the square of the files it is given (1,000 natural files: 13.6 CPU-s; 3,000: 120), so this is its best case.
secretlint_batched_once() {
  local i batch=${SECRETLINT_BATCH:-500}
  local -a all
  mapfile -t all < <(find "$FILES/source" "$FILES/planted" -type f | sort)
  rm -f "$RESULTS"/secretlint-batched.*.json
  for ((i = 0; i < ${#all[@]}; i += batch)); do
    (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "${all[@]:i:batch}" --secretlintrc .secretlintrc.json \
      --format json --output "$RESULTS/secretlint-batched.$i.json" >/dev/null 2>>"$RESULTS/secretlint-batched.err") || true
  done
}

run_secretlint_batched() {
  [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable; return; }
  local seconds
  seconds=$(median_of_runs secretlint-batched secretlint_batched_once)
  node -e 'const fs=require("fs"),p=require("path");const d=process.argv[1];const out=[];
    for(const f of fs.readdirSync(d).filter(n=>/^secretlint-batched\.\d+\.json$/.test(n)))for(const r of JSON.parse(fs.readFileSync(p.join(d,f),"utf8")))if(r.messages.length>0)out.push(r.filePath);
    fs.writeFileSync(process.argv[2],out.join("\n")+(out.length?"\n":""))' "$RESULTS" "$RESULTS/secretlint-batched.files"
  echo "$seconds"
}

git_secrets_once() {
  (cd "$FILES" && GIT_CONFIG_GLOBAL="$GIT_SECRETS_CONFIG" git secrets --scan -r source planted > "$RESULTS/git-secrets.out" 2>&1) || true
}

run_git_secrets() {
  command -v git-secrets >/dev/null 2>&1 || { echo unavailable; return; }
  local seconds
  seconds=$(median_of_runs git-secrets git_secrets_once)
  grep -E '^(source|planted)/[^:]+:[0-9]+:' "$RESULTS/git-secrets.out" | cut -d: -f1 | sed "s|^|$FILES/|" | sort -u > "$RESULTS/git-secrets.files" || true
  echo "$seconds"
}

# Recall on the labelled set: each tool once over bench/secret-recall/files, its hits written as FILE:LINE (relative to
# files/) to $RECALL_OUT/TOOL.hits, or "unavailable".
recall_hits() {
  local tool=$1 files="$RECALL/files" hits="$RECALL_OUT/$1.hits"
  case $tool in
    pipewatch-scan)
      (cd "$files" && "$PIPEWATCH" scan --no-git . --format json --fail-on none 2>/dev/null) |
        node -e 'for(const l of require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean)){const f=JSON.parse(l);
          if(f.category.startsWith("secrets."))console.log(f.location.file.replace(/^\.\//,"")+":"+f.location.line)}' > "$hits" ;;
    pipewatch-ingest)
      rm -rf "$RECALL_OUT/store"
      (cd "$files" && "$PIPEWATCH" ingest --source plain-log . --store "$RECALL_OUT/store/pipewatch.db" --format json --fail-on none 2>/dev/null) |
        node -e 'const root=process.argv[1]+"/";for(const l of require("fs").readFileSync(0,"utf8").split("\n").filter(Boolean)){const f=JSON.parse(l);
          if(f.category.startsWith("secrets."))console.log(f.location.file.replace(root,"")+":"+f.location.line)}' "$files" > "$hits" ;;
    secretlint|secretlint-batched)
      [ -x "$SECRETLINT_DIR/node_modules/.bin/secretlint" ] || { echo unavailable > "$hits"; return; }
      (cd "$SECRETLINT_DIR" && ./node_modules/.bin/secretlint "$files/**/*" --secretlintrc .secretlintrc.json --format json \
        --output "$RECALL_OUT/secretlint.json" >/dev/null 2>&1) || true
      node -e 'const root=process.argv[2]+"/";for(const f of JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")))
          for(const m of f.messages)console.log(f.filePath.replace(root,"")+":"+m.loc.start.line)' "$RECALL_OUT/secretlint.json" "$files" > "$hits" ;;
    detect-secrets)
      # Yelp's detect-secrets from its public source (no package): DETECT_SECRETS_SRC is a checkout of Yelp/detect-secrets,
      # run with the system python3, which needs Debian's python3-yaml and python3-requests. Absent: "unavailable".
      if [ ! -f "$DETECT_SECRETS_SRC/detect_secrets/__main__.py" ] || ! python3 -c 'import yaml, requests' 2>/dev/null; then
        echo unavailable > "$hits"; return
      fi
      (cd "$files" && PYTHONPATH="$DETECT_SECRETS_SRC" python3 -m detect_secrets scan --all-files . 2>/dev/null) |
        python3 -c 'import json, sys
for name, found in json.load(sys.stdin)["results"].items():
    for f in found: print(name.removeprefix("./") + ":" + str(f["line_number"]))' > "$hits" ;;
    git-secrets)
      command -v git-secrets >/dev/null 2>&1 || { echo unavailable > "$hits"; return; }
      (cd "$files" && GIT_CONFIG_GLOBAL="$GIT_SECRETS_CONFIG" git secrets --scan -r . 2>&1 || true) |
        grep -E '^[^:]+:[0-9]+:' | cut -d: -f1,2 | sed 's|^\./||' > "$hits" || true ;;
  esac
}

# "FOUND POSITIVES NEGATIVES_FLAGGED NEGATIVES" for a .hits file, scored against labels.tsv.
recall_score() {
  awk -F'\t' -v hits="$1" '
    BEGIN { while ((getline line < hits) > 0) { n = split(line, p, ":"); hit[p[1]] = hit[p[1]] " " p[n] } }
    /^#/ { next }
    $4 == "none" { negatives++; if ($1 in hit) flagged++; next }
    { positives++; split(hit[$1], lines, " "); for (i in lines) if (lines[i] + 0 >= $2 + 0 && lines[i] + 0 <= $3 + 0) { found++; break } }
    END { printf "%d %d %d %d\n", found, positives, flagged, negatives }' "$RECALL/labels.tsv"
}

load1() { cut -d' ' -f1 /proc/loadavg; }
TOOLS="pipewatch-scan pipewatch-ingest secretlint secretlint-batched git-secrets"
REPORT="$OUT/report.txt"
: > "$REPORT"

# Recall, once: the labelled set is small and each tool's findings on it do not vary between runs.
RECALL_OUT="$OUT/results/recall"
mkdir -p "$RECALL_OUT"
declare -A RECALL_OF
{
  printf '\nrecall on the labelled set (bench/secret-recall: %s positive files, one secret each; %s negative files)\n' \
    "$(awk -F'\t' '!/^#/ && $4 != "none"' "$RECALL/labels.tsv" | wc -l)" "$(awk -F'\t' '!/^#/ && $4 == "none"' "$RECALL/labels.tsv" | wc -l)"
  printf '%-19s %16s %24s\n' tool "secrets found" "negative files flagged"
  for tool in pipewatch-scan pipewatch-ingest secretlint detect-secrets git-secrets; do
    recall_hits "$tool"
    if [ "$(head -1 "$RECALL_OUT/$tool.hits")" = unavailable ]; then
      RECALL_OF[$tool]=unavailable
      printf '%-19s %16s\n' "$tool" unavailable
      continue
    fi
    read -r found positives flagged negatives < <(recall_score "$RECALL_OUT/$tool.hits")
    RECALL_OF[$tool]=$(calc "$found / $positives")
    printf '%-19s %9s (%3.0f%%) %17s\n' "$tool" "$found/$positives" "$(calc "100 * $found / $positives")" "$flagged/$negatives"
  done
  # secretlint-batched reads the same files with the same rules.
  RECALL_OF[secretlint-batched]=${RECALL_OF[secretlint]}
  # Issue 20's target: pipewatch-scan finds more than each peer that ran, and flags no more negative files than the best of them.
  read -r ours_found _ ours_flagged _ < <(recall_score "$RECALL_OUT/pipewatch-scan.hits")
  verdict=MET; peers=0; fewest=""
  for peer in secretlint detect-secrets; do
    [ "$(head -1 "$RECALL_OUT/$peer.hits")" = unavailable ] && { printf '%s did not run: the target is judged without it\n' "$peer"; continue; }
    read -r found _ flagged _ < <(recall_score "$RECALL_OUT/$peer.hits")
    peers=$((peers + 1))
    [ "$ours_found" -gt "$found" ] || verdict="NOT MET"
    if [ -z "$fewest" ] || [ "$flagged" -lt "$fewest" ]; then fewest=$flagged; fi
  done
  [ "$peers" -gt 0 ] && [ "$ours_flagged" -gt "$fewest" ] && verdict="NOT MET"
  [ "$peers" -eq 0 ] && verdict="not judged (no peer ran)"
  printf 'issue 20 recall target (pipewatch-scan above each peer, false alarms <= the best peer'"'"'s %s): %s\n' "${fewest:-n/a}" "$verdict"
} | tee -a "$REPORT"
# (The block above ran in a pipeline's subshell; score again here for the verdicts.)
for tool in pipewatch-scan secretlint; do
  if [ "$(head -1 "$RECALL_OUT/$tool.hits")" = unavailable ]; then RECALL_OF[$tool]=unavailable; continue; fi
  read -r found positives _ _ < <(recall_score "$RECALL_OUT/$tool.hits")
  RECALL_OF[$tool]=$(calc "$found / $positives")
done
RECALL_OF[secretlint-batched]=${RECALL_OF[secretlint]}

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
  say "[$corpus] load average before: $LOAD_START; $(nproc) cores; $RUNS runs of each tool"
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
    printf 'files: %s MB (%s source files, %s KB on average; %s planted examples of %s rules); load average %s at start, %s at end; %s cores; %s runs of each tool\n\n' \
      "$(calc "$BYTES / 1000000")" "$SOURCES" "$(calc "$BYTES / 1000 / ($SOURCES + $PLANTED)")" "$PLANTED" "$(cut -f2 "$FILES/planted.tsv" | sort -u | wc -l)" \
      "$LOAD_START" "$LOAD_END" "$(nproc)" "$RUNS"
    printf '%-19s %6s %9s %17s %7s %9s %15s %16s %14s\n' tool load median "lowest-highest" spread MB/s "source flagged" "planted found" "median / scan's"
    PW=${SECONDS_OF[pipewatch-scan]}
    for tool in $TOOLS; do
      s=${SECONDS_OF[$tool]}
      case $s in unavailable|skipped) printf '%-19s %6s %9s\n' "$tool" "${LOAD_OF[$tool]}" "$s"; continue ;; esac
      lo=$(runs_stat "$RESULTS/$tool.runs" min)
      hi=$(runs_stat "$RESULTS/$tool.runs" max)
      flagged=$(grep -c "/source/" "$RESULTS/$tool.files" || true)
      found=$(grep -c "/planted/" "$RESULTS/$tool.files" || true)
      printf '%-19s %6s %9.2f %8.2f-%-8.2f %6.1f%% %9.2f %15s %16s %13.1fx\n' "$tool" "${LOAD_OF[$tool]}" "$s" "$lo" "$hi" "$(calc "100 * ($hi - $lo) / $s")" \
        "$(calc "$BYTES / 1000000 / $s")" "$flagged" "$found/$PLANTED" "$(calc "$s / $PW")"
    done
    for tool in $TOOLS; do
      [ -s "$RESULTS/$tool.runs" ] || continue
      case ${SECONDS_OF[$tool]} in unavailable|skipped) continue ;; esac
      printf '%s: seconds of each run: %s\n' "$tool" "$(grep . "$RESULTS/$tool.runs" | tr '\n' ' ')"
    done
    for tool in pipewatch-scan pipewatch-ingest; do
      other=$(grep -c "/source/" "$RESULTS/$tool.other" 2>/dev/null || true)
      printf '%s: %s source files with findings of other analyzers (not secrets, not counted above)\n' "$tool" "${other:-0}"
    done
    for tool in secretlint secretlint-batched; do
      case ${SECONDS_OF[$tool]} in
        unavailable) printf 'verdict against %s: none (%s is unavailable here)\n' "$tool" "$tool"; continue ;;
        skipped) continue ;;
      esac
      ratio=$(calc "${SECONDS_OF[$tool]} / $PW")
      low=$(calc "$(runs_stat "$RESULTS/$tool.runs" min) / $(runs_stat "$RESULTS/pipewatch-scan.runs" max)")
      high=$(calc "$(runs_stat "$RESULTS/$tool.runs" max) / $(runs_stat "$RESULTS/pipewatch-scan.runs" min)")
      speed=$(awk "BEGIN { print ($ratio >= 50) ? \"met\" : \"not met\" }")
      ours=${RECALL_OF[pipewatch-scan]} theirs=${RECALL_OF[$tool]}
      recall=$(awk "BEGIN { print ($ours >= $theirs) ? \"met\" : \"not met\" }")
      verdict=$( [ "$speed" = met ] && [ "$recall" = met ] && echo MEETS || echo "SHORT OF")
      printf 'verdict against %s: throughput %.1fx at the medians (%.1fx to %.1fx over the runs), >= 50x %s; labelled recall %.1f%% against %.1f%%, equal or better %s: %s the target\n' \
        "$tool" "$ratio" "$low" "$high" "$speed" "$(calc "100 * $ours")" "$(calc "100 * $theirs")" "$recall" "$verdict"
    done
  } | tee -a "$REPORT"
  unset SECONDS_OF LOAD_OF
done
printf '\ntarget: pipewatch >= 50x secretlint'"'"'s throughput with equal or better recall (report: %s)\n' "$REPORT"
