#!/bin/bash
# A lab's life between deploys, with the AWS CLI and your credentials:
#
#   scripts/lab.sh status ENV   per instance: ID, state, the user-data fingerprint it was launched with,
#                               the one the synthesized templates want (cdk.out), Ready in the cluster
#   scripts/lab.sh pause ENV    stops every instance: workers, control plane, bastion, NAT instance;
#                               then says what still costs while paused, at the price table's prices
#   scripts/lab.sh resume ENV   starts them in the reverse order (NAT instance and bastion, control
#                               plane, workers) and waits until every node is Ready, asking the
#                               bastion's kubectl through Session Manager (SSM Run Command)
#
# Environment: CDK_OUT (synthesized templates, default cdk.out), LAB_READY_TIMEOUT (seconds resume
# waits for Ready, default 1200), LAB_POLL_SECONDS (default 15).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prices="$root/Infra/Costs/prices.txt"

usage() {
  names=()
  for f in "$root"/environments/*.yaml; do names+=("$(basename "$f" .yaml)"); done
  echo "usage: scripts/lab.sh status|pause|resume ENVIRONMENT   (one of: ${names[*]})" >&2
  exit 2
}

command=${1:-}
env=${2:-}
# in_order VERB STATE ROLE...: stop or start each role's instances, one role at a time, in the order
# given, waiting for STATE before the next role.
in_order() {
  local verb=$1 state=$2 role
  shift 2
  for role in "$@"; do
    mapfile -t ids < <(ids_of_role "$role")
    [ "${#ids[@]}" -gt 0 ] || continue
    echo "$verb $role: ${ids[*]}"
    ec2 "$verb-instances" --instance-ids "${ids[@]}" >/dev/null
    wait_for "$state" "${ids[@]}"
  done
}

case "$command" in status | pause | resume) ;; *) usage ;; esac
[ -n "$env" ] || usage
file="$root/environments/$env.yaml"
if [ ! -f "$file" ]; then
  echo "lab: no environments/$env.yaml" >&2
  exit 1
fi
region=$(sed -n -E 's/^region:[[:space:]]*([a-z0-9-]+).*/\1/p' "$file")
poll=${LAB_POLL_SECONDS:-15}
timeout=${LAB_READY_TIMEOUT:-1200}

ec2() { aws ec2 --region "$region" "$@"; }

# One line per instance of the environment that is not terminated:
# ID STATE ROLE NAME FINGERPRINT (ROLE "nat" for the NAT instance, which has no k8slab:role).
instances() {
  # shellcheck disable=SC2016 # backquotes are JMESPath literals, not shell
  ec2 describe-instances \
    --filters "Name=tag:k8slab:environment,Values=$env" "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query 'Reservations[].Instances[].[InstanceId, State.Name, Tags[?Key==`k8slab:role`]|[0].Value, Tags[?Key==`k8slab:node`]|[0].Value, Tags[?Key==`Name`]|[0].Value, Tags[?Key==`k8slab:userdata-sha256`]|[0].Value]' \
    --output text |
    awk 'BEGIN { OFS = "\t" } {
      role = $3; name = $4
      if (role == "None") role = "nat"
      if (name == "None") name = $5
      print $1, $2, role, name, $6
    }' | sort -t $'\t' -k4,4V
}

ids_of_role() { awk -F '\t' -v r="$1" '$3 == r { print $1 }' <<<"$all"; }

# The nodes kubectl on the bastion reports Ready, one name a line; fails when it cannot ask.
ready_nodes() {
  local bastion command_id status
  bastion=$(ids_of_role bastion | head -n 1)
  [ -n "$bastion" ] || return 1
  command_id=$(aws ssm send-command --region "$region" --instance-ids "$bastion" --document-name AWS-RunShellScript \
    --comment "k8slab $env: which nodes are Ready" \
    --parameters 'commands=["sudo -iu ubuntu kubectl get nodes --no-headers"]' \
    --query Command.CommandId --output text 2>/dev/null) || return 1
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    status=$(aws ssm get-command-invocation --region "$region" --command-id "$command_id" --instance-id "$bastion" \
      --query Status --output text 2>/dev/null) || status=Pending
    case "$status" in
      Success)
        aws ssm get-command-invocation --region "$region" --command-id "$command_id" --instance-id "$bastion" \
          --query StandardOutputContent --output text | awk '$2 == "Ready" { print $1 }'
        return 0 ;;
      Pending | InProgress | Delayed) sleep 2 ;;
      *) return 1 ;;
    esac
  done
  return 1
}

