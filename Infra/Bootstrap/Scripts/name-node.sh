#!/bin/bash
# Names the node after its k8slab:node tag, read from instance metadata (IMDSv2), so that one
# user-data document serves every node of a role and host names match the inventory.
set -euo pipefail
imds=http://169.254.169.254/latest
token=$(curl -fsS -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
name=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/tags/instance/k8slab:node")
hostnamectl set-hostname "$name"
grep -q "[[:space:]]$name\$" /etc/hosts || echo "127.0.1.1 $name" >> /etc/hosts
