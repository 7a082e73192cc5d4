#!/bin/bash
# Names the node after its k8slab:node tag, read from instance metadata (IMDSv2), so that one
# user-data document serves every node of a role and host names match the inventory.
set -euo pipefail
imds=http://169.254.169.254/latest
# Tags can take a moment to appear in the metadata after launch: retry rather than boot unnamed.
token=$(curl -fsS --retry 10 --retry-all-errors -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
name=$(curl -fsS --retry 30 --retry-delay 2 --retry-all-errors -H "X-aws-ec2-metadata-token: $token" "$imds/meta-data/tags/instance/@NODE_TAG@")
hostnamectl set-hostname "$name"
grep -q "[[:space:]]$name\$" /etc/hosts || echo "127.0.1.1 $name" >> /etc/hosts