# The fingerprints the synthesized templates want, as NAME FINGERPRINT lines.
wanted() {
  local template
  for template in "$cdk_out/K8sLab-$env-Network.template.json" "$cdk_out/K8sLab-$env-Bastion.template.json" "$cdk_out/K8sLab-$env-Nodes.template.json"; do
    [ -f "$template" ] || continue
    jq -r '.Resources[] | select(.Type == "AWS::EC2::Instance") | .Properties.Tags // [] | from_entries
      | [(.["k8slab:node"] // .Name), .["k8slab:userdata-sha256"]] | @tsv' "$template"
  done
}

price_of() { # REGION ITEM: the price table's USD for the item, or nothing
  awk -v region="$1" -v item="$2" '
    $1 == "price" && $3 == item && $2 == region { found = $4 }
    $1 == "price" && $3 == item && $2 == "*" { any = $4 }
    END { if (found != "") print found; else if (any != "") print any }' "$prices"
}

# What stays billed while every instance is stopped: NAT gateways with their addresses, and volumes.
paused_cost() {
  local gateways gib nat ipv4 gp3
  gateways=$(ec2 describe-nat-gateways --filter "Name=tag:k8slab:environment,Values=$env" "Name=state,Values=available,pending" \
    --query 'length(NatGateways)' --output text)
  gib=$(ec2 describe-volumes --filters "Name=tag:k8slab:environment,Values=$env" --query 'sum(Volumes[].Size)' --output text)
  if [ "$gib" = "None" ] || [ "$gib" = "0" ]; then
    # Volumes carry the instance's Name, not always the environment tag: sum those of its instances.
    local ids
    mapfile -t ids < <(awk -F '\t' '{ print $1 }' <<<"$all")
    gib=0
    if [ "${#ids[@]}" -gt 0 ]; then
      gib=$(ec2 describe-volumes --filters "Name=attachment.instance-id,Values=$(IFS=,; echo "${ids[*]}")" --query 'sum(Volumes[].Size)' --output text)
    fi
  fi
  nat=$(price_of "$region" nat-gateway)
  ipv4=$(price_of "$region" public-ipv4)
  gp3=$(price_of "$region" ebs:gp3)
  echo "still billed while paused ($region, prices from Infra/Costs/prices.txt, 730 h a month):"
  line() { # WHAT QUANTITY USD-PER-HOUR-EACH
    if [ -z "$3" ]; then printf '  %-40s unknown (no %s price in the table)\n' "$1" "$region"
    else awk -v w="$1" -v q="$2" -v p="$3" 'BEGIN { h = q * p; printf "  %-40s $%.4f/h  $%.2f/month\n", w, h, h * 730 }'
    fi
  }
  if [ "$gateways" -gt 0 ]; then
    line "$gateways NAT gateway(s)" "$gateways" "$nat"
    line "$gateways public IPv4 of the NAT gateways" "$gateways" "$ipv4"
  fi
  line "$gib GB of gp3 volumes" "$gib" "$(if [ -n "$gp3" ]; then awk -v p="$gp3" 'BEGIN { print p / 730 }'; fi)"
  echo "  (stopped instances cost nothing; the bastion's and NAT instance's addresses are released on stop)"
}

wait_for() { # STATE IDS...: EC2's waiter, for the instances given
  local state=$1
  shift
  [ "$#" -gt 0 ] || return 0
  ec2 wait "instance-$state" --instance-ids "$@"
}

all=$(instances)
if [ -z "$all" ]; then
  echo "lab: no instances of environment $env in $region (deployed? credentials for the right account?)" >&2
  exit 1
fi
cdk_out=${CDK_OUT:-$root/cdk.out}

case "$command" in
  status)
    declare -A want=()
    while IFS=$'\t' read -r name fingerprint; do [ -n "$name" ] && want[$name]=$fingerprint; done < <(wanted)
    ready=""
    cluster=yes
    if ready=$(ready_nodes); then :; else cluster=no; fi
    echo "K8sLab $env ($region):"
    printf '%-12s %-14s %-20s %-9s %-13s %-13s %s\n' node role instance state launched wanted cluster
    changed=0
    while IFS=$'\t' read -r id state role name fingerprint; do
      launched=${fingerprint:0:12}
      if [ -n "${want[$name]:-}" ]; then
        wants=${want[$name]:0:12}
        [ "${want[$name]}" = "$fingerprint" ] || { wants="$wants*"; changed=$((changed + 1)); }
      else
        wants="?"
      fi
      case "$role" in
        control-plane | worker)
          if [ "$cluster" = no ]; then node_state="?"
          elif grep -qx -- "$name" <<<"$ready"; then node_state=Ready
          else node_state=NotReady
          fi ;;
        *) node_state="-" ;;
      esac
      printf '%-12s %-14s %-20s %-9s %-13s %-13s %s\n' "$name" "$role" "$id" "$state" "$launched" "$wants" "$node_state"
    done <<<"$all"
    if [ "${#want[@]}" -eq 0 ]; then
      echo "wanted: no templates of $env in $cdk_out: run npx cdk synth --quiet -c env=$env"
    elif [ "$changed" -gt 0 ]; then
      echo "*: $changed instance(s) run another bootstrap than the templates want; npx cdk deploy --all -c env=$env replaces them"
    fi
    [ "$cluster" = yes ] || echo "cluster: the bastion's kubectl could not be asked through SSM (bastion stopped, agent not online, or no kubeconfig yet)"
    ;;

  pause)
    # Workers first, so nothing is rescheduled onto a node about to stop; the NAT instance last.
    in_order stop stopped worker control-plane bastion nat
    echo "paused: every instance of $env is stopped; scripts/lab.sh resume $env starts them again"
    paused_cost
    ;;

  resume)
    # The NAT instance first (the nodes' way out), the bastion, then the control plane before the workers.
    in_order start running nat bastion control-plane worker
    mapfile -t nodes < <(awk -F '\t' '$3 == "control-plane" || $3 == "worker" { print $4 }' <<<"$all")
    echo "waiting for ${#nodes[@]} node(s) to be Ready (asking the bastion's kubectl through SSM, up to ${timeout} s)"
    deadline=$((SECONDS + timeout))
    while :; do
      missing=()
      if ready=$(ready_nodes); then
        for n in "${nodes[@]}"; do grep -qx -- "$n" <<<"$ready" || missing+=("$n"); done
        if [ "${#missing[@]}" -eq 0 ]; then
          echo "resumed: every node of $env is Ready"
          exit 0
        fi
      else
        missing=("${nodes[@]}")
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        echo "lab: not Ready after ${timeout} s: ${missing[*]} (scripts/lab.sh status $env; on the bastion: kubectl describe node NAME)" >&2
        exit 1
      fi
      sleep "$poll"
    done
    ;;
esac
