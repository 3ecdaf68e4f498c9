#!/usr/bin/env bash
# PipeWatch runner agent for a Jenkins `sh` step: runs the step's command under watch and reports what it ran and contacted.
#
#   sh 'ci/jenkins/pipewatch-agent.sh ./build.sh --release'
#
# The command runs under `pipewatch agent` (traced from its start: no attach, so no ptrace privilege beyond the default);
# the events go to $WORKSPACE/.pipewatch/agent.jsonl (archive it) and, with PIPEWATCH_INGEST_URL and PIPEWATCH_INGEST_TOKEN
# (withCredentials), to a `pipewatch serve`. Then `pipewatch ingest` prints the findings. The step ends with the command's
# exit code, or 1 when it succeeded but a finding is at or above PIPEWATCH_AGENT_FAIL_ON (default none: report only).
# The run is tied to Jenkins' JOB_NAME, BUILD_NUMBER and STAGE_NAME (the step).
set -uo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: pipewatch-agent.sh COMMAND [ARG...]" >&2
  exit 2
fi
pipewatch="${PIPEWATCH_PROGRAM:-pipewatch}"
dir="${WORKSPACE:-$PWD}/.pipewatch"
mkdir -p "$dir"
args=(agent --events "$dir/agent.jsonl" --mode "${PIPEWATCH_AGENT_MODE:-auto}")
if [ -n "${STAGE_NAME:-}" ]; then args+=(--step "$STAGE_NAME"); fi
if [ -n "${PIPEWATCH_INGEST_URL:-}" ]; then args+=(--post "$PIPEWATCH_INGEST_URL"); fi
"$pipewatch" "${args[@]}" -- "$@"
code=$?
"$pipewatch" ingest "$dir/agent.jsonl" --store "$dir/agent.db" --fail-on "${PIPEWATCH_AGENT_FAIL_ON:-none}"
gate=$?
if [ "$code" -ne 0 ]; then exit "$code"; fi
if [ "$gate" -eq 1 ]; then exit 1; fi
exit 0
