#!/bin/bash
# A lab's life between deploys, with the AWS CLI and your credentials:
#
#   scripts/lab.sh status ENV   per instance: ID, state, type, the user-data fingerprint it was launched
#                               with, the one the synthesized templates want (cdk.out), Ready in the
#                               cluster; a * marks what the next deploy replaces (another fingerprint,
#                               or for a node another instance type: both are in its logical ID);
#                               then every node of the file that has no instance (missing, or its
#                               instance terminated), with the way to get it back
#   scripts/lab.sh pause ENV    stops every instance: workers, control plane, bastion, NAT instance;
#                               then says what still costs while paused, at the price table's prices
#   scripts/lab.sh resume ENV   starts them in the reverse order (NAT instance and bastion, control
#                               plane, workers) and waits until every node is Ready, asking the
#                               bastion's kubectl through Session Manager (SSM Run Command)
#   scripts/lab.sh destroy ENV [--yes] [--terminate]
#                               cancels the lab's spot requests (a persistent request outlives its
#                               instance and would launch another once CloudFormation terminates it),
#                               empties the lab's etcd snapshot bucket (CloudFormation deletes only an
#                               empty bucket), then runs npx cdk destroy --all for the environment and deletes the
#                               admin kubeconfig parameter. Instances the requests launched outside
#                               the stacks sit in the lab's subnets, where they would stop the
#                               destroy: it names them and stops, or with --terminate terminates them
#                               first. It asks for the environment's name unless --yes. Then it checks
#                               that the stacks are gone and lists what of the lab remains (instances,
#                               NAT gateways, volumes, addresses, spot requests, parameters, buckets):
#                               exit 1 if anything does.
#
# status also warns about the lab's spot requests that could launch instances while no instance of
# the lab is theirs.
#
# It reads the environment file, and the lab's tag keys, role names and parameter names, through the
# app (scripts/lab-config.sh): it needs the .NET SDK, as the synth does, jq, and the AWS CLI.
#
# Environment: CDK_OUT (synthesized templates, default cdk.out), LAB_READY_TIMEOUT (seconds resume
# waits for Ready, default 1200), LAB_POLL_SECONDS (default 15), K8SLAB_APP (see lab-config.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
prices="$root/Infra/Costs/prices.txt"
# shellcheck source=SCRIPTDIR/lab-config.sh
. "$here/lab-config.sh"

