# shellcheck shell=bash
# Sourced by lab.sh, kubeconfig.sh and pin-image.sh: an environment as the app reads it. They ask
# the app (--print-config ENV: one JSON object with the resolved file, the stack, node and parameter
# names, and the lab's facts of converge/contract/lab.json) instead of parsing the YAML or keeping
# copies of the facts, so a quoted value, a comment or an anchor means to them what it means to the
# synth, and a bad file stops them with the synth's own errors.
#
#   lab_config SCRIPT ENV   runs the app once; when it cannot, SCRIPT: lines on stderr and exit 1
#   lab_value FILTER        one value of it, by jq filter: lab_value .region, lab_value .facts.tags.role
#   lab_require_aws SCRIPT  the AWS CLI is installed, or SCRIPT: one line naming what to install, and exit 1
#
# K8SLAB_APP: the command that runs the app, words split at spaces (default: dotnet run --project
# Infra -v q --, which builds it first); the tests give dotnet .../K8sLab.dll, the app they built.

lab_config_script=""
lab_config_json=""

lab_config() {
  local script=$1 env=$2 root out status=0 errors
  local -a app
  lab_config_script=$script
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if ! command -v jq >/dev/null; then
    echo "$script: jq is not installed: install it (Debian and Ubuntu: apt-get install jq; macOS: brew install jq)" >&2
    exit 1
  fi
  if [ -n "${K8SLAB_APP:-}" ]; then
    read -r -a app <<<"$K8SLAB_APP"
  elif command -v dotnet >/dev/null; then
    app=(dotnet run --project "$root/Infra" -v q --)
  else
    echo "$script: the .NET SDK (dotnet) is not installed: the app reads environments/$env.yaml for this script, as for npx cdk synth" >&2
    exit 1
  fi
  errors=$(mktemp)
  out=$(cd "$root" && DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 "${app[@]}" --print-config "$env" 2>"$errors") || status=$?
  if [ "$status" -ne 0 ]; then
    if [ -z "$out" ] && [ -s "$errors" ] && ! grep -qv '^error: ' "$errors"; then
      # The app's own refusal: each problem of the file, named as the synth names it.
      sed "s/^error: /$script: /" "$errors" >&2
    else
      # Anything else (a build error is on dotnet's stdout): as it came, then what failed.
      [ -z "$out" ] || printf '%s\n' "$out" >&2
      cat "$errors" >&2
      echo "$script: the app did not run (${app[*]} --print-config $env: exit $status)" >&2
    fi
    rm -f "$errors"
    exit 1
  fi
  rm -f "$errors"
  if ! jq -e 'type == "object" and has("facts")' >/dev/null 2>&1 <<<"$out"; then
    echo "$script: ${app[*]} --print-config $env printed no configuration: $(head -c 200 <<<"$out")" >&2
    exit 1
  fi
  lab_config_json=$out
}

# lab_require_aws SCRIPT: the AWS CLI is there, or one line saying what to install and exit 1.
lab_require_aws() {
  if ! command -v aws >/dev/null; then
    echo "$1: the AWS CLI (aws) is not installed: install AWS CLI version 2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)" >&2
    exit 1
  fi
}

lab_value() {
  # -e: a key the app does not print fails here, not later as an empty string in an AWS call.
  if ! jq -er "$1" <<<"$lab_config_json"; then
    echo "$lab_config_script: the app's --print-config has no $1 (is the app from another version of the repository?)" >&2
    exit 1
  fi
}
