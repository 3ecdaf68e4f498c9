# The action's main step: starts the watch over the runner's worker process ($PW_WATCH_PID) and what it runs from now on.
set -euo pipefail
. "$(dirname "$0")/tool.sh"
args=(agent start --pid "$PW_WATCH_PID" --state "$state" --events "$events" --mode "${PW_MODE:-auto}")
if [ -n "${PW_POST_URL:-}" ]; then args+=(--post "$PW_POST_URL"); fi
# The token reaches pipewatch as the variable it reads, never on a command line.
export PIPEWATCH_INGEST_TOKEN="${PW_TOKEN:-}"
$sudo "$tool" "${args[@]}"
if [ -n "${GITHUB_STATE:-}" ]; then echo "events=$events" >> "$GITHUB_STATE"; fi
