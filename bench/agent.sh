#!/usr/bin/env bash
# The runner agent's costs and reach, measured in one run (bench/README.md, "Runner agent"):
#   1. catch rate: a burst of curl calls of ~100 ms each, watched by each collector (ebpf when bpftrace can load here,
#      strace, /proc polling): processes and connections recorded out of those made;
#   2. overhead: a build-like workload (make -j of many small C files with gcc) bare and under the agent with each
#      collector, interleaved round by round; medians and ratios to the bare run; with ebpf also the build alone while an
#      'agent start' begun before it watches (bpftrace's start-up, ~2 CPU-s of compiling and loading, is then outside the build);
#   3. idle cost: the agent's own CPU (pipewatch + strace) while the job sleeps, as a share of one core: over the whole run
#      (start-up included) and in the steady state (between 8 s and 28 s of a 30 s sleep, from /proc/PID/stat);
#   4. ptrace stops of one build under strace alone (counted as strace's wait4 calls, from `strace -c` of strace: a count,
#      not a time, so it does not move with the load): the agent's traced calls (read from StraceCommand.cs), the same
#      without the tripwire calls, without write/writev, and execve alone (with the tripwires); with the lines strace wrote.
# The build is timed by wall and by CPU (user + system of the whole tree, strace and pipewatch included): under load, the
# CPU ratio is the fairer one. One command for the whole suite: bench/agent.sh (defaults: 5 rounds of 200 files);
# WORKLOAD=dotnet bench/agent.sh builds a small .NET project with 'dotnet build' instead of compiling C files with make.
# Usage: bench/agent.sh [ROUNDS] [FILES]   (needs gcc, make, curl, strace, python3; bpftrace for ebpf; PIPEWATCH names the
# program, default: the CLI published as it is installed, ReadyToRun, into the run's temp folder). Say the machine's load
# (printed) with the numbers: absolute times are not stable here.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
files=${2:-200}
pw=${PIPEWATCH:-}
for tool in gcc make curl strace python3; do command -v "$tool" >/dev/null || { echo "bench/agent.sh: $tool is missing" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'kill "${listener:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
if [ -z "$pw" ]; then
  # As installed (docs/install.md): the framework-dependent publish, precompiled (ReadyToRun).
  dotnet publish src/PipeWatch.Cli -c Release -o "$work/publish" -v q -nologo >/dev/null
  pw="$work/publish/pipewatch"
fi
modes="strace proc"
if $pw agent --mode ebpf --events "$work/probe.jsonl" -- true 2>"$work/probe.err"; then modes="ebpf $modes"; else echo "ebpf: not measured ($(tail -1 "$work/probe.err"))"; fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; collectors: $modes"

# 1. Catch rate. A listener that accepts and never answers: each curl connects and gives up after 100 ms.
port=$((20000 + RANDOM % 20000))
python3 -c "import socket,time;s=socket.socket();s.bind(('127.0.0.1',$port));s.listen(512);time.sleep(600)" &
listener=$!
sleep 0.5
calls=30
printf '#!/bin/sh\ni=0\nwhile [ $i -lt %d ]; do curl -s -o /dev/null --max-time 0.1 http://127.0.0.1:%d/ ; i=$((i+1)); done\nexit 0\n' "$calls" "$port" > "$work/burst.sh"
chmod +x "$work/burst.sh"
for mode in $modes; do
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
if [ "${WORKLOAD:-make}" = dotnet ]; then
  # The issue's other example: 'dotnet build' of a small project (a console app with $files small classes), without the
  # build servers that would outlive the command (as CI runs it: -nodeReuse:false, no shared compilation).
  mkdir -p "$work/app"
  (cd "$work/app" && dotnet new console -o . -n App >/dev/null 2>&1 && dotnet restore -v q >/dev/null)
  for i in $(seq "$files"); do
    printf 'namespace App;\ninternal static class C%d { public static int F(string s) { var h = %d; foreach (var c in s) h = h * 31 + c; return h; } }\n' "$i" "$i" > "$work/app/C$i.cs"
  done
  printf '#!/bin/sh\ncd %s/app && DOTNET_CLI_USE_MSBUILD_SERVER=0 dotnet build --no-restore --no-incremental -nodeReuse:false -p:UseSharedCompilation=false -v q -nologo\n' "$work" > "$work/build.sh"
fi
chmod +x "$work/build.sh"
# Wall and CPU seconds (user + system of the command and everything it waited for) of one command.
measure() { local w u s; /usr/bin/env time -o "$work/time" -f '%e %U %S' "$@" >/dev/null 2>&1 || true; read -r w u s < <(tail -1 "$work/time"); echo "$w $(echo "$u + $s" | bc -l)"; }
# The build alone while 'agent start' (begun before it) watches the script with ebpf: its own clock around make.
printf '#!/bin/sh\n%s agent start --pid $$ --mode ebpf --events %s/build-attached.jsonl >/dev/null 2>&1 || exit 9\ns=$(date +%%s.%%N)\n%s/build.sh >/dev/null 2>&1\ne=$(date +%%s.%%N)\n%s agent stop >/dev/null 2>&1\necho "$e - $s" | bc -l > %s/attached\n' "$pw" "$work" "$work" "$pw" "$work" > "$work/attached.sh"
chmod +x "$work/attached.sh"
WORKLOAD_NAME=$([ "${WORKLOAD:-make}" = dotnet ] && echo "dotnet build" || echo "make -j$(nproc), gcc")
"$work/build.sh" >/dev/null 2>&1   # warm the caches
for r in $(seq "$rounds"); do
  read -r w c <<<"$(measure "$work/build.sh")"; echo "$w" >> "$work/wall-bare"; echo "$c" >> "$work/cpu-bare"
  for mode in $modes; do
    read -r w c <<<"$(measure $pw agent --mode "$mode" --events "$work/build-$mode.jsonl" -- "$work/build.sh")"; echo "$w" >> "$work/wall-$mode"; echo "$c" >> "$work/cpu-$mode"
  done
  case " $modes " in *" ebpf "*) (cd "$work" && ./attached.sh) && cat "$work/attached" >> "$work/wall-attached" ;; esac
