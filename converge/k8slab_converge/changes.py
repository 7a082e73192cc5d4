"""What a change of the cluster's settings does, in one place: the bastion's planner applies these rules
to the cluster's record and the new request, the offline preview (Preview/ClusterNotes.cs, through
`python3 -m k8slab_converge.changes`) to the previous request and the new one, so that both say the same.
Standard library only, Python 3.8 and later: the preview runs it on the user's machine.

- A newer Kubernetes patch or the next minor version, or another kubespray, is an upgrade.
- Refused: a downgrade (kubeadm does not downgrade), a major-version change, a skipped minor version
  (Kubernetes' version-skew policy: one minor at a time).
- Another network plugin, pod or service range or node prefix rebuilds the cluster (reset, then
  cluster.yml), and only with kubernetes.allowRebuild: it is refused otherwise. A rebuild makes a new
  cluster: no version rule applies to it.
- Anything else kubespray reads (add-ons, other group variables) re-runs cluster.yml.
A request or record from before the kubernetes: section has no plugin or service range: it means
kubespray's defaults (converge/contract/kubespray.txt).

What a deploy makes the convergence do, as the preview and `lab.sh status` state it (`statements`): from
what happens to each node's instance (replaced, added, removed, unchanged) and the settings' classification,
in the order of the work (the control plane first, then the workers):
- a refused change: `refused: REASON` alone, and the convergence does nothing else;
- a rebuild: `REBUILD: every workload is lost (kubernetes.allowRebuild)`;
- control-plane nodes replaced, added or removed: `rolled: cp-1..3 (etcd members replaced one at a time,
  snapshot first)` (added, removed), one node at a time, after an etcd snapshot to S3;
- `upgraded: ...` (kubespray's upgrade-cluster.yml), then the workers: `drained and removed: worker-3..4`,
  `joined: worker-3..4`, `rolled: worker-1..4 (surge N: successors join before each predecessor drains)`;
- `re-converged: ...` (cluster.yml with other group variables).

Command line: `python3 -m k8slab_converge.changes BEFORE.json AFTER.json`, each a request header's
settings, or no arguments and {"before": ..., "after": ..., "nodes": [{"name", "role", "change"}, ...]}
on standard input (nodes optional); prints the classification as JSON (Change.to_json) with the
statements and whether the convergence would refuse (`statements`, `refused`)."""
import json
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from . import contract
from .model import Cluster, Request

# What only a rebuild changes, by its key in the environment file's kubernetes: section (as Request.network).
NETWORK = ("networkPlugin", "podCidr", "serviceCidr", "nodePrefix")
# The kubespray variable each network key is, for its default.
KUBESPRAY_VARIABLE = {"networkPlugin": "kube_network_plugin", "podCidr": "kube_pods_subnet",
                      "serviceCidr": "kube_service_addresses", "nodePrefix": "kube_network_node_prefix"}

REFUSED, REBUILD, UPGRADE, RECONVERGE, UNCHANGED = "refused", "rebuild", "upgrade", "re-converge", "unchanged"


def default(key: str) -> str:
    """kubespray's default for a network key, as text. Read only when a side lacks the key."""
    return str(contract.kubespray().default(KUBESPRAY_VARIABLE[key]))


def version(text: Optional[str]) -> Optional[Tuple[int, int, int]]:
    """"1.35.4" or a kubelet's "v1.35.4" as (1, 35, 4); None when it names no version."""
    match = re.match(r"v?(\d+)\.(\d+)\.(\d+)", text or "")
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


@dataclass(frozen=True)
class Settings:
    """One side of a change. None where a record does not know (it is then not compared)."""
    kubernetes: Optional[str]
    network: Mapping[str, str]  # every NETWORK key
    addons: Tuple[str, ...] = ()
    allow_rebuild: Optional[bool] = None
    kubespray: Optional[str] = None
    fingerprint: Optional[str] = None  # of kubespray's group variables (model.fingerprint)


def of_request(request: Request) -> Settings:
    return Settings(request.kubernetes, request.network, tuple(request.addons), request.allow_rebuild,
                    request.kubespray, request.fingerprint)


def of_settings(settings: Mapping) -> Settings:
    """A request header's settings (the preview's two sides), kubespray's defaults where it has none."""
    if not isinstance(settings, Mapping) or not isinstance(settings.get("kubernetes"), str):
        raise ValueError("the settings name no Kubernetes version (kubernetes)")
    network = {key: settings[key] if key in settings else default(key) for key in NETWORK}
    # A Request, for its derived group variables and their fingerprint as the bastion computes them.
    given = of_request(Request(
        id="", signal="", nodes=(), kubespray=settings.get("kubespray", ""), kubernetes=settings["kubernetes"],
        network_plugin=network["networkPlugin"], pod_cidr=network["podCidr"], service_cidr=network["serviceCidr"],
        node_prefix=int(network["nodePrefix"]), addons=tuple(sorted(settings.get("addons", []))),
        allow_rebuild=bool(settings.get("allowRebuild", False)), given_group_vars=dict(settings.get("groupVars", {}))))
    # Without group variables (from before them) no fingerprint: its add-ons tell, as a record's of then.
    return given if "groupVars" in settings else replace(given, fingerprint=None)


