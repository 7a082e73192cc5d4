#!/usr/bin/env python3
"""Writes what the lab needs to know of a kubespray release, as data (converge/contract/kubespray.txt):
the Kubernetes versions it installs per architecture, its default and minimum version, and the names
of the default variables the lab may set in group_vars. Facts only: no kubespray code or text is copied.

    python3 scripts/kubespray-facts.py KUBESPRAY_GIT_DIR TAG > converge/contract/kubespray.txt

KUBESPRAY_GIT_DIR is a clone (or bare mirror) of https://github.com/kubernetes-sigs/kubespray.
A version is listed for an architecture when the release pins checksums of kubelet, kubeadm and
kubectl for it (roles/kubespray_defaults/vars/main/checksums.yml): kubespray refuses anything else.

For the playbooks the lab runs (converge/k8slab_converge/runs.py), it records each extra variable (-e NAME=VALUE) the lab
passes where the release takes it: a variable the playbook, or a playbook it imports, defines (vars,
vars_prompt) or reads (a condition, an assert, a template), or that a role its plays run has in its
defaults. A variable found nowhere is not recorded, only noted in a comment: the tests' stand-in for
ansible-playbook refuses an extra variable the table does not give the playbook.
"""
import importlib.util
import json
import os
import posixpath
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
# The kubespray playbooks the lab's program runs, with the extra variables it passes to each: its
# own table (converge/k8slab_converge/runs.py), loaded alone. A variable the program starts to pass
# is added there (then regenerate the table): the tests' stand-in refuses one the table lacks.
def lab_runs():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "converge", "k8slab_converge", "runs.py")
    spec = importlib.util.spec_from_file_location("runs", path)
    runs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runs)
    return runs.EXTRA


LAB_RUNS = lab_runs()
# Keys whose values ansible evaluates as raw expressions (no {{ }}), in plays, roles entries and tasks.
EXPRESSION_KEYS = ("when", "that", "failed_when", "changed_when", "until")
JINJA = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
# kube_version and kube_version_min_required are expressions over the kubelet checksums: the first
# (newest) and the last (oldest) amd64 key. Anything else is refused rather than guessed.
KEY_EXPRESSION = re.compile(r"^\{\{\s*\(kubelet_checksums\['amd64'\]\s*\|\s*dict2items\)\[(0|-1)\]\.key\s*\}\}$")


def show(git_dir, tag, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:{path}"],
                          check=True, capture_output=True, text=True).stdout


def show_if_any(git_dir, tag, path):
    """The file's text at tag, or None where the tag has no such file."""
    proc = subprocess.run(["git", "--git-dir", git_dir, "show", f"{tag}:{path}"], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def git_files(git_dir, tag, folder):
    """Every file under folder at tag, recursively."""
    return subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "--name-only", tag, folder],
                          check=True, capture_output=True, text=True).stdout.split()


def git_lines(git_dir, tag, folder):
    """The file names directly in folder at tag ("." for the root), with the folder as prefix."""
    args = ["git", "--git-dir", git_dir, "ls-tree", "--name-only", tag] + ([] if folder == "." else [folder])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()


def is_playbook(text):
    """A list of plays (each with hosts or an import_playbook), not a config or CI file."""
    plays = yaml.safe_load(text)
    return isinstance(plays, list) and bool(plays) and all(
        isinstance(p, dict) and ("hosts" in p or "import_playbook" in p or "ansible.builtin.import_playbook" in p) for p in plays)


def names_in(expression):
    """The variable names a Jinja expression reads: identifiers outside quotes, not an attribute
    (after a dot) nor a filter (after a bar)."""
    text = QUOTED.sub(" ", expression)
    return {m.group(0) for m in re.finditer(r"[A-Za-z_]\w*", text) if not text[:m.start()].rstrip().endswith((".", "|"))}


def reads(node, expression=False):
    """The variable names a play reads anywhere in it: its conditions and asserts, its templates."""
    if isinstance(node, dict):
        return set().union(*(reads(v, k in EXPRESSION_KEYS) for k, v in node.items()), set())
    if isinstance(node, list):
        return set().union(*(reads(v, expression) for v in node), set())
    if isinstance(node, str):
        found = names_in(node) if expression else set()
        for match in JINJA.finditer(node):
            found |= names_in(match.group(1) or match.group(2))
        return found
    return set()