done
median() { sort -g "$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb=$(median "$work/wall-bare"); cb=$(median "$work/cpu-bare")
echo "build ($WORKLOAD_NAME) of $files files, $rounds rounds, median bare: ${mb} s wall, ${cb} CPU-s (whole tree)"
for mode in $modes; do
  mw=$(median "$work/wall-$mode"); mc=$(median "$work/cpu-$mode")
  printf 'agent + %-6s median %6.2f s wall = %.3fx bare (target <= 1.05x); %6.2f CPU-s = %.3fx\n' "$mode" "$mw" "$(echo "$mw / $mb" | bc -l)" "$mc" "$(echo "$mc / $cb" | bc -l)"
done
if [ -s "$work/wall-attached" ]; then
  ma=$(median "$work/wall-attached")
  printf 'build alone under agent start --mode ebpf: median %.2f s wall = %.3fx bare\n' "$ma" "$(echo "$ma / $mb" | bc -l)"
fi
# The agent's own start-up is in these: time an empty command the same way.
for mode in $modes; do
  read -r empty empty_cpu <<<"$(measure $pw agent --mode "$mode" --events "$work/empty.jsonl" -- true)"
  echo "agent ($mode) start and stop around 'true': ${empty}s wall, ${empty_cpu} CPU-s"
done

# 3. Idle cost: 20 s of sleep under the agent; its CPU (and its tracer's) from the kernel's accounting of the finished tree.
for mode in $modes; do
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
for mode in $modes; do
  $pw agent --mode "$mode" --events "$work/steady.jsonl" -- sleep 30 >/dev/null 2>&1 &
  agent=$!
  sleep 8
  tracer=$( [ "$mode" != proc ] && cat /proc/$agent/task/*/children 2>/dev/null | tr ' ' '\n' | while read -r c; do [ -n "$c" ] && [ "$(cat /proc/$c/comm 2>/dev/null)" = "${mode/ebpf/bpftrace}" ] && echo "$c"; done | head -1 || true)
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
