#!/bin/bash
# Installs the convergence program, which the deploy uploads as a CDK asset (the bastion's user data
# only says where it is and what its SHA-256 is: a new program is a new user data, so a new
# bastion). The AWS CLI comes first, since it reads the object with the bastion's role; the archive
# is checked against the hash before anything of it runs; then the program's own setup takes over.
set -euo pipefail
# shellcheck source=/dev/null
. "${K8SLAB_ENV:-/etc/k8slab/control-host.env}"
export AWS_RETRY_MODE AWS_MAX_ATTEMPTS

log() { echo "k8slab-install: $*"; }

if [ ! -x "$AWSCLI_VENV/bin/aws" ]; then
  log "awscli $AWSCLI_VERSION"
  python3 -m venv "$AWSCLI_VENV"
  "$AWSCLI_VENV/bin/pip" install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION"
fi

# The asset bucket's name, as CDK's synthesizer names it, with this account filled in.
imds=${IMDS_URL:-http://169.254.169.254/latest}
token=$(curl -fsS --retry 10 --retry-all-errors -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60")
account=$(curl -fsS --retry 10 --retry-all-errors -H "X-aws-ec2-metadata-token: $token" "$imds/dynamic/instance-identity/document" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["accountId"])')
bucket=${PROGRAM_BUCKET//\{account\}/$account}

tmp=$(mktemp -d)
# The role's permission to read the object can take a few seconds to apply after launch.
attempts=${PROGRAM_ATTEMPTS:-30}
for attempt in $(seq 1 "$attempts"); do
  "$AWSCLI_VENV/bin/aws" s3 cp --only-show-errors --region "$AWS_REGION" "s3://$bucket/$PROGRAM_KEY" "$tmp/program.tar" && break
  if [ "$attempt" -eq "$attempts" ]; then
    log "could not read s3://$bucket/$PROGRAM_KEY after $attempts attempts"
    exit 1
  fi
  sleep "${PROGRAM_PAUSE:-10}"
done
echo "$PROGRAM_SHA256  $tmp/program.tar" | sha256sum --check --quiet
log "program $PROGRAM_SHA256 verified"
rm -rf "$LIBRARY_DIR"
install -d "$LIBRARY_DIR"
tar -xf "$tmp/program.tar" -C "$LIBRARY_DIR" --no-same-owner
rm -rf "$tmp"
exec "$LIBRARY_DIR/bin/setup-control-host.sh"
