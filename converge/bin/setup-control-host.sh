#!/bin/bash
# Makes the bastion the cluster's control host, once the user data's installer has unpacked the
# program into LIBRARY_DIR: the pinned kubespray, ansible-core (in a venv, from kubespray's own
# requirements.txt), kubectl (checksum verified), the program's own Python packages, the cluster
# key, and the systemd timers that run the convergence and the etcd snapshots.
# Idempotent: a step whose result is already in place is skipped.
set -euo pipefail
# shellcheck source=/dev/null
. "${K8SLAB_ENV:-/etc/k8slab/control-host.env}"

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

ln -sf "$AWSCLI_VENV/bin/aws" /usr/local/bin/aws

# The program runs on the AWS CLI's Python (botocore); what else it imports, pinned.
log "the program's Python packages"
"$AWSCLI_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$LIBRARY_DIR/requirements.txt"

# ansible-playbook and friends on every login shell's PATH.
echo "export PATH=\"$ANSIBLE_VENV/bin:\$PATH\"" > /etc/profile.d/k8slab.sh

"$LIBRARY_DIR/bin/fetch-cluster-key.sh"
install -d -o "$ADMIN_USER" -g "$ADMIN_USER" "$STATE_DIR" "$LOG_DIR"

# The units name the admin user and the paths of this control host.
for unit in k8slab-converge.service k8slab-converge.timer k8slab-snapshot.service k8slab-snapshot.timer; do
  sed -e "s|@ADMIN_USER@|$ADMIN_USER|g" -e "s|@LIBRARY_DIR@|$LIBRARY_DIR|g" -e "s|@AWSCLI_VENV@|$AWSCLI_VENV|g" \
    "$LIBRARY_DIR/systemd/$unit" > "/etc/systemd/system/$unit"
done
systemctl daemon-reload
systemctl enable --now k8slab-converge.timer k8slab-snapshot.timer
log "control host ready"
