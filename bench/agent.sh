#!/usr/bin/env bash
# The runner agent's costs and reach, measured in one run (bench/README.md, "Runner agent"):
#   1. catch rate: a burst of curl calls of ~100 ms each, watched by strace and by /proc polling: processes and
#      connections recorded out of those made;
#   2. overhead: a build-like workload (make -j of many small C files with gcc) bare, under the agent with strace and
#      under the agent polling /proc, interleaved round by round; medians and ratios to the bare run;
#   3. idle cost: the agent's own CPU (pipewatch + strace) while the job sleeps, as a share of one core: over the whole run
#      (start-up included) and in the steady state (between 8 s and 28 s of a 30 s sleep, from /proc/PID/stat);
#   4. ptrace stops of one build under strace alone (counted as strace's wait4 calls, from `strace -c` of strace: a count,
#      not a time, so it does not move with the load): the agent's traced calls (read from StraceCommand.cs), the same
#      without the tripwire calls, without write/writev, and execve alone (with the tripwires); with the lines strace wrote.
# The build is timed by wall and by CPU (user + system of the whole tree, strace and pipewatch included): under load, the
# CPU ratio is the fairer one. One command for the whole suite: bench/agent.sh (defaults: 5 rounds of 200 files).
# Usage: bench/agent.sh [ROUNDS] [FILES]   (needs gcc, make, curl, strace, python3; PIPEWATCH names the program,
# default: the built Release CLI). Say the machine's load (printed) with the numbers: absolute times are not stable here.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
files=${2:-200}
pw=${PIPEWATCH:-}
if [ -z "$pw" ]; then
  dotnet build src/PipeWatch.Cli -c Release -v q -nologo >/dev/null
  pw="dotnet $(pwd)/src/PipeWatch.Cli/bin/Release/net10.0/pipewatch.dll"
fi
for tool in gcc make curl strace python3; do command -v "$tool" >/dev/null || { echo "bench/agent.sh: $tool is missing" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'kill "${listener:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

# 1. Catch rate. A listener that accepts and never answers: each curl connects and gives up after 100 ms.
port=$((20000 + RANDOM % 20000))
python3 -c "import socket,time;s=socket.socket();s.bind(('127.0.0.1',$port));s.listen(512);time.sleep(600)" &
listener=$!
sleep 0.5
calls=30
printf '#!/bin/sh\ni=0\nwhile [ $i -lt %d ]; do curl -s -o /dev/null --max-time 0.1 http://127.0.0.1:%d/ ; i=$((i+1)); done\nexit 0\n' "$calls" "$port" > "$work/burst.sh"
chmod +x "$work/burst.sh"
for mode in strace proc; do
  rm -f "$work/burst-$mode.jsonl"
  $pw agent --mode "$mode" --events "$work/burst-$mode.jsonl" -- "$work/burst.sh" 2>/dev/null
  seen=$(grep '"event.category":"process"' "$work/burst-$mode.jsonl" | grep -c '"process.name":"curl"' || true)
  conns=$(grep '"event.category":"network"' "$work/burst-$mode.jsonl" | grep -c "\"destination.port\":$port" || true)
  echo "catch $mode: $seen of $calls curl processes, $conns of $calls connections"
done
kill "$listener"; unset listener

# 2. Overhead on a build-like workload.
mkdir -p "$work/src"
for i in $(seq "$files"); do
  printf '#include <stdio.h>\n#include <string.h>\nint f%d(const char *s) { int h = %d; for (; *s; s++) h = h * 31 + *s; return h; }\n' "$i" "$i" > "$work/src/f$i.c"
done
printf 'SRC := $(wildcard src/*.c)\nOBJ := $(SRC:.c=.o)\nall: $(OBJ)\n%%.o: %%.c\n\tgcc -O1 -c $< -o $@\nclean:\n\trm -f src/*.o\n' > "$work/Makefile"
printf '#!/bin/sh\ncd %s && make -s clean && make -s -j%d\n' "$work" "$(nproc)" > "$work/build.sh"
chmod +x "$work/build.sh"
# Wall and CPU seconds (user + system of the command and everything it waited for) of one command.
measure() { local w u s; /usr/bin/env time -o "$work/time" -f '%e %U %S' "$@" >/dev/null 2>&1 || true; read -r w u s < <(tail -1 "$work/time"); echo "$w $(echo "$u + $s" | bc -l)"; }
declare -a bare=() traced=() polled=() bare_cpu=() traced_cpu=() polled_cpu=()
"$work/build.sh" >/dev/null 2>&1   # warm the caches
for r in $(seq "$rounds"); do
  read -r w c <<<"$(measure "$work/build.sh")"; bare+=("$w"); bare_cpu+=("$c")
  read -r w c <<<"$(measure $pw agent --mode strace --events "$work/build-strace.jsonl" -- "$work/build.sh")"; traced+=("$w"); traced_cpu+=("$c")
  read -r w c <<<"$(measure $pw agent --mode proc --events "$work/build-proc.jsonl" -- "$work/build.sh")"; polled+=("$w"); polled_cpu+=("$c")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "${bare[@]}"); mt=$(median "${traced[@]}"); mp=$(median "${polled[@]}")
