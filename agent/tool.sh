# Sourced by start.sh and stop.sh: $tool is the pipewatch program (the `program` input, else the PipeWatch.Cli tool package
# installed once in the runner's temp folder), $sudo is "sudo -n" when attaching to the runner needs it.
tool="${PW_PROGRAM:-}"
if [ -z "$tool" ]; then
  tool="$RUNNER_TEMP/pipewatch-tool/pipewatch"
  if [ ! -x "$tool" ]; then
    dotnet tool install PipeWatch.Cli --version "${PW_VERSION:-0.1.0}" --tool-path "$RUNNER_TEMP/pipewatch-tool" >&2
  fi
fi
state="$RUNNER_TEMP/pipewatch-agent.state"
events="${PW_EVENTS:-$RUNNER_TEMP/pipewatch-agent.jsonl}"
# strace attaches only to its own children unless ptrace_scope is 0 (Yama) or it runs as root: the hosted runners allow sudo.
sudo=""
scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)
if [ "$(id -u)" -ne 0 ] && [ "$scope" != 0 ] && sudo -n true 2>/dev/null; then sudo="sudo -n -E"; fi