usage() {
  names=()
  for f in "$root"/environments/*.yaml; do names+=("$(basename "$f" .yaml)"); done
  echo "usage: scripts/lab.sh status|pause|resume|destroy ENVIRONMENT [--yes] [--terminate]   (one of: ${names[*]})" >&2
  exit 2
}

command=${1:-}
env=${2:-}
yes=no
terminate=no
for option in "${@:3}"; do
  case "$command $option" in
    "destroy --yes") yes=yes ;;
    "destroy --terminate") terminate=yes ;;
    *) usage ;;
  esac
done
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

case "$command" in status | pause | resume | destroy) ;; *) usage ;; esac
[ -n "$env" ] || usage
file="$root/environments/$env.yaml"
if [ ! -f "$file" ]; then
  echo "lab: no environments/$env.yaml" >&2
  exit 1
fi
lab_require_aws lab
lab_config lab "$env"
region=$(lab_value .region)
tag_environment=$(lab_value .facts.tags.environment)
tag_role=$(lab_value .facts.tags.role)
tag_node=$(lab_value .facts.tags.node)
tag_fingerprint=$(lab_value .facts.tags.fingerprint)
role_control_plane=$(lab_value .facts.roles.controlPlane.tag)
role_worker=$(lab_value .facts.roles.worker.tag)
role_bastion=$(lab_value .facts.roles.bastion.tag)
admin_user=$(lab_value .facts.controlHost.adminUser)
kubeconfig_parameter=$(lab_value .parameters.kubeconfig)
network_stack=$(lab_value .stacks.network)
security_stack=$(lab_value .stacks.security)
bastion_stack=$(lab_value .stacks.bastion)
nodes_stack=$(lab_value .stacks.nodes)
bastion_node=$(lab_value '.nodes.bastion[0]')
# Joined, not one a line: a group of none (workers.count: 0) is an empty text, which jq -e accepts.
read -r -a control_plane_nodes <<<"$(lab_value '.nodes.controlPlane | join(" ")')"
read -r -a worker_nodes <<<"$(lab_value '.nodes.worker | join(" ")')"
poll=${LAB_POLL_SECONDS:-15}
timeout=${LAB_READY_TIMEOUT:-1200}

ec2() { aws ec2 --region "$region" "$@"; }

# JMESPath for the value of the tag KEY.
tag() {
  # shellcheck disable=SC2016 # backquotes are JMESPath literals, not shell
  printf 'Tags[?Key==`%s`]|[0].Value' "$1"
}

# One line per instance of the environment that is not terminated:
# ID STATE ROLE NAME FINGERPRINT TYPE (ROLE "nat" for the NAT instance, which has no role tag).
instances() {
  ec2 describe-instances \
    --filters "Name=tag:$tag_environment,Values=$env" "Name=instance-state-name,Values=pending,running,stopping,stopped" \
    --query "Reservations[].Instances[].[InstanceId, State.Name, $(tag "$tag_role"), $(tag "$tag_node"), $(tag Name), $(tag "$tag_fingerprint"), InstanceType]" \
    --output text |
    awk 'BEGIN { OFS = "\t" } {
      role = $3; name = $4
      if (role == "None") role = "nat"
      if (name == "None") name = $5
      print $1, $2, role, name, $6, $7
    }' | sort -t $'\t' -k4,4V
}

ids_of_role() { awk -F '\t' -v r="$1" '$3 == r { print $1 }' <<<"$all"; }

# The nodes kubectl on the bastion reports Ready, one name a line; fails when it cannot ask.
ready_nodes() {
  local bastion command_id status
  bastion=$(ids_of_role "$role_bastion" | head -n 1)
  [ -n "$bastion" ] || return 1
  command_id=$(aws ssm send-command --region "$region" --instance-ids "$bastion" --document-name AWS-RunShellScript \
    --comment "k8slab $env: which nodes are Ready" \
    --parameters "commands=[\"sudo -iu $admin_user kubectl get nodes --no-headers\"]" \
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
  for template in "$cdk_out/$network_stack.template.json" "$cdk_out/$bastion_stack.template.json" "$cdk_out/$nodes_stack.template.json"; do
    [ -f "$template" ] || continue
    jq -r --arg node "$tag_node" --arg fingerprint "$tag_fingerprint" '.Resources[] | select(.Type == "AWS::EC2::Instance")
      | .Properties as $p | $p.Tags // [] | from_entries
      | [(.[$node] // .Name), .[$fingerprint], ($p.InstanceType | strings // "")] | @tsv' "$template"
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
  gateways=$(ec2 describe-nat-gateways --filter "Name=tag:$tag_environment,Values=$env" "Name=state,Values=available,pending" \
    --query 'length(NatGateways)' --output text)
  gib=$(ec2 describe-volumes --filters "Name=tag:$tag_environment,Values=$env" --query 'sum(Volumes[].Size)' --output text)
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
  local hourly=0 unpriced=0
  line() { # WHAT QUANTITY USD-PER-HOUR-EACH
    if [ -z "$3" ]; then
      printf '  %-40s unknown (no %s price in the table)\n' "$1" "$region"
      unpriced=$((unpriced + 1))
    else
      awk -v w="$1" -v q="$2" -v p="$3" 'BEGIN { h = q * p; printf "  %-40s $%.4f/h  $%.2f/month\n", w, h, h * 730 }'
      hourly=$(awk -v t="$hourly" -v q="$2" -v p="$3" 'BEGIN { print t + q * p }')
    fi
  }
  if [ "$gateways" -gt 0 ]; then
    line "$gateways NAT gateway(s)" "$gateways" "$nat"
    line "$gateways public IPv4 of the NAT gateways" "$gateways" "$ipv4"
  fi
  line "$gib GB of gp3 volumes" "$gib" "$(if [ -n "$gp3" ]; then awk -v p="$gp3" 'BEGIN { print p / 730 }'; fi)"
  # A sum of the priced lines alone would read like the total: said as partial instead.
  if [ "$unpriced" -gt 0 ]; then printf '  %-40s partial: %s item(s) unpriced\n' "total" "$unpriced"
  else awk -v h="$hourly" 'BEGIN { printf "  %-40s $%.4f/h  $%.2f/month\n", "total", h, h * 730 }'
  fi
  echo "  (stopped instances cost nothing; the bastion's and NAT instance's addresses are released on stop)"
}

wait_for() { # STATE IDS...: EC2's waiter, for the instances given
  local state=$1
  shift
  [ "$#" -gt 0 ] || return 0
  ec2 wait "instance-$state" --instance-ids "$@"
}

# The lab's spot requests that can still launch an instance, as ID STATE INSTANCE lines (INSTANCE
# None while a request waits for capacity). They carry the Name tag of the Nodes stack's launch
# templates (Infra/Instances/BootstrapTemplate.cs).
spot_requests() {
  ec2 describe-spot-instance-requests \
    --filters "Name=tag:Name,Values=$nodes_stack/*" "Name=state,Values=open,active,disabled" \
    --query 'SpotInstanceRequests[].[SpotInstanceRequestId, State, InstanceId]' --output text
}

# Of those, the ones whose instance is none of the lab's (no instance, a terminated one, or one
# launched outside the stacks), as ID STATE INSTANCE INSTANCE-STATE lines.
stray_requests() {
  local id state instance instance_state
  while read -r id state instance; do
    [ -n "$id" ] || continue
    if [ "$instance" != "None" ] && awk -F '\t' -v i="$instance" '$1 == i { found = 1 } END { exit !found }' <<<"$all"; then continue; fi
    instance_state=-
    if [ "$instance" != "None" ]; then
      instance_state=$(ec2 describe-instances --instance-ids "$instance" --query 'Reservations[0].Instances[0].State.Name' --output text 2>/dev/null) || instance_state=gone
    fi
    printf '%s\t%s\t%s\t%s\n' "$id" "$state" "$instance" "$instance_state"
  done < <(spot_requests)
}

# The lab's S3 buckets (the Security stack's etcd snapshot bucket), one name a line: found by the
# environment tag, so also once the stack is gone. The tagging API may still list a bucket for a
# while after S3 deleted it: only a bucket that S3 still has counts.
buckets() {
  local bucket
  aws resourcegroupstaggingapi get-resources --region "$region" --resource-type-filters s3 \
    --tag-filters "Key=$tag_environment,Values=$env" --query 'ResourceTagMappingList[].ResourceARN' --output text |
    tr '\t' '\n' | sed -n 's/^arn:[^:]*:s3:::\(..*\)$/\1/p' |
    while read -r bucket; do
      if aws s3api head-bucket --region "$region" --bucket "$bucket" >/dev/null 2>&1; then echo "$bucket"; fi
    done
}

# The lab's parameters share one folder: that of the kubeconfig's (/k8slab/ENV/).
parameter_prefix="${kubeconfig_parameter%/*}/"

# What of the environment remains, one line each: stacks not deleted, then the lab's resources.
remaining() {
  local stack out
  for stack in "$network_stack" "$security_stack" "$bastion_stack" "$nodes_stack"; do
    if out=$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text 2>&1); then
      [ "$out" = DELETE_COMPLETE ] || echo "stack $stack ($out)"
    elif ! grep -q "does not exist" <<<"$out"; then
      echo "stack $stack: could not be checked: $(tail -n 1 <<<"$out")"
    fi
  done
  instances | awk -F '\t' '{ print "instance " $1 " (" $4 ", " $2 ")" }'
  ec2 describe-nat-gateways --filter "Name=tag:$tag_environment,Values=$env" "Name=state,Values=pending,available,deleting" \
    --query 'NatGateways[].[NatGatewayId, State]' --output text | awk -F '\t' 'NF { print "NAT gateway " $1 " (" $2 ")" }'
  ec2 describe-volumes --filters "Name=tag:$tag_environment,Values=$env" \
    --query 'Volumes[].[VolumeId, Size, State]' --output text | awk -F '\t' 'NF { print "volume " $1 " (" $2 " GiB, " $3 ")" }'
  ec2 describe-addresses --filters "Name=tag:$tag_environment,Values=$env" \
    --query 'Addresses[].[PublicIp, AllocationId]' --output text | awk -F '\t' 'NF { print "address " $1 " (" $2 ")" }'
  spot_requests | awk -F '\t' 'NF { print "spot request " $1 " (" $2 ")" }'
  aws ssm describe-parameters --region "$region" --parameter-filters "Key=Name,Option=BeginsWith,Values=$parameter_prefix" \
    --query 'Parameters[].[Name]' --output text | awk 'NF { print "parameter " $1 }'
  buckets | awk 'NF { print "bucket " $1 " (etcd snapshots: the cluster'"'"'s secrets; aws s3 rb s3://" $1 " --force)" }'
}

all=$(instances)
if [ -z "$all" ] && [ "$command" != destroy ]; then
  echo "lab: no instances of environment $env in $region (deployed? credentials for the right account?)" >&2
  if [ "$command" = status ] && [ -n "$(spot_requests)" ]; then
    echo "lab: but spot requests of $env are open and may launch instances: scripts/lab.sh destroy $env cancels them" >&2
  fi
  exit 1
fi
cdk_out=${CDK_OUT:-$root/cdk.out}

case "$command" in
  status)
    declare -A want=() want_type=()
    while IFS=$'\t' read -r name fingerprint type; do [ -n "$name" ] && want[$name]=$fingerprint && want_type[$name]=$type; done < <(wanted)
    ready=""
    cluster=yes
    if ready=$(ready_nodes); then :; else cluster=no; fi
    echo "K8sLab $env ($region):"
    printf '%-12s %-14s %-20s %-9s %-13s %-13s %-13s %s\n' node role instance state type launched wanted cluster
    changed=0
    retyped=()
    restarted=()
    while IFS=$'\t' read -r id state role name fingerprint type; do
      launched=${fingerprint:0:12}
      if [ -n "${want[$name]:-}" ]; then
        wants=${want[$name]:0:12}
        [ "${want[$name]}" = "$fingerprint" ] || { wants="$wants*"; changed=$((changed + 1)); }
      else
        wants="?"
      fi
      # A node's type is part of its logical ID (Infra/Instances/BootstrappedInstance.cs): a new one replaces
      # it, surge-first. The bastion's and the NAT instance's change in place: a stop and start.
      if [ -n "${want_type[$name]:-}" ] && [ "${want_type[$name]}" != "$type" ]; then
        if [ "$role" = "$role_control_plane" ] || [ "$role" = "$role_worker" ]; then
          retyped+=("$name: $type → ${want_type[$name]}")
          [ "${wants: -1}" = "*" ] || changed=$((changed + 1))
        else
          restarted+=("$name: $type → ${want_type[$name]}")
        fi
        type="$type*"
      fi
      if [ "$role" != "$role_control_plane" ] && [ "$role" != "$role_worker" ]; then node_state="-"
      elif [ "$cluster" = no ]; then node_state="?"
      elif grep -qx -- "$name" <<<"$ready"; then node_state=Ready
      else node_state=NotReady
      fi
      printf '%-12s %-14s %-20s %-9s %-13s %-13s %-13s %s\n' "$name" "$role" "$id" "$state" "$type" "$launched" "$wants" "$node_state"
    done <<<"$all"
    if [ "${#want[@]}" -eq 0 ]; then
      echo "wanted: no templates of $env in $cdk_out: run npx cdk synth --quiet -c env=$env"
    elif [ "$changed" -gt 0 ]; then
      echo "*: $changed instance(s) will be replaced by the next deploy (npx cdk deploy --all -c env=$env): another bootstrap or instance type than the templates want"
      [ "${#retyped[@]}" -eq 0 ] || printf '  %s\n' "${retyped[@]}"
    fi
    [ "${#restarted[@]}" -eq 0 ] || printf '*: %s (the next deploy stops and starts it with the new type)\n' "${restarted[@]}"
    [ "$cluster" = yes ] || echo "cluster: the bastion's kubectl could not be asked through SSM (bastion stopped, agent not online, or no kubeconfig yet)"
    # The file's nodes without a live instance: CloudFormation never launches one again by itself.
    gone=$(ec2 describe-instances \
      --filters "Name=tag:$tag_environment,Values=$env" "Name=instance-state-name,Values=shutting-down,terminated" \
      --query "Reservations[].Instances[].[InstanceId, State.Name, $(tag "$tag_node")]" --output text)
    missing=()
    for name in "$bastion_node" "${control_plane_nodes[@]}" "${worker_nodes[@]}"; do
      awk -F '\t' -v n="$name" '$4 == n { found = 1 } END { exit !found }' <<<"$all" && continue
      missing+=("$name")
      dead=$(awk -F '\t' -v n="$name" '$3 == n { print $1 " (" $2 ")"; exit }' <<<"$gone")
      printf '%-12s %-14s %-20s %s\n' "$name" "-" "${dead:-no instance}" "missing"
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      echo "missing: ${#missing[*]} node(s) of environments/$env.yaml have no instance: ${missing[*]}; CloudFormation does not launch them again by itself:"
      for name in "${missing[@]}"; do
        if [ "$name" = "$bastion_node" ]; then echo "  $name: the Bastion stack does not launch it again while unchanged: see docs/operations.md (Recovery)"
        elif printf '%s\n' "${control_plane_nodes[@]}" | grep -qx -- "$name"; then echo "  $name: controlPlane.generations.$name: a new number in environments/$env.yaml, then npx cdk deploy --all -c env=$env"
        else echo "  $name: workers.generations.$name: a new number in environments/$env.yaml, then npx cdk deploy --all -c env=$env"
        fi
      done
    fi
    stray=$(stray_requests)
    if [ -n "$stray" ]; then
      echo "spot: $(wc -l <<<"$stray") request(s) of $env can launch instances that are not the lab's (a replaced or destroyed spot node's request stays open):"
      awk -F '\t' '{ printf "  %-22s %-9s %s\n", $1, $2, ($3 == "None" ? "no instance yet" : $3 " (" $4 ", not one of the lab'"'"'s instances)") }' <<<"$stray"
      echo "  cancel: aws ec2 cancel-spot-instance-requests --region $region --spot-instance-request-ids $(cut -f1 <<<"$stray" | tr '\n' ' ')(then terminate what they launched)"
    fi
    ;;

  pause)
    # Workers first, so nothing is rescheduled onto a node about to stop; the NAT instance last.
    in_order stop stopped "$role_worker" "$role_control_plane" "$role_bastion" nat
    echo "paused: every instance of $env is stopped; scripts/lab.sh resume $env starts them again"
    paused_cost
    ;;

  resume)
    # The NAT instance first (the nodes' way out), the bastion, then the control plane before the workers.
    in_order start running nat "$role_bastion" "$role_control_plane" "$role_worker"
    mapfile -t nodes < <(awk -F '\t' -v cp="$role_control_plane" -v w="$role_worker" '$3 == cp || $3 == w { print $4 }' <<<"$all")
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

  destroy)
    mapfile -t requests < <(spot_requests | cut -f1 | grep . || true)
    mapfile -t leftovers < <(stray_requests | awk -F '\t' '$3 != "None" && $4 != "terminated" && $4 != "shutting-down" && $4 != "gone" { print $3 }')
    if [ "${#leftovers[@]}" -gt 0 ] && [ "$terminate" = no ]; then
      echo "lab: the spot requests of $env launched instance(s) outside the stacks: ${leftovers[*]}" >&2
      echo "lab: they sit in the lab's subnets and would stop the destroy; scripts/lab.sh destroy $env --terminate terminates them first (nothing was changed)" >&2
      exit 1
    fi
    mapfile -t snapshot_buckets < <(buckets)
    echo "destroy: the stacks of $env in $region (npx cdk destroy --all -c env=$env), after cancelling ${#requests[@]} spot request(s)${leftovers[*]:+ and terminating ${leftovers[*]}}${snapshot_buckets[*]:+ and emptying bucket ${snapshot_buckets[*]} (the etcd snapshots)}"
    if [ "$yes" = no ]; then
      answer=""
      read -r -p "type the environment's name to go on: " answer || true
      if [ "$answer" != "$env" ]; then
        echo "lab: not destroyed (answer with the environment's name, or pass --yes)" >&2
        exit 1
      fi
    fi
    if [ "${#requests[@]}" -gt 0 ]; then
      ec2 cancel-spot-instance-requests --spot-instance-request-ids "${requests[@]}" >/dev/null
      echo "cancelled spot request(s): ${requests[*]}"
    fi
    if [ "${#leftovers[@]}" -gt 0 ]; then
      ec2 terminate-instances --instance-ids "${leftovers[@]}" >/dev/null
      wait_for terminated "${leftovers[@]}"
      echo "terminated instance(s) the spot requests had launched outside the stacks: ${leftovers[*]}"
    fi
    # CloudFormation deletes a bucket only when it is empty (the lab has no Lambda function to empty it).
    for bucket in "${snapshot_buckets[@]}"; do
      aws s3 rm "s3://$bucket" --recursive --quiet --region "$region"
      echo "emptied bucket $bucket (the etcd snapshots)"
    done
    (cd "$root" && npx cdk destroy --all --force -c "env=$env")
    # The bastion wrote it, not CloudFormation (which cannot make a SecureString): it goes here.
    if aws ssm delete-parameter --region "$region" --name "$kubeconfig_parameter" 2>/dev/null; then
      echo "deleted $kubeconfig_parameter (the cluster's admin credentials)"
    fi
    remains=$(remaining)
    if [ -n "$remains" ]; then
      echo "lab: $env is not gone: these remain in $region (and what runs or is allocated is billed):" >&2
      awk '{ print "  " $0 }' <<<"$remains" >&2
      exit 1
    fi
    echo "destroyed: $env (checked in $region: no stack, instance, NAT gateway, volume, address, spot request, $parameter_prefix parameter or bucket of it remains)"
    echo "kept on purpose: what npx cdk deploy uploaded (the bastion's program) stays in the CDK bootstrap bucket (cdk bootstrap's, shared by every CDK app of the account and region)"
    ;;
esac
