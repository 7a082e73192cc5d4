#!/bin/bash
# kubectl from your own machine, in one command, with the AWS CLI and your credentials:
#
#   scripts/kubeconfig.sh ENV [--print] [--port N]
#
# 1. Reads the cluster's admin credentials, which the bastion stores after each successful
#    convergence as the SSM SecureString /k8slab/ENV/kubeconfig (your credentials read and decrypt
#    it; no instance role can read it).
# 2. Writes the context k8slab-ENV, its cluster k8slab-ENV and its user k8slab-ENV-admin into your
#    kubeconfig ($KUBECONFIG's first file, or ~/.kube/config) with kubectl config: the other clusters,
#    users and contexts and the current context stay as they are; a re-run replaces only these three.
#    The server is https://127.0.0.1:PORT (default 16443); TLS stays verified: the cluster entry keeps
#    the cluster's CA and names the API server 'kubernetes' (tls-server-name), a name kubespray puts in
#    the API server's certificate, whatever address reaches it.
# 3. Opens a Session Manager port forward from 127.0.0.1:PORT through the bastion to port 6443 of a
#    running control-plane node, until you stop it (Ctrl-C); with --print it only prints the command,
#    to run where the plugin is (--print itself does not need the plugin).
#
# Needs the AWS CLI (and its Session Manager plugin, but for --print), kubectl, jq, and the .NET SDK: the app reads the
# environment file and the lab's names for it (scripts/lab-config.sh; K8SLAB_APP runs another build of
# it). Every check comes before anything is written: a problem is one line on stderr and exit code 1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=SCRIPTDIR/lab-config.sh
. "$here/lab-config.sh"