def recorded_network(request: Request, cluster: Cluster) -> Dict[str, str]:
    """The network the cluster was built with. A record from before the kubernetes: section has none:
    its plugin and service range were kubespray's defaults (nothing could change them), its pod range
    and node prefix came from the request then as now (they were settings already)."""
    older = {"podCidr": request.pod_cidr, "nodePrefix": str(request.node_prefix)}
    return {key: cluster.network[key] if key in cluster.network else older[key] if key in older else default(key)
            for key in NETWORK}


def recorded(cluster: Cluster, request: Request) -> Settings:
    """What the cluster's record says it was converged with (the record keeps no allowRebuild)."""
    return Settings(cluster.kubernetes, recorded_network(request, cluster), tuple(cluster.addons), None,
                    cluster.kubespray, cluster.fingerprint)


@dataclass(frozen=True)
class Refusal:
    rule: str  # downgrade, major, skipped-minor, rebuild-not-allowed
    reason: str  # the one wording: the preview's warning, the bastion's FAILURE


@dataclass
class Change:
    changes: List[str] = field(default_factory=list)  # "version 1.34.7 → 1.35.4", "addons +helm", ...
    upgrade: bool = False  # kubespray's upgrade-cluster.yml runs
    rebuild: List[Tuple[str, str, str]] = field(default_factory=list)  # (network key, before, after)
    refusals: List[Refusal] = field(default_factory=list)
    variables: bool = False  # kubespray's group variables differ: cluster.yml runs again

    @property
    def verdict(self) -> str:
        """What the convergence does: refused, rebuild, upgrade, re-converge (cluster.yml with the new
        variables) or unchanged (nothing the running cluster sees, allowRebuild alone say)."""
        if self.refusals:
            return REFUSED
        if self.rebuild:
            return REBUILD
        if self.upgrade:
            return UPGRADE
        return RECONVERGE if self.variables else UNCHANGED

    def to_json(self) -> dict:
        return {"verdict": self.verdict, "changes": self.changes, "upgrade": self.upgrade,
                "rebuild": [f"{key} {old} → {new}" for key, old, new in self.rebuild],
                "refusals": [{"rule": r.rule, "reason": r.reason} for r in self.refusals]}


def version_refusal(have_text: str, want_text: str) -> Optional[Refusal]:
    have, want = version(have_text), version(want_text)
    if have is None or want is None:
        return None
    if want < have:
        return Refusal("downgrade", f"kubernetes.version {want_text} is older than the running {have_text}: a downgrade, "
                       f"which the convergence refuses: set kubernetes.version back to {have_text} (kubeadm does not "
                       "downgrade; an older version needs a new lab: destroy it and deploy); it leaves the cluster as it was")
    if want[0] != have[0]:
        return Refusal("major", f"kubernetes.version {have_text} → {want_text} changes the major version, which the "
                       "convergence refuses: kubeadm upgrades one minor version at a time within a major version, so "
                       "another major version needs a new lab (destroy it and deploy); it leaves the cluster as it was")
    if want[1] > have[1] + 1:
        steps = [f"{want[0]}.{minor}.x" for minor in range(have[1] + 1, want[1])] + [want_text]
        return Refusal("skipped-minor", f"kubernetes.version {have_text} → {want_text} skips a minor version, which the "
                       f"convergence refuses: upgrade one minor at a time: {', then '.join(steps)}, a deploy each; "
                       "it leaves the cluster as it was")
    return None


def between(before: Settings, after: Settings) -> Change:
    c = Change()
    if before.kubernetes is not None and before.kubernetes != after.kubernetes:
        c.changes.append(f"version {before.kubernetes} → {after.kubernetes}")
    moved = bool(before.kubespray) and before.kubespray != after.kubespray
    if moved:
        c.changes.append(f"kubespray {before.kubespray} → {after.kubespray}")
    c.rebuild = [(key, before.network[key], after.network[key]) for key in NETWORK if before.network[key] != after.network[key]]
    rebuilt_by = [f"{key} {old} → {new}" for key, old, new in c.rebuild]
    c.changes += rebuilt_by
    if c.rebuild:
        # A rebuild makes a new cluster at whatever version: only the switch matters.
        if not after.allow_rebuild:
            plugin, was = after.network["networkPlugin"], before.network["networkPlugin"]
            c.refusals.append(Refusal("rebuild-not-allowed", (
                f"{', '.join(rebuilt_by)} rebuilds the running cluster (reset, then cluster.yml: workloads are lost), "
                "and kubernetes.allowRebuild is not true: the convergence refuses it and leaves the cluster as it was"
                + (f" ({plugin}'s port rules, in the Nodes stack, roll back with the refusal; {was}'s stay open)"
                   if plugin != was else ""))))
    else:
        refused = version_refusal(before.kubernetes, after.kubernetes) if before.kubernetes is not None else None
        if refused:
            c.refusals.append(refused)
        else:
            have, want = version(before.kubernetes), version(after.kubernetes)
            c.upgrade = moved or bool(have and want and have < want)

    added = [f"+{a}" for a in after.addons if a not in before.addons]
    removed = [f"-{a}" for a in before.addons if a not in after.addons]
    if added or removed:
        c.changes.append(f"addons {' '.join(added + removed)}")
    # A side without a fingerprint is from before the group variables: the add-ons tell.
    c.variables = bool(added or removed) or bool(before.fingerprint and after.fingerprint and before.fingerprint != after.fingerprint)
    if before.allow_rebuild is not None and before.allow_rebuild != after.allow_rebuild:
        c.changes.append(f"allowRebuild {str(before.allow_rebuild).lower()} → {str(after.allow_rebuild).lower()}")
    # What the settings above do not explain (a request from before the group variables, say).
    if c.variables and not c.changes:
        c.changes.append("kubespray group variables")
    return c


