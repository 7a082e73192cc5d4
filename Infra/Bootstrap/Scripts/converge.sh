#!/bin/bash
# k8slab-converge: makes the cluster match the node set the last deploy asked for, then tells
# CloudFormation how it went by signalling the Nodes stack's wait condition. A systemd timer runs it
# every 30 s; it does nothing unless the request (an SSM parameter the Nodes stack writes) is new.
#
#   first request                -> cluster.yml
#   control plane changed        -> reset.yml, then cluster.yml (a lab rebuilds rather than migrates etcd)
#   workers removed or replaced  -> remove-node.yml for each (drained while the old instance still runs)
#   workers added or replaced    -> scale.yml
# Then every requested node must be Ready; the wait condition gets SUCCESS, or FAILURE with the log tail.
set -Eeuo pipefail
# shellcheck source=/dev/null
. "${K8SLAB_ENV:-/etc/k8slab/control-host.env}"

state=$STATE_DIR
inventory_dir=$state/inventory
mkdir -p "$inventory_dir" "$LOG_DIR"

if ! request=$(aws ssm get-parameter --region "$AWS_REGION" --name "$CONVERGE_PARAMETER" \
  --query Parameter.Value --output text 2>"$state/ssm-error"); then
  grep -q ParameterNotFound "$state/ssm-error" && exit 0 # no Nodes stack deployed yet
  cat "$state/ssm-error" >&2
  exit 1
fi
id=$(jq -r .id <<<"$request")
url=$(jq -r .signal <<<"$request")
# A request is handled once per wait condition: the same node set deployed again (after a rollback
# deleted the stack, say) comes with a new handle URL and is converged again.
[ "$(cat "$state/handled" 2>/dev/null || true)" = "$id $url" ] && exit 0
exec 9>"$state/lock"
flock -n 9 || exit 0

log=$LOG_DIR/converge-$id.log
: > "$log"
say() { echo "$(date -u +%H:%M:%S) $*" | tee -a "$log"; }

signal() { # STATUS REASON
  local body
  body=$(jq -cn --arg s "$1" --arg r "$2" --arg d "$id" '{Status: $s, Reason: $r, UniqueId: "converge", Data: $d}')
  curl -fsS --retry 5 --retry-all-errors -X PUT -H 'Content-Type:' --data-binary "$body" "$url" >/dev/null ||
    say "could not signal $1 (the deploy that asked may be gone)"
  echo "$id $url" > "$state/handled"
}

fail() { # REASON: the deploy shows it, with the end of the log
  trap - ERR
  say "FAILED: $1"
  # A playbook may have changed the cluster half-way: forget the converged state, so the next
  # request (the rollback's, or the next deploy's) runs cluster.yml over the whole node set.
  [ "${playbooks_ran:-0}" -eq 0 ] || rm -f "$state/converged"
  signal FAILURE "$1; log $log ends: $(tail -n 20 "$log" | cut -c1-160 | tr '\n' '|' | tail -c 3000)"
  exit 1
}
# Whatever else goes wrong, the deploy hears of it now rather than at its timeout.
trap 'fail "line $LINENO: $BASH_COMMAND failed"' ERR

