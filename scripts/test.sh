#!/bin/bash
# The README's test command. Installs what the tests validate with (Debian: cloud-init, shellcheck,
# ansible, jq, curl, kubectl, openssl, and gcc for the warm servers' launcher; npm: the pinned CDK CLI
# and Node), then runs every test once, serially where CDK is involved.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
# kubectl (the kubeconfig script's tests): this machine kind ships one; elsewhere Debian's kubernetes-client.
for pair in cloud-init:cloud-init shellcheck:shellcheck ansible-inventory:ansible jq:jq curl:curl kubectl:kubernetes-client openssl:openssl cc:gcc; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# npm ls fails when a package of package.json is missing or at another version (an older clone).
# --prefer-offline: the lockfile pins every version and its hash, so a cached copy needs no check.
if ! npm ls --depth=0 >/dev/null 2>&1; then npm ci --silent --prefer-offline; fi

# jsii runs on the project's pinned Node (22), as under `npx cdk`: no end-of-life banner.
export PATH="$PWD/node_modules/.bin:$PATH"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

status=0
# The style of .editorconfig holds: a change that reformats nothing passes. The build reports the rest
# of what dotnet format checks (formatting and style rules: EnforceCodeStyleInBuild, IDE0055) and
# Layout/UsingOrderTests the order of usings; the whitespace of every C# file is checked here, by
# folder, without loading the solution (4 s, where the whole dotnet format took 24).
if ! dotnet format whitespace . --folder --exclude node_modules --verify-no-changes -v q; then
  echo "formatting: run 'dotnet format K8sLab.sln' and commit the result" >&2
  status=1
fi

log=$(mktemp)
dotnet test K8sLab.sln --nologo -v q "$@" 2>&1 | tee "$log" || status=$?
passed=$(sed -n -E 's/.*Passed:[[:space:]]+([0-9]+).*/\1/p' "$log" | tail -1)
failed=$(sed -n -E 's/.*Failed:[[:space:]]+([0-9]+),.*/\1/p' "$log" | tail -1)
rm -f "$log"
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit $status
