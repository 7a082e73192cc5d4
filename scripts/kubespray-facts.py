#!/usr/bin/env python3
"""Writes what the lab needs to know of a kubespray release, as data (converge/contract/kubespray.txt):
the Kubernetes versions it installs per architecture, its default and minimum version, and the names
of the default variables the lab may set in group_vars. Facts only: no kubespray code or text is copied.

    python3 scripts/kubespray-facts.py KUBESPRAY_GIT_DIR TAG > converge/contract/kubespray.txt

KUBESPRAY_GIT_DIR is a clone (or bare mirror) of https://github.com/kubernetes-sigs/kubespray.
A version is listed for an architecture when the release pins checksums of kubelet, kubeadm and
kubectl for it (roles/kubespray_defaults/vars/main/checksums.yml): kubespray refuses anything else.
"""
import json
import re
import subprocess
import sys

import yaml

REPOSITORY = "https://github.com/kubernetes-sigs/kubespray"
CHECKSUMS = "roles/kubespray_defaults/vars/main/checksums.yml"
DEFAULTS = "roles/kubespray_defaults/defaults/main/main.yml"
ANSIBLE_VERSION = "playbooks/ansible_version.yml"
BINARIES = ("kubelet", "kubeadm", "kubectl")
# The lab's architectures (machineImage.architecture x86_64 and arm64), by Kubernetes' names.
ARCHITECTURES = ("amd64", "arm64")
# Where the variables the lab writes are defined: the cluster-wide defaults and each network plugin's.
VARIABLE_FILES = (
    DEFAULTS,
    "roles/network_plugin/calico_defaults/defaults/main.yml",
    "roles/network_plugin/cilium/defaults/main.yml",
    "roles/network_plugin/flannel/defaults/main.yml",
)
# kube_version and kube_version_min_required are expressions over the kubelet checksums: the first
# (newest) and the last (oldest) amd64 key. Anything else is refused rather than guessed.
KEY_EXPRESSION = re.compile(r"^\{\{\s*\(kubelet_checksums\['amd64'\]\s*\|\s*dict2items\)\[(0|-1)\]\.key\s*\}\}$")


def show(git_dir, tag, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def git_lines(git_dir, tag, folder):
    """The file names directly in folder at tag ("." for the root), with the folder as prefix."""
    args = ["git", "--git-dir", git_dir, "ls-tree", "--name-only", tag] + ([] if folder == "." else [folder])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()


def is_playbook(text):
    """A list of plays (each with hosts or an import_playbook), not a config or CI file."""
    plays = yaml.safe_load(text)
    return isinstance(plays, list) and bool(plays) and all(
        isinstance(p, dict) and ("hosts" in p or "import_playbook" in p or "ansible.builtin.import_playbook" in p) for p in plays)


def evaluate(name, value, kubelet_amd64):
    text = str(value)
    if re.fullmatch(r"\d+\.\d+\.\d+", text):
        return text
    match = KEY_EXPRESSION.match(text)
    if not match:
        sys.exit(f"kubespray-facts: cannot evaluate {name}: {text!r} (expected a version or the first/last kubelet amd64 key)")
    return kubelet_amd64[int(match.group(1))]


def literal(value):
    """A default that is a plain value (not a template, list or mapping), as JSON after a space; else nothing."""
    if isinstance(value, (bool, int)) or (isinstance(value, str) and "{{" not in value and "{%" not in value and "\n" not in value):
        return " " + json.dumps(value)
    return ""


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: scripts/kubespray-facts.py KUBESPRAY_GIT_DIR TAG > converge/contract/kubespray.txt")
    git_dir, tag = sys.argv[1], sys.argv[2]
    commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", f"{tag}^{{commit}}"],
                            check=True, capture_output=True, text=True).stdout.strip()

    checksums = yaml.safe_load(show(git_dir, tag, CHECKSUMS))
    per_binary = {b: checksums[f"{b}_checksums"] for b in BINARIES}
    kubelet_amd64 = [str(v) for v in per_binary["kubelet"]["amd64"]]
    defaults = yaml.safe_load(show(git_dir, tag, DEFAULTS))
    default = evaluate("kube_version", defaults["kube_version"], kubelet_amd64)
    minimum = evaluate("kube_version_min_required", defaults["kube_version_min_required"], kubelet_amd64)

    # The ansible-core range the release asserts before anything runs.
    ansible_check = yaml.safe_load(show(git_dir, tag, ANSIBLE_VERSION))[0]["vars"]
    ansible_range = (ansible_check["minimal_ansible_version"], ansible_check["maximal_ansible_version"])
    # The playbooks a run may name: the root's and playbooks/ (what ansible-playbook finds at the tag).
    playbooks = sorted(p for p in git_lines(git_dir, tag, ".") + git_lines(git_dir, tag, "playbooks/")
                       if p.endswith(".yml") and is_playbook(show(git_dir, tag, p)))

    versions = {}
    for arch in ARCHITECTURES:
        common = set.intersection(*(set(str(v) for v in per_binary[b].get(arch, {})) for b in BINARIES))
        for version in common:
            versions.setdefault(version, []).append(arch)

    def key(version):
        return tuple(int(p) for p in version.split("."))

    out = [
        f"# kubespray {tag}: the Kubernetes versions it installs, its default, and the default variable names the lab sets.",
        "# Generated; do not edit. Regenerate from a kubespray clone with:",
        f"#   python3 scripts/kubespray-facts.py KUBESPRAY_GIT_DIR {tag} > converge/contract/kubespray.txt",
        f"# Source: {REPOSITORY} at {tag} (commit {commit}):",
        f"#   version:  {CHECKSUMS}: a version with checksums of {', '.join(BINARIES)} for the architecture",
        f"#   default, minimum: {DEFAULTS}: kube_version, kube_version_min_required",
        "#   variable: the top-level keys of " + ", ".join(VARIABLE_FILES),
        f"#   kubectl:  {CHECKSUMS}: kubectl_checksums, per version and architecture",
        f"#   ansible:  {ANSIBLE_VERSION}: minimal_ansible_version (included), maximal_ansible_version (excluded)",
        "#   playbook: the playbooks (a list of plays) at the root and in playbooks/",
        "#",
        "# Lines: release TAG COMMIT | default VERSION | minimum VERSION | version VERSION ARCH... |",
        "#        variable NAME FILE [DEFAULT]   (DEFAULT as JSON, where the default is a plain value rather than a template) |",
        "#        kubectl VERSION ARCH SHA256 | ansible MIN MAX | playbook PATH",
        "",
        f"release {tag} {commit}",
        f"default {default}",
        f"minimum {minimum}",
        f"ansible {ansible_range[0]} {ansible_range[1]}",
    ]
    out += [f"version {v} {' '.join(versions[v])}" for v in sorted(versions, key=key, reverse=True)]
    for path in VARIABLE_FILES:
        names = yaml.safe_load(show(git_dir, tag, path)) or {}
        out += [f"variable {name} {path}{literal(value)}" for name, value in names.items()]
    kubectl = per_binary["kubectl"]
    out += [f"kubectl {v} {arch} {str(kubectl[arch][v]).removeprefix('sha256:')}"
            for v in sorted(versions, key=key, reverse=True) for arch in versions[v]]
    out += [f"playbook {p}" for p in playbooks]
    print("\n".join(out))


if __name__ == "__main__":
    main()