expand() { # "worker-1..3,7" -> worker-1 worker-2 worker-3 worker-7
  local prefix=${1%-*}- list=${1##*-} part
  IFS=, read -ra parts <<<"$list"
  for part in "${parts[@]}"; do
    if [[ $part == *..* ]]; then seq -f "$prefix%g" "${part%..*}" "${part#*..}"; else echo "$prefix$part"; fi
  done
}

# The requested set: "name role fingerprint" per node.
desired=$state/desired
jq -r '.nodes[] | "\(.names) \(.role) \(.fingerprint)"' <<<"$request" | while read -r names role fingerprint; do
  for name in $(expand "$names"); do echo "$name $role $fingerprint"; done
done > "$desired"
say "request $id: $(wc -l < "$desired") nodes"

# Find each node's instance: its name and fingerprint tags, running; the newest one while a
# replaced instance and its successor both run. Nodes boot in parallel: wait up to 15 minutes.
current=$state/current
for attempt in $(seq 1 "${DISCOVERY_ATTEMPTS:-90}"); do
  # shellcheck disable=SC2016 # the backquotes are JMESPath literals, not shell
  aws ec2 describe-instances --region "$AWS_REGION" \
    --filters "Name=tag:k8slab:environment,Values=$LAB_ENVIRONMENT" "Name=instance-state-name,Values=running" \
    --query 'Reservations[].Instances[].[Tags[?Key==`k8slab:node`]|[0].Value,Tags[?Key==`k8slab:userdata-sha256`]|[0].Value,LaunchTime,PrivateIpAddress]' \
    --output text 2>>"$log" | sort -k3 > "$state/instances"
  : > "$current"
  missing=0
  while read -r name role fingerprint; do
    ip=$(awk -v n="$name" -v f="$fingerprint" '$1 == n && $2 == f { ip = $4 } END { print ip }' "$state/instances")
    if [ -z "$ip" ]; then missing=$((missing + 1)); else echo "$name $role $fingerprint $ip" >> "$current"; fi
  done < "$desired"
  [ "$missing" -eq 0 ] && break
  [ "$attempt" -eq "${DISCOVERY_ATTEMPTS:-90}" ] && fail "$missing requested nodes are not running"
  say "waiting for $missing nodes to run"
  sleep "${DISCOVERY_PAUSE:-10}"
done

write_inventory() { # NODES-FILE INVENTORY: kubespray's groups; ansible runs here, so no host named bastion
  {
    echo "[all]"
    awk '{ print $1 " ansible_host=" $4 " ip=" $4 }' "$1"
    echo "[kube_control_plane]"
    awk '$2 == "control-plane" { print $1 }' "$1"
    echo "[etcd]"
    awk '$2 == "control-plane" { print $1 }' "$1"
    echo "[kube_node]"
    if grep -q ' worker ' "$1"; then awk '$2 == "worker" { print $1 }' "$1"; else awk '{ print $1 }' "$1"; fi
    echo "[k8s_cluster:children]"
    echo "kube_control_plane"
    echo "kube_node"
  } > "$2"
}
write_inventory "$current" "$inventory_dir/hosts.ini"

# New nodes may still be booting: wait for SSH, then for their own cloud-init (apt holds its lock).
say "waiting for the nodes' SSH and cloud-init"
"$ANSIBLE_VENV/bin/ansible" -i "$inventory_dir/hosts.ini" all -m wait_for_connection -a timeout=900 >> "$log" 2>&1 ||
  fail "nodes did not answer on SSH"
# cloud-init exits 2 for "degraded" (warnings, deprecations): only 1 is a failure.
"$ANSIBLE_VENV/bin/ansible" -i "$inventory_dir/hosts.ini" all -b -m shell -a 'cloud-init status --wait >/dev/null; [ $? -ne 1 ]' >> "$log" 2>&1 ||
  fail "cloud-init failed on a node"

playbooks_ran=0
playbook() { # PLAYBOOK INVENTORY [ARGS...]
  local book=$1 inv=$2
  shift 2
  playbooks_ran=1
  say "ansible-playbook $book $*"
  (cd "$KUBESPRAY_DIR" && "$ANSIBLE_VENV/bin/ansible-playbook" -i "$inv" -b "$book" "$@") >> "$log" 2>&1 ||
    fail "$book failed"
}

previous=$state/converged
# A node is its name, role, fingerprint and address: a new instance behind the same name (a new
# image, say, with the same user data) is a new node to remove and add.
key() { sort "$1"; }
if [ ! -s "$previous" ]; then
  playbook cluster.yml "$inventory_dir/hosts.ini" -e kubeconfig_localhost=true
elif ! diff -q <(key "$previous" | grep control-plane) <(key "$current" | grep control-plane) >/dev/null; then
  say "the control plane changed: rebuilding the cluster"
  playbook reset.yml "$inventory_dir/hosts.ini" -e reset_confirmation=yes
  playbook cluster.yml "$inventory_dir/hosts.ini" -e kubeconfig_localhost=true
else
  gone=$(comm -23 <(key "$previous") <(key "$current") | awk '{ print $1 }')
  new=$(comm -13 <(key "$previous") <(key "$current") | awk '{ print $1 }')
  for name in $gone; do
    # The old instance still runs until CloudFormation's cleanup: drain it and leave the cluster.
    playbook remove-node.yml "$inventory_dir/previous.ini" -e node="$name" -e skip_confirmation=yes
  done
  if [ -n "$new" ]; then
    playbook scale.yml "$inventory_dir/hosts.ini" -e kubeconfig_localhost=true
  fi
  if [ -z "$gone$new" ]; then say "the cluster already has these nodes"; fi
fi

if [ -f "$inventory_dir/artifacts/admin.conf" ]; then
  install -D -m 0600 "$inventory_dir/artifacts/admin.conf" "$HOME/.kube/config"
fi

# Every requested node, by name, must be Ready (kubespray names nodes after the inventory).
want=$(wc -l < "$desired")
for attempt in $(seq 1 "${READY_ATTEMPTS:-60}"); do
  kubectl get nodes --no-headers 2>>"$log" | awk '$2 == "Ready" { print $1 }' | sort > "$state/ready" || true
  not_ready=$(awk '{ print $1 }' "$desired" | sort | comm -23 - "$state/ready" | tr '\n' ' ')
  [ -z "$not_ready" ] && break
  [ "$attempt" -eq "${READY_ATTEMPTS:-60}" ] && fail "not Ready: $not_ready"
  sleep "${READY_PAUSE:-10}"
done

cp "$current" "$previous"
cp "$inventory_dir/hosts.ini" "$inventory_dir/previous.ini"
say "converged: $want nodes Ready"
signal SUCCESS "$want nodes Ready"