usage() {
  names=()
  for f in "$root"/environments/*.yaml; do names+=("$(basename "$f" .yaml)"); done
  echo "usage: scripts/kubeconfig.sh ENVIRONMENT [--print] [--port N]   (one of: ${names[*]})" >&2
  exit 2
}

fail() {
  echo "kubeconfig: $*" >&2
  exit 1
}

env="" print=no port=16443
while [ $# -gt 0 ]; do
  case "$1" in
    --print) print=yes ;;
    --port) [ $# -ge 2 ] || usage; port=$2; shift ;;
    --port=*) port=${1#--port=} ;;
    -*) usage ;;
    *) [ -z "$env" ] || usage; env=$1 ;;
  esac
  shift
done
[ -n "$env" ] || usage
# At most five digits before any arithmetic: a longer number overflows test's integers, which then
# answer "integer expression expected" and let the value through.
if ! [[ "$port" =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1024 || 10#$port > 65535)); then
  fail "--port: a local port from 1024 to 65535, got '$port'"
fi
port=$((10#$port))
file="$root/environments/$env.yaml"
[ -f "$file" ] || fail "no environments/$env.yaml"
lab_require_aws kubeconfig
command -v kubectl >/dev/null || fail "kubectl is not installed: install it (https://kubernetes.io/docs/tasks/tools/)"
plugin=yes
command -v session-manager-plugin >/dev/null || plugin=no
if [ "$plugin" = no ] && [ "$print" = no ]; then
  fail "the AWS CLI's Session Manager plugin (session-manager-plugin) is not installed: install it as the AWS Systems Manager user guide says (or pass --print for the command, to run where it is installed)"
fi
lab_config kubeconfig "$env"
region=$(lab_value .region)
parameter=$(lab_value .parameters.kubeconfig)
tag_environment=$(lab_value .facts.tags.environment)
tag_role=$(lab_value .facts.tags.role)
role_bastion=$(lab_value .facts.roles.bastion.tag)
role_control_plane=$(lab_value .facts.roles.controlPlane.tag)
cluster="k8slab-$env"
user="k8slab-$env-admin"

tmp=$(umask 077 && mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# call WHAT ARGS...: the AWS CLI's answer, or one line saying what failed and AWS's last word on it.
call() {
  local what=$1
  shift
  if ! aws --region "$region" "$@" 2>"$tmp/error"; then
    fail "$what: $(grep -v '^[[:space:]]*$' "$tmp/error" | tail -n 1)"
  fi
}

if ! aws sts get-caller-identity --region "$region" --query Account --output text >/dev/null 2>"$tmp/error"; then
  if grep -q -i -e "Unable to locate credentials" -e "NoCredentialProviders" "$tmp/error"; then
    fail "no AWS credentials: configure them (aws configure, aws sso login, or AWS_PROFILE) for the account of $env ($region)"
  fi
  fail "AWS does not accept your credentials: $(grep -v '^[[:space:]]*$' "$tmp/error" | tail -n 1)"
fi

if ! value=$(aws --region "$region" ssm get-parameter --name "$parameter" --with-decryption --query Parameter.Value --output text 2>"$tmp/error"); then
  if grep -q ParameterNotFound "$tmp/error"; then
    fail "no $parameter in $region: the lab has not converged yet (the bastion stores it after each convergence: npx cdk deploy --all -c env=$env)"
  fi
  fail "cannot read $parameter: $(grep -v '^[[:space:]]*$' "$tmp/error" | tail -n 1)"
fi

# The compact form (converge/k8slab_converge/kubeconfig.py): a header, the server
# the bastion uses, then "ca|cert|key LABEL DER-IN-BASE64": each back into a PEM file for kubectl.
server=""
found=()
while read -r name rest; do
  case "$name" in
    server) server=$rest ;;
    ca | cert | key)
      {
        printf -- '-----BEGIN %s-----\n' "${rest% *}"
        fold -w 64 <<<"${rest##* }"
        printf -- '-----END %s-----\n' "${rest% *}"
      } >"$tmp/$name.pem"
      found+=("$name") ;;
  esac
done <<<"$value"
if [ "$(head -n 1 <<<"$value")" != "k8slab-kubeconfig 1" ] || [ -z "$server" ] || [ "${#found[@]}" -ne 3 ]; then
  fail "$parameter is not in the form this script reads (k8slab-kubeconfig 1): deploy the lab from this version of the repository"
fi
stored_host=${server#https://}
stored_host=${stored_host%:*}

running() { # ROLE QUERY: the environment's running instances of a role, one value a line
  local out
  out=$(call "cannot list the instances of $env" ec2 describe-instances \
    --filters "Name=tag:$tag_environment,Values=$env" "Name=tag:$tag_role,Values=$1" "Name=instance-state-name,Values=running" \
    --query "Reservations[].Instances[].$2" --output text)
  tr '\t' '\n' <<<"$out" | grep -v -e '^[[:space:]]*$' -e '^None$' || true
}
bastions=$(running "$role_bastion" InstanceId)
bastion=${bastions%%$'\n'*}
[ -n "$bastion" ] || fail "no running bastion of $env in $region: the port forward goes through it (scripts/lab.sh status $env; scripts/lab.sh resume $env starts a paused lab)"
addresses=$(running "$role_control_plane" PrivateIpAddress)
mapfile -t control_plane < <(grep . <<<"$addresses" || true)
[ "${#control_plane[@]}" -gt 0 ] || fail "no running control-plane node of $env in $region (scripts/lab.sh status $env)"
host=${control_plane[0]}
for ip in "${control_plane[@]}"; do [ "$ip" = "$stored_host" ] && host=$ip; done

# Everything checked: write, through kubectl, into the user's kubeconfig file only.
target=${KUBECONFIG:-}
target=${target%%:*}
[ -n "$target" ] || target="$HOME/.kube/config"
mkdir -p "$(dirname "$target")"
config() { kubectl config --kubeconfig "$target" "$@" >/dev/null; }
config unset "clusters.$cluster"
config unset "users.$user"
config unset "contexts.$cluster"
config set-cluster "$cluster" --server "https://127.0.0.1:$port" --tls-server-name kubernetes \
  --certificate-authority "$tmp/ca.pem" --embed-certs=true
config set-credentials "$user" --client-certificate "$tmp/cert.pem" --client-key "$tmp/key.pem" --embed-certs=true
config set-context "$cluster" --cluster "$cluster" --user "$user"
echo "kubeconfig: context $cluster written to $target (server https://127.0.0.1:$port, TLS verified with the cluster's CA as 'kubernetes')"

session=(aws ssm start-session --region "$region" --target "$bastion" --document-name AWS-StartPortForwardingSessionToRemoteHost
  --parameters "{\"host\":[\"$host\"],\"portNumber\":[\"6443\"],\"localPortNumber\":[\"$port\"]}")
if [ "$print" = yes ]; then
  quoted=()
  for word in "${session[@]}"; do
    if [[ "$word" =~ ^[A-Za-z0-9_./:=-]+$ ]]; then quoted+=("$word"); else quoted+=("'$word'"); fi
  done
  echo "kubeconfig: open the tunnel with (it runs until Ctrl-C), then kubectl --context $cluster get nodes:"
  echo "${quoted[*]}"
  [ "$plugin" = yes ] || echo "kubeconfig: it needs the AWS CLI's Session Manager plugin (session-manager-plugin), which is not installed here"
  exit 0
fi
echo "kubeconfig: forwarding 127.0.0.1:$port through the bastion $bastion to $host:6443 until Ctrl-C; in another terminal: kubectl --context $cluster get nodes"
rm -rf "$tmp"
trap - EXIT
exec "${session[@]}"