REPLACED, ADDED, REMOVED = "replaced", "added", "removed"  # what happens to a node's instance; anything else: unchanged


@dataclass(frozen=True)
class NodeChange:
    name: str  # cp-1, worker-3
    role: str  # the role tag: control-plane or worker (contract.role_tag)
    change: str  # REPLACED, ADDED, REMOVED or unchanged


@dataclass(frozen=True)
class Statements:
    lines: List[str]
    refused: bool  # the convergence would refuse: the deploy fails and rolls back


def compact(names: Iterable[str]) -> str:
    """cp-1, cp-2, cp-3, worker-5 as "cp-1..3 worker-5" (Infra/Nodes/NodeNames.cs: the same form)."""
    groups: Dict[str, List[int]] = {}
    loose: List[str] = []
    for name in names:
        prefix, _, index = name.rpartition("-")
        if prefix and index.isdigit():
            groups.setdefault(prefix + "-", []).append(int(index))
        else:
            loose.append(name)
    parts = []
    for prefix, indices in groups.items():
        indices, ranges, i = sorted(indices), [], 0
        while i < len(indices):
            j = i
            while j + 1 < len(indices) and indices[j + 1] == indices[j] + 1:
                j += 1
            ranges.append(str(indices[i]) if i == j else f"{indices[i]}..{indices[j]}")
            i = j + 1
        parts.append(prefix + ",".join(ranges))
    return " ".join(parts + loose)


def what_the_convergence_does(nodes: Iterable[NodeChange], change: Optional[Change], max_surge: int) -> Statements:
    """The statements of one deploy's convergence, in the order of its work (see the module's text)."""
    if change is not None and change.refusals:
        return Statements([f"refused: {r.reason}" for r in change.refusals], True)
    nodes = list(nodes)

    def of(role: str, kind: str) -> List[str]:
        return [n.name for n in nodes if n.role == role and n.change == kind]

    control_plane, worker = contract.role_tag("controlPlane"), contract.role_tag("worker")
    lines = []
    if change is not None and change.verdict == REBUILD:
        lines.append("REBUILD: every workload is lost (kubernetes.allowRebuild)")
    for kind, verb in ((REPLACED, "replaced"), (ADDED, "added"), (REMOVED, "removed")):
        if of(control_plane, kind):
            lines.append(f"rolled: {compact(of(control_plane, kind))} (etcd members {verb} one at a time, snapshot first)")
    if change is not None and change.verdict == UPGRADE:
        lines.append(f"upgraded: {', '.join(change.changes)} (kubespray's upgrade-cluster.yml: the control plane one node at a time, "
                     "then the workers, drained and upgraded a batch at a time)")
    if of(worker, REMOVED):
        lines.append(f"drained and removed: {compact(of(worker, REMOVED))}")
    if of(worker, ADDED):
        lines.append(f"joined: {compact(of(worker, ADDED))}")
    if of(worker, REPLACED):
        lines.append(f"rolled: {compact(of(worker, REPLACED))} (surge {max_surge}: successors join before each predecessor drains)")
    if change is not None and change.verdict == RECONVERGE:
        lines.append(f"re-converged: {', '.join(change.changes)} (cluster.yml with the new group variables, no node drained)")
    return Statements(lines, False)


def main(args: List[str], stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr) -> int:
    try:
        nodes: List[NodeChange] = []
        if len(args) == 2:
            sides = []
            for path in args:
                with open(path) as f:
                    sides.append(json.load(f))
        elif not args:
            given = json.load(stdin)
            sides = [given["before"], given["after"]]
            nodes = [NodeChange(n["name"], n["role"], n["change"]) for n in given.get("nodes", [])]
        else:
            stderr.write("usage: python3 -m k8slab_converge.changes [BEFORE_SETTINGS.json AFTER_SETTINGS.json]\n"
                         "  (no arguments: {\"before\": SETTINGS, \"after\": SETTINGS} on standard input)\n")
            return 2
        change = between(of_settings(sides[0]), of_settings(sides[1]))
        statements = what_the_convergence_does(nodes, change, int(sides[1].get("maxSurge", 1)))
    except (OSError, ValueError, KeyError, TypeError) as e:
        stderr.write(f"k8slab_converge.changes: {e}\n")
        return 1
    json.dump({**change.to_json(), "statements": statements.lines, "refused": statements.refused}, stdout)
    stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
