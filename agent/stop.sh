# The action's post step: stops the watch (its summary is written), reads the events through every detector and reports.
set -uo pipefail
. "$(dirname "$0")/tool.sh"
events="${STATE_events:-$events}"
if ! $sudo "$tool" agent stop --state "$state"; then
  echo "pipewatch agent: no watch to stop (did the start step run?)" >&2
  exit 0
fi
if [ ! -s "$events" ]; then exit 0; fi
# Findings as a table in the job log; the run's store is the runner's temp folder (baselines across runs live in serve).
"$tool" ingest "$events" --store "$RUNNER_TEMP/pipewatch-agent.db" --fail-on "${PW_FAIL_ON:-none}"
code=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### PipeWatch runner agent"
    echo
    echo "$(wc -l < "$events") events recorded in \`$events\`; \`pipewatch ingest\` exit code $code."
  } >> "$GITHUB_STEP_SUMMARY"
fi
# 1 is findings at or above fail-on; 2 and 3 are the tool's own errors, said above, and do not fail the job.
if [ "$code" -eq 1 ]; then exit 1; fi
exit 0
