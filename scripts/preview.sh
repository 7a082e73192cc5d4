#!/bin/bash
# Offline replacement preview: what deploying the working tree would do to an environment that was
# deployed from GIT_REF (default HEAD, the last commit). Synthesizes both, then lists per stack each
# resource added, removed, replaced (a new logical ID, or which create-only property changes) or
# updated in place, with the instances' node names and user-data fingerprints, then what the bastion's
# convergence does, in order (rolled: cp-1..3 ..., joined: worker-3, REBUILD: ..., refused: ...).
# No AWS account needed. Exit status: 0 a preview; 3 a preview of a deploy the convergence would refuse
# (the deploy would fail and roll back); 1 no preview could be made; 2 usage.
#
#   scripts/preview.sh dev             the working tree against the last commit
#   scripts/preview.sh prod v1.2       the working tree against a tag, branch or commit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

environments() { for f in environments/*.yaml; do basename "$f" .yaml; done | paste -sd ' ' -; }

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  echo "usage: scripts/preview.sh ENVIRONMENT [GIT_REF]   (environments: $(environments); GIT_REF defaults to HEAD)" >&2
  exit 2
fi
env=$1
ref=${2:-HEAD}
if ! [[ "$env" =~ ^[A-Za-z0-9_-]+$ ]] || [ ! -f "environments/$env.yaml" ]; then
  echo "preview: no environments/$env.yaml (environments: $(environments))" >&2
  exit 1
fi
if ! commit=$(git rev-parse --verify --quiet "$ref^{commit}"); then
  echo "preview: '$ref' is not a commit of this repository" >&2
  exit 1
fi
if ! git cat-file -e "$commit:environments/$env.yaml" 2>/dev/null; then
  echo "preview: environments/$env.yaml does not exist at $ref: nothing to compare with" >&2
  exit 1
fi
# Checked before the minute of synthesis: the comparison runs the bastion's own rules for a change of
# the cluster's settings (converge/k8slab_converge/changes.py) and reads CloudFormation's schemas from cfn-lint.
if ! command -v python3 >/dev/null; then
  echo "preview: needs python3 (3.8 or later): it runs the bastion's own rules for a change of the cluster's settings (converge/k8slab_converge/changes.py)" >&2
  exit 1
fi
# Found, not imported (an import of cfn-lint takes a second): the comparison imports it.
if ! python3 -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("cfnlint") is None)' 2>/dev/null; then
  echo "preview: needs cfn-lint (pip install cfn-lint): its CloudFormation resource schemas say which properties replace a resource" >&2
  exit 1
fi

if [ ! -x node_modules/.bin/cdk ]; then
  echo "preview: run npm ci first (it installs the pinned CDK CLI and Node 22 that synthesize both sides)" >&2
  exit 1
fi
# jsii on the project's pinned Node, as under npx cdk.
export PATH="$root/node_modules/.bin:$PATH"
# shellcheck source=SCRIPTDIR/preview-state.sh
. "$root/scripts/preview-state.sh"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

work=$(mktemp -d "${TMPDIR:-/tmp}/k8slab-preview.XXXXXX")
trap 'rm -rf "$work"' EXIT

# synth LABEL FOLDER OUT [APP]: the app in FOLDER (or the command APP, run in FOLDER), synthesized into
# OUT by the CDK CLI (as `npx cdk synth` does, with that side's cdk.json); on failure, prints why and returns 1.
synth() {
  echo "preview: synthesizing $1..." >&2
  if ! (cd "$2" && "$root/node_modules/.bin/cdk" synth --quiet ${4:+--app "$4"} -c env="$env" -o "$3") >"$3.log" 2>&1; then
    echo "preview: the synthesis of $1 failed:" >&2
    sed 's/^/  /' "$3.log" >&2
    return 1
  fi
}

# build: the comparison tool and, as it references the app, the working tree's app, in one build;
# on failure, prints why and exits 1. The tool's output folder holds the app too (K8sLab.dll with its
# deps and runtimeconfig): both run from there as built, with none of `dotnet run`'s second look at
# the project.
build() {
  local built
  if ! dotnet build Preview --nologo -v q -t:Build -getProperty:TargetPath >"$work/built" 2>"$work/build.log"; then
    echo "preview: building the working tree's app and the comparison tool failed:" >&2
    # The errors are on stderr (stdout has the property asked for); anything else as it came.
    if [ -s "$work/build.log" ]; then sed 's/^/  /' "$work/build.log"; else sed 's/^/  /' "$work/built"; fi >&2
    # The commit's side, if it runs, builds in $work: it ends before the folder goes.
    if [ -n "${building:-}" ]; then wait "$building" 2>/dev/null || true; fi
    exit 1
  fi
  built=$(tail -n 1 "$work/built")
  bin=$(dirname "$built")
  if [ ! -f "$bin/K8sLab.dll" ] || [ ! -f "$built" ]; then
    echo "preview: the build of the comparison tool named no K8sLab.Preview.dll beside a K8sLab.dll (it printed: $(head -c 300 "$work/built"))" >&2
    exit 1
  fi
  app="dotnet $(printf '%q' "$bin/K8sLab.dll")"
}

# A commit's templates never change: each commit and environment is synthesized once, then read
# from the cache (K8SLAB_PREVIEW_CACHE, default ~/.cache/k8slab-preview; set it empty for no cache).
cache=${K8SLAB_PREVIEW_CACHE-${XDG_CACHE_HOME:-$HOME/.cache}/k8slab-preview}
before="$work/before"
status=0
# The app as committed (scripts/preview-state.sh): both sides are the same app, so the commit's side
# needs no build of its own. With the environment files as committed too, the working tree's synthesis
# serves as both (not cached as the commit's: it is not a synthesis of the commit's files); else one
# build of the working tree synthesizes both sides, the commit's from the commit's environment files.
state=$(app_state "$commit")
# commit_side FILE... : the commit's side in a folder of its own, synthesized in the background on the
# other core: the whole commit, which builds there (no FILE), or only the given files of it run by
# the working tree's app ($app).
commit_side() {
  mkdir "$work/ref"
  git archive "$commit" "$@" | tar -x -C "$work/ref"
  # The whole commit (no $app) is built here only for its templates: without the analyzers (the code
  # style, an error under TreatWarningsAsErrors), which cost a fifth of a build from nothing and are no
  # verdict on the lab. With $app, nothing is built and the setting does nothing. Its temporary folder is
  # inside $work: an app from before the app ended jsii's runtime itself leaves 66 MB there at each run.
  mkdir "$work/tmp"
  TMPDIR="$work/tmp" RunAnalyzers=false synth "$ref (${commit:0:7})" "$work/ref" "$work/before" ${app:+"$app"} &
  building=$!
}
app=""
if [ -n "$cache" ] && [ -f "$cache/$commit-$env/manifest.json" ]; then
  echo "preview: $ref (${commit:0:7}) from the cache" >&2
  before="$cache/$commit-$env"
  state=cached
elif [ "$state" = unchanged ]; then
  echo "preview: the working tree is $ref (${commit:0:7}) unchanged: one synthesis for both" >&2
  before="$work/after"
elif [ "$state" = changed ]; then
  commit_side   # started before the working tree's build: the two builds share the two cores
fi
build
if [ "$state" = environments ]; then
  echo "preview: only environments/ differs from $ref (${commit:0:7}): one build synthesizes both sides" >&2
  # The commit's environment files, and cdk.json, global.json (the pinned SDK) as committed.
  files=(cdk.json environments)
  if git cat-file -e "$commit:global.json" 2>/dev/null; then files+=(global.json); fi
  commit_side "${files[@]}"
fi
synth "the working tree" "$root" "$work/after" "$app" || status=1
if [ -n "${building:-}" ]; then
  if ! wait "$building"; then
    status=1
  elif [ -n "$cache" ]; then
    mkdir -p "$cache" "$work/cached"
    cp "$work/before"/manifest.json "$work/before"/*.template.json "$work/cached/"
    mv -T "$work/cached" "$cache/$commit-$env" 2>/dev/null || true   # another preview may have cached it meanwhile
  fi
fi
[ $status -eq 0 ] || exit 1

echo "preview: changes from $ref (${commit:0:7}) to the working tree, environment $env:" >&2
dotnet "$bin/K8sLab.Preview.dll" "$before" "$work/after"