cb=$(median "${bare_cpu[@]}"); ct=$(median "${traced_cpu[@]}"); cp=$(median "${polled_cpu[@]}")
echo "build of $files files, $rounds rounds, median wall seconds: bare $mb, agent+strace $mt, agent+proc $mp"
printf 'wall ratio to bare: strace %.3fx, proc %.3fx (target <= 1.05x)\n' "$(echo "$mt / $mb" | bc -l)" "$(echo "$mp / $mb" | bc -l)"
echo "median CPU seconds (whole tree): bare $cb, agent+strace $ct, agent+proc $cp"
printf 'CPU ratio to bare: strace %.3fx, proc %.3fx\n' "$(echo "$ct / $cb" | bc -l)" "$(echo "$cp / $cb" | bc -l)"
# The agent's own start-up is in these: time an empty command the same way.
read -r empty empty_cpu <<<"$(measure $pw agent --mode strace --events "$work/empty.jsonl" -- true)"
echo "agent start and stop around 'true': ${empty}s wall, ${empty_cpu} CPU-s"

# 3. Idle cost: 20 s of sleep under the agent; its CPU (and strace's) from the kernel's accounting of the finished tree.
for mode in strace proc; do
  out=$( { /usr/bin/env time -f '%U %S %e' $pw agent --mode "$mode" --events "$work/idle.jsonl" -- sleep 20 >/dev/null; } 2>&1 | tail -1)
  read -r user sys wall <<<"$out"
  printf 'idle %s: %.2f CPU-s over %.1f s = %.2f%% of one core (includes the .NET start-up)\n' "$mode" "$(echo "$user + $sys" | bc -l)" "$wall" "$(echo "100 * ($user + $sys) / $wall" | bc -l)"
done
# Steady idle: the agent (and strace) alone, not the sleeping job, between 8 s and 28 s.
ticks() {  # utime + stime of a process and its tracer child (not the job), in clock ticks
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] && total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
for mode in strace proc; do
  $pw agent --mode "$mode" --events "$work/steady.jsonl" -- sleep 30 >/dev/null 2>&1 &
  agent=$!
  sleep 8
  tracer=$( [ "$mode" = strace ] && cat /proc/$agent/task/*/children 2>/dev/null | tr ' ' '\n' | while read -r c; do [ -n "$c" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = strace ] && echo "$c"; done | head -1 || true)
  t0=$(ticks $agent $tracer); s0=$(date +%s.%N)
  sleep 20
  t1=$(ticks $agent $tracer); s1=$(date +%s.%N)
  wait "$agent" || true
  printf 'steady idle %s: %.2f CPU-s over %.1f s = %.2f%% of one core (target <= 2%%)\n' "$mode" "$(echo "($t1 - $t0) / $hz" | bc -l)" "$(echo "$s1 - $s0" | bc -l)" "$(echo "100 * ($t1 - $t0) / $hz / ($s1 - $s0)" | bc -l)"
done
# 4. ptrace stops per strace filter, on one build.
calls=$(sed -n 's/.*const string Calls = "\([^"]*\)".*/\1/p' src/PipeWatch/Sources/Runner/Agent/StraceCommand.cs); calls=${calls%,}
trip=$(sed -n 's/.*const string Tripwires = "\([^"]*\)".*/\1/p' src/PipeWatch/Sources/Runner/Agent/StraceCommand.cs)
stops() {  # LABEL TRACE-SET: wait4 calls and own CPU-s of strace over one build
  strace -c -o "$work/stops" -e trace=wait4 strace -f --seccomp-bpf -ttt -q -yy -s 1024 -e trace="$2" -e signal=SIGCHLD -o "$work/st.txt" "$work/build.sh" >/dev/null 2>&1 || true
  printf 'stops %-26s %8d wait4 of strace, %6d lines\n' "$1" "$(awk '$NF == "wait4" {print $4}' "$work/stops")" "$(wc -l < "$work/st.txt")"
}
if [ -n "$calls" ] && [ -n "$trip" ]; then
  stops "agent (with tripwires)" "$calls,$trip"
  stops "agent without tripwires" "$calls"
  stops "agent without write(v)" "$(echo "$calls" | sed 's/,write,writev//'),$trip"
  stops "execve + tripwires alone" "execve,$trip"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
