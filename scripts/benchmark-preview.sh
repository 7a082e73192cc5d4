#!/bin/bash
# The preview against a warm synth (issue 20: the preview at most 2 x a warm synth when nothing
# changed). In a scratch clone of HEAD, with nothing changed, ROUNDS interleaved rounds of:
#   synth    npx cdk synth --quiet (warm: the app is built)
#   cached   scripts/preview.sh dev, the commit's templates in the preview's cache
#   fresh    scripts/preview.sh dev with an empty cache (one synthesis serves both sides)
#   edited   scripts/preview.sh dev with an empty cache and one more worker in dev.yaml (the working
#            tree's build synthesizes both sides: only environments/ differs)
# and the median of each. Usage: scripts/benchmark-preview.sh [ROUNDS]   (default 3; about 4 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
if ! [[ "$rounds" =~ ^[0-9]+$ ]] || [ "$rounds" -lt 1 ] || [ "$rounds" -gt 20 ]; then
  echo "usage: scripts/benchmark-preview.sh [ROUNDS]   (a whole number from 1 to 20, default 3; got '$rounds')" >&2
  exit 2
fi
[ -x "$root/node_modules/.bin/cdk" ] || (cd "$root" && npm ci --silent)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/k8slab-preview-bench.XXXXXX")
trap 'rm -f "$scratch/clone/node_modules"; rm -rf "$scratch"' EXIT
git clone -q "$root" "$scratch/clone"
ln -s "$root/node_modules" "$scratch/clone/node_modules"
cd "$scratch/clone"
export PATH="$PWD/node_modules/.bin:$PATH" DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
seconds() { local start; start=$(date +%s.%N); "$@" >/dev/null 2>"$scratch/err" || { cat "$scratch/err" >&2; exit 1; }; awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { print a - b }'; }
# Warm-up: the app and the comparison tool built once, the commit's templates cached.
npx cdk synth --quiet >/dev/null
K8SLAB_PREVIEW_CACHE="$scratch/cache" scripts/preview.sh dev >/dev/null 2>&1
declare -a synth cached fresh edited
for ((i = 1; i <= rounds; i++)); do
  synth+=("$(seconds npx cdk synth --quiet)")
  cached+=("$(K8SLAB_PREVIEW_CACHE="$scratch/cache" seconds scripts/preview.sh dev)")
  rm -rf "$scratch/fresh"
  fresh+=("$(K8SLAB_PREVIEW_CACHE="$scratch/fresh" seconds scripts/preview.sh dev)")
  rm -rf "$scratch/fresh"
  sed -i 's/^  count: 2$/  count: 3/' environments/dev.yaml
  git diff --quiet -- environments/dev.yaml && { echo "benchmark-preview: dev.yaml has no 'count: 2' to change" >&2; exit 1; }
  edited+=("$(K8SLAB_PREVIEW_CACHE="$scratch/fresh" seconds scripts/preview.sh dev)")
  git checkout -q -- environments/dev.yaml
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
s=$(median "${synth[@]}"); c=$(median "${cached[@]}"); f=$(median "${fresh[@]}"); e=$(median "${edited[@]}")
echo "commit $(git rev-parse --short HEAD), $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| case | median | x warm synth | runs |"
echo "| --- | ---: | ---: | --- |"
printf '| warm synth (npx cdk synth --quiet) | %.1f s | 1.00 | %s |\n' "$s" "$(printf '%.1f ' "${synth[@]}")"
printf '| preview, commit cached | %.1f s | %.2f | %s |\n' "$c" "$(awk -v a="$c" -v b="$s" 'BEGIN { print a / b }')" "$(printf '%.1f ' "${cached[@]}")"
printf '| preview, nothing cached (unchanged tree) | %.1f s | %.2f | %s |\n' "$f" "$(awk -v a="$f" -v b="$s" 'BEGIN { print a / b }')" "$(printf '%.1f ' "${fresh[@]}")"
printf '| preview, nothing cached, one more worker in dev.yaml | %.1f s | %.2f | %s |\n' "$e" "$(awk -v a="$e" -v b="$s" 'BEGIN { print a / b }')" "$(printf '%.1f ' "${edited[@]}")"