def role_name(entry):
    """A roles: entry or an import_role/include_role's name: - name, - {role: name, ...}."""
    return entry if isinstance(entry, str) else entry.get("role") or entry.get("name")


def playbook_closure(git_dir, tag, path):
    """The files of a playbook and of those it imports (import_playbook, relative to the importing
    file), in the order ansible reads them, each with what it defines and reads; and the roles its
    plays run (roles:, import_role, include_role), in order."""
    files, roles = [], []

    def visit(book):
        if book in (f for f, _ in files):
            return
        plays = yaml.safe_load(show(git_dir, tag, book)) or []
        known = set()
        files.append((book, known))
        for play in plays:
            target = play.get("import_playbook") or play.get("ansible.builtin.import_playbook")
            known |= set(play.get("vars") or {}) | {p["name"] for p in play.get("vars_prompt") or []} | reads(play)
            roles.extend(role_name(r) for r in play.get("roles") or [])
            for section in ("pre_tasks", "tasks", "post_tasks"):
                for task in play.get(section) or []:
                    for key in ("import_role", "include_role", "ansible.builtin.import_role", "ansible.builtin.include_role"):
                        if isinstance(task.get(key), dict):
                            roles.append(task[key]["name"])
            if target:
                visit(posixpath.normpath(posixpath.join(posixpath.dirname(book), target)))

    visit(path)
    return files, roles


def role_defaults(git_dir, tag, roles):
    """(file, names) of the defaults of each role and of the roles it depends on (meta/main.yml), in order."""
    seen, out = set(), []

    def visit(role):
        if role in seen or "{{" in role:
            return
        seen.add(role)
        for path in git_files(git_dir, tag, f"roles/{role}/defaults/"):
            if path.endswith((".yml", ".yaml")):
                out.append((path, set(yaml.safe_load(show(git_dir, tag, path)) or {})))
        meta = show_if_any(git_dir, tag, f"roles/{role}/meta/main.yml")
        for dependency in ((yaml.safe_load(meta) or {}).get("dependencies") or []) if meta else []:
            visit(role_name(dependency))

    for role in roles:
        visit(role)
    return out


def extra_variables(git_dir, tag, playbooks):
    """Per playbook the lab runs: (variable, the first file that defines or reads it) for each variable
    the lab passes that the release takes, and a comment for each it does not."""
    lines, notes = [], []
    for book, wanted in LAB_RUNS.items():
        if book not in playbooks:
            notes.append(f"# {book}: the lab runs it, but {tag} has no such playbook")
            continue
        files, roles = playbook_closure(git_dir, tag, book)
        sources = files + (role_defaults(git_dir, tag, roles) if wanted else [])
        for name in wanted:
            where = next((path for path, names in sources if name in names), None)
            if where is None:
                notes.append(f"# {book}: the lab passes {name}, which {tag} neither defines nor reads (not recorded)")
            else:
                lines.append(f"extra {book} {name} {where}")
    return lines, notes


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
        "#   extra:    of each playbook the lab runs, each extra variable the lab passes that the playbook takes: the first",
        "#             file (in the order ansible reads them) of the playbook and those it imports that defines it (vars,",
        "#             vars_prompt) or reads it (a condition, an assert, a template), else of the defaults of the roles it runs",
        "#",
        "# Lines: release TAG COMMIT | default VERSION | minimum VERSION | version VERSION ARCH... |",
        "#        variable NAME FILE [DEFAULT]   (DEFAULT as JSON, where the default is a plain value rather than a template) |",
        "#        kubectl VERSION ARCH SHA256 | ansible MIN MAX | playbook PATH | extra PLAYBOOK NAME FILE",
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
    extras, notes = extra_variables(git_dir, tag, playbooks)
    out += extras + notes
    for note in notes:
        print(f"kubespray-facts: {note[2:]}", file=sys.stderr)
    print("\n".join(out))


if __name__ == "__main__":
    main()
