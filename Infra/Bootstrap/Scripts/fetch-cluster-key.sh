#!/bin/bash
# Puts the cluster's private SSH key on the bastion, for ansible to reach the nodes.
# The key never travels in user data: the key pair is found by its environment tag and its private
# half is read from the SSM parameter EC2 keeps it in, with the bastion's own role.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/k8slab/control-host.env

key_id=$(aws ec2 describe-key-pairs --region "$AWS_REGION" \
  --filters "Name=tag:k8slab:environment,Values=$LAB_ENVIRONMENT" \
  --query 'KeyPairs[0].KeyPairId' --output text)
if [ -z "$key_id" ] || [ "$key_id" = "None" ]; then
  echo "k8slab-key: no key pair tagged k8slab:environment=$LAB_ENVIRONMENT" >&2
  exit 1
fi

home=$(getent passwd "$ADMIN_USER" | cut -d: -f6)
install -d -m 0700 -o "$ADMIN_USER" -g "$ADMIN_USER" "$home/.ssh"
umask 077
aws ssm get-parameter --region "$AWS_REGION" --name "/ec2/keypair/$key_id" --with-decryption \
  --query Parameter.Value --output text > "$home/.ssh/cluster_key"
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
