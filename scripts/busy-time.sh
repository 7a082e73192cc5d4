#!/bin/bash
# The wall time and the machine's busy CPU time (core-seconds: user, nice, system, irq, softirq and
# steal from /proc/stat) of a command, on stderr after it ends; its exit code is the command's.
# Busy time counts everything the machine did meanwhile, so run it with nothing else running.
#
#   scripts/busy-time.sh dotnet test Infra.Tests --no-build -v q --nologo
set -u
[ $# -gt 0 ] || { echo "usage: scripts/busy-time.sh COMMAND [ARG...]" >&2; exit 2; }
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
b0=$(busy); t0=$(date +%s.%N)
"$@"; rc=$?
b1=$(busy); t1=$(date +%s.%N)
hz=$(getconf CLK_TCK)
awk -v rc="$rc" -v t0="$t0" -v t1="$t1" -v b0="$b0" -v b1="$b1" -v hz="$hz" \
  'BEGIN { printf "busy-time: rc=%d, wall %.1f s, busy %.1f core-seconds\n", rc, t1 - t0, (b1 - b0) / hz }' >&2
exit "$rc"
