#!/bin/bash
# Installs the pinned control-host tools on the bastion: kubespray, ansible-core (in a venv, from
# kubespray's own requirements.txt), kubectl (checksum verified) and the AWS CLI.
# Idempotent: a step whose result is already in place is skipped.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/k8slab/control-host.env

log() { echo "k8slab-setup: $*"; }

if [ ! -d "$KUBESPRAY_DIR/.git" ]; then
  log "kubespray $KUBESPRAY_VERSION"
  git clone --quiet --depth 1 --branch "$KUBESPRAY_VERSION" https://github.com/kubernetes-sigs/kubespray.git "$KUBESPRAY_DIR"
fi

if [ ! -x "$ANSIBLE_VENV/bin/ansible-playbook" ]; then
  log "ansible from kubespray's requirements.txt"
  python3 -m venv "$ANSIBLE_VENV"
  "$ANSIBLE_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$KUBESPRAY_DIR/requirements.txt"
fi
core=$("$ANSIBLE_VENV/bin/python" -c 'import ansible; print(ansible.__version__)')
case "$core" in
  "$ANSIBLE_CORE_SERIES".*) log "ansible-core $core" ;;
  *) log "ansible-core $core is not the $ANSIBLE_CORE_SERIES series kubespray $KUBESPRAY_VERSION needs"; exit 1 ;;
esac

if [ ! -x /usr/local/bin/kubectl ]; then
  log "kubectl $KUBECTL_VERSION ($KUBECTL_ARCH)"
  tmp=$(mktemp -d)
  curl -fsSLo "$tmp/kubectl" "https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/$KUBECTL_ARCH/kubectl"
  # The checksum kubespray pins for this version and architecture, carried in the user data.
  echo "$KUBECTL_SHA256  $tmp/kubectl" | sha256sum --check --quiet
  install -m 0755 "$tmp/kubectl" /usr/local/bin/kubectl
  rm -rf "$tmp"
fi

if [ ! -x /usr/local/bin/aws ]; then
  log "awscli $AWSCLI_VERSION"
  python3 -m venv "$AWSCLI_VENV"
  "$AWSCLI_VENV/bin/pip" install --quiet --disable-pip-version-check "awscli==$AWSCLI_VERSION"
  ln -sf "$AWSCLI_VENV/bin/aws" /usr/local/bin/aws
fi

# ansible-playbook and friends on every login shell's PATH.
echo "export PATH=\"$ANSIBLE_VENV/bin:\$PATH\"" > /etc/profile.d/k8slab.sh
log "control host ready"
