#!/bin/bash
# The synthesis benchmark: floor (empty CDK app), the default environment, 50, 150 and 400 nodes,
# and the largest lab the environment file accepts.
# Prints a markdown table (median wall time, ratio to the floor, peak memory, template bytes and
# resources per stack). Usage: scripts/benchmark.sh [ROUNDS]   (default 5; about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || [ "$rounds" -lt 1 ] || [ "$rounds" -gt 50 ]; then
  echo "usage: scripts/benchmark.sh [ROUNDS]   (a whole number from 1 to 50, default 5; got '$rounds')" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >/dev/null
fi
if [ ! -x node_modules/.bin/node ]; then npm ci --silent; fi
export PATH="$PWD/node_modules/.bin:$PATH" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build Benchmarks/Benchmarks.csproj -c Release --nologo -v q -o Benchmarks/bin/run >/dev/null
dotnet Benchmarks/bin/run/K8sLab.Benchmarks.dll "$rounds"
