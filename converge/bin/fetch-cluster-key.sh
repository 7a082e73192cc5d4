#!/bin/bash
# Puts the cluster's private SSH key on the bastion, for ansible to reach the nodes.
# The key never travels in user data: the key pair is found by its environment tag and its private
# half is read from the SSM parameter EC2 keeps it in, with the bastion's own role.
set -euo pipefail
# shellcheck source=/dev/null
. "${K8SLAB_ENV:-/etc/k8slab/control-host.env}"
# The AWS CLI's own retries (throttling, transient errors), from the control host's settings.
export AWS_RETRY_MODE AWS_MAX_ATTEMPTS

# At first boot the instance profile's credentials and the key's tags can lag behind: retry.
attempts=${KEY_ATTEMPTS:-10}
for attempt in $(seq 1 "$attempts"); do
  key_id=$(aws ec2 describe-key-pairs --region "$AWS_REGION" \
    --filters "Name=tag:$ENVIRONMENT_TAG,Values=$LAB_ENVIRONMENT" \
    --query 'KeyPairs[0].KeyPairId' --output text) || key_id=""
  if [ -n "$key_id" ] && [ "$key_id" != "None" ]; then break; fi
  if [ "$attempt" -eq "$attempts" ]; then
    echo "k8slab-key: no key pair tagged $ENVIRONMENT_TAG=$LAB_ENVIRONMENT after $attempts attempts" >&2
    exit 1
  fi
  sleep "${KEY_PAUSE:-6}"
done

home=$(getent passwd "$ADMIN_USER" | cut -d: -f6)
install -d -m 0700 -o "$ADMIN_USER" -g "$ADMIN_USER" "$home/.ssh"
umask 077
for attempt in $(seq 1 "$attempts"); do
  aws ssm get-parameter --region "$AWS_REGION" --name "/ec2/keypair/$key_id" --with-decryption \
    --query Parameter.Value --output text > "$home/.ssh/cluster_key" && break
  if [ "$attempt" -eq "$attempts" ]; then
    echo "k8slab-key: could not read /ec2/keypair/$key_id after $attempts attempts" >&2
    exit 1
  fi
  sleep "${KEY_PAUSE:-6}"
done
# Only for the private ranges a lab VPC lives in. Replaced nodes come with new host keys, sometimes
# on an address an old node had: remembering them would turn replacements into "host key changed".
cat > "$home/.ssh/config" <<CONFIG
Host 10.* 172.* 192.168.*
  User $ADMIN_USER
  IdentityFile ~/.ssh/cluster_key
  StrictHostKeyChecking accept-new
  UserKnownHostsFile /dev/null
CONFIG
chown "$ADMIN_USER:$ADMIN_USER" "$home/.ssh/cluster_key" "$home/.ssh/config"
echo "k8slab-key: cluster key $key_id installed for $ADMIN_USER"
