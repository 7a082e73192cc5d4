"""The planner: the requested node set and what EC2 and the cluster report in, ordered actions out.
Pure: no AWS, no ansible, no kubectl. k8slab_converge.execute carries the actions out.

Rules, in the order a plan applies them:
- Nodes whose instance is gone (terminated outside CloudFormation, or stopped) leave the cluster
  first, ungracefully, in one remove-node.yml run: they never block a deploy.
- The kubernetes: settings are checked against the cluster's record before anything runs, by the
  rules of k8slab_converge.changes (the preview's too): a refused change (a Kubernetes downgrade, a
  major-version change, a skipped minor version, or a changed network plugin or range without
  kubernetes.allowRebuild) fails the deploy and leaves the cluster as it was.
- A changed network plugin or range with kubernetes.allowRebuild rebuilds the cluster, as a changed
  control plane does.
- A changed kubespray or Kubernetes version upgrades the cluster's members first (so that new nodes
  never join with a kubelet newer than the control plane): the control plane and etcd in one
  upgrade-cluster.yml run (kubespray drains them one at a time), then the workers maxSurge at a time:
  cordon and drain, upgrade-cluster.yml --limit, uncordon, validate.
- Requested nodes that a failed or rolled-back run left cordoned are uncordoned first, before
  anything slow (a removal, a playbook): their workloads come back at once.
- Workers no longer requested are drained and removed before anything joins (so that the
  cluster never holds more than maxSurge nodes beyond the requested count).
- Added workers join together; replaced workers roll surge-first, maxSurge at a time: successors
  join and are Ready before each predecessor is cordoned, drained and removed; then the cluster is
  validated before the next batch. A requested worker that registered but is not Ready (a run
  stopped inside scale.yml, before its network plugin) still joins: scale.yml runs for it again, and
  a predecessor waits for it like for any successor.
- Scheduling on the control plane follows the worker count: untainted before the last worker
  drains, tainted again once workers are Ready.
- A changed control plane rolls, one etcd membership change at a time, after an etcd snapshot
  (kubespray's docs/operations/nodes.md): a successor joins through cluster.yml (appended to the end
  of kube_control_plane and etcd), every node's nginx-proxy reloads its upstreams, the cluster is
  validated (nodes Ready, every etcd member healthy); then its predecessor leaves (remove-node.yml),
  moved from the first place of the groups first when it holds it (kubespray cannot remove the first
  node), and kube-public/cluster-info is pointed at a live API server. Replacements pair by name;
  controlPlane.count adds or removes members the same way. The control plane rolls before workers
  join or roll; once it changed, a last cluster.yml leaves only the members in every node's configuration.
- No cluster, and a snapshot of the lab's cluster exists (its control plane died): the control plane
  comes back from it, with the cluster's CA, its state and its workers (restore).
- No cluster (no running control-plane node holds one): cluster.yml deploys one. Workers that still
  hold the kubelet.conf of a cluster whose control plane is gone are reset first (reset-stale: the
  executor resets those that prepare.yml found joined), or kubeadm would skip their join.
- Other changed kubespray variables (add-ons) re-run cluster.yml: no node is drained or replaced.
"""
from dataclasses import dataclass, field
from itertools import compress
from typing import Dict, List, Optional, Tuple

from . import changes
from .changes import version
from .model import CONTROL_PLANE, WORKER, Cluster, DesiredNode, Instance, Request


@dataclass(frozen=True)
class Action:
    kind: str
    hosts: Tuple[str, ...] = ()
    detail: str = ""

    def __str__(self) -> str:
        hosts = " ".join(self.hosts) if len(self.hosts) <= 6 else f"{len(self.hosts)} hosts: {' '.join(self.hosts[:3])} ..."
        return " ".join(p for p in (self.kind, hosts, self.detail) if p)


@dataclass(frozen=True)
class Host:
    name: str  # inventory and Kubernetes node name
    role: str
    ip: Optional[str]
    desired: bool
    alive: bool = True  # False: its instance is gone, only remove-dead names it
    instance_id: Optional[str] = None  # EC2's, where known: the executor asks again whether it runs


@dataclass
class Plan:
    actions: List[Action] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # what the deploy's reason should say
    hosts: Dict[str, Host] = field(default_factory=dict)  # every host an action may name
    control_plane: List[str] = field(default_factory=list)  # kube_control_plane and etcd, in order, at the start
    joining: List[str] = field(default_factory=list)  # hosts no inventory lists before their own join (or facts)
    schedule_on_control_plane: bool = False  # no workers: the control plane is in kube_node

    def add(self, kind: str, hosts=(), detail: str = "") -> None:
        self.actions.append(Action(kind, tuple(hosts), detail))

    def __str__(self) -> str:
        return "\n".join(str(a) for a in self.actions)


def recovery_hint(node: DesiredNode) -> str:
    group = "controlPlane" if node.role == CONTROL_PLANE else "workers"
    return f"to get it back, add 1 to {group}.generations.{node.name} in the environment file and deploy"


def rebuild(p: Plan, desired_hosts: List[str], cluster: Cluster, why: str) -> Plan:
    """Nodes still joined to the old cluster are reset first, or kubeadm would skip their join."""
    addresses = {n.ip for n in cluster.nodes.values()}
    members = [h for h in desired_hosts if h in cluster.nodes or p.hosts[h].ip in addresses]
    p.add("prepare", desired_hosts)
    if members:
        p.add("reset", members, why)
    p.add("cluster", detail="rebuild")
    p.add("wait-ready", desired_hosts)
    p.add("record")
    return p


def roll_control_plane(p: Plan, cluster: Cluster, by_host: Dict[str, Instance], joining: List[DesiredNode],
                       leaving: List[str], members: Tuple[str, ...], desired_hosts: List[str]) -> None:
    """One etcd membership change at a time: successors join and are validated before their
    predecessor leaves (a replacement pairs by node name), then the members added, then those removed.
    Quorum holds throughout: a join needs every member started (etcd's own check), and a removal
    leaves the others, all started."""
    if not joining and not leaving:
        return
    order = list(p.control_plane)
    present = [h for h in members if h in cluster.nodes] + [h for h in leaving if h not in members]
    free = {n.name: n for n in joining}
    pairs = []
    for h in leaving:
        instance = by_host.get(h)
        if instance and instance.name in free:
            pairs.append((h, free.pop(instance.name)))
    added = [n for n in joining if n.name in free]
    removed = [h for h in leaving if h not in {pr for pr, _ in pairs}]
    total = len(pairs) + len(added) + len(removed)
    step = 0

    def validate() -> None:
        p.add("wait-ready", tuple(present))
        p.add("check-etcd", [order[0]], f"{len(order)} members")

    def join(node: DesiredNode, why: str) -> None:
        order.append(node.host)
        present.append(node.host)
        p.add("join-control-plane", [node.host], f"{why} ({step}/{total}): etcd member {len(order)}")
        p.add("restart-proxy", detail="every node's nginx-proxy loads the new members")
        validate()

    def leave(host: str, why: str, after_join: bool) -> None:
        if not after_join:
            # Not right after a join's reload (a run that stopped there, or a scale-down): the proxies may
            # still hold only this member, so they reload before it leaves.
            p.add("restart-proxy", detail="every node's nginx-proxy loads the members")
        if order[0] == host:
            order.remove(host)
            order.append(host)
            p.add("reorder", order[:1], f"{host} leaves the first place of kube_control_plane and etcd")
        p.add("cordon", [host])
        p.add("drain", [host])
        p.add("remove", [host], why)
        order.remove(host)
        present.remove(host)
        p.add("cluster-info", order[:1], "kube-public/cluster-info names a live API server")
        validate()

    for predecessor, successor in pairs:
        step += 1
        join(successor, "replaces " + predecessor)
        leave(predecessor, "replaced", after_join=True)
    for node in added:
        step += 1
        join(node, "added")
    for host in removed:
        step += 1
        leave(host, "no longer requested", after_join=False)
    # kubespray's docs/operations/nodes.md, "Removing an etcd node": cluster.yml regenerates every
    # node's configuration with the members left (the API servers' etcd-servers, the proxies' upstreams).
    p.add("cluster", detail="the control plane changed: every node's configuration names its members")
    p.add("restart-proxy", detail="every node's nginx-proxy loads the members")


def restore(p: Plan, live_cps: List[DesiredNode], live_workers: List[DesiredNode], desired_hosts: List[str],
            snapshot: str) -> Plan:
    """The control plane is gone and a snapshot of it exists: the first requested control-plane node
    gets the cluster's CA keys, cluster.yml makes it the control plane (kubeadm keeps that CA: the
    workers' credentials stay valid, they are not reset), etcd's data comes back from the snapshot, and
    the other control-plane nodes join it one at a time."""
    first, others = live_cps[0], live_cps[1:]
    p.control_plane = [first.host]
    p.joining = [n.host for n in others]
    p.add("prepare", desired_hosts)
    p.add("restore", [first.host], f"from {snapshot}")
    p.add("cluster", detail="the control plane, with the cluster's own CA")
    p.add("restore-etcd", [first.host], f"from {snapshot}")
    p.add("cluster-info", [first.host], "kube-public/cluster-info names a live API server")
    p.add("restart-proxy", detail="every node's nginx-proxy loads the restored control plane")
    if live_workers:
        p.add("taint", [first.host], "workers are Ready: the control plane runs no workloads")
    members = [first.host] + [n.host for n in live_workers]
    for index, node in enumerate(others, 2):
        members.append(node.host)
        p.add("join-control-plane", [node.host], f"added ({index - 1}/{len(others)}): etcd member {index}")
        p.add("restart-proxy", detail="every node's nginx-proxy loads the new members")
        p.add("wait-ready", tuple(members))
        p.add("check-etcd", [first.host], f"{index} members")
    p.add("wait-ready", desired_hosts)
    p.add("record")
    return p


def plan(request: Request, instances: Dict[str, Instance], cluster: Optional[Cluster],
         snapshot: Optional[str] = None) -> Plan:
    """instances: every instance of the lab by ID (any state); cluster: None when no control-plane
    node holds an admin kubeconfig (no cluster yet); snapshot: then, the newest etcd snapshot of the
    lab's cluster, if any (a lab that had a cluster: its control plane is gone). Linear in the nodes, apart from the host lists
    the plan itself holds (a rolling replacement waits for the whole cluster after every batch):
    no list or set is rebuilt per host (scripts/benchmark-planner.py measures it)."""
    p = Plan()
    live: List[DesiredNode] = []
    for node in request.nodes:
        instance = instances.get(node.instance_id)
        if instance is not None and instance.alive:
            live.append(node)
            p.hosts[node.host] = Host(node.host, node.role, instance.ip, True, instance_id=instance.id)
        else:
            state = instance.state if instance else "gone"
            p.notes.append(f"{node.name} ({node.instance_id}) is {state}; {recovery_hint(node)}")
    live_cps = [n for n in live if n.role == CONTROL_PLANE]
    live_workers = [n for n in live if n.role == WORKER]
    p.schedule_on_control_plane = not request.of_role(WORKER)

    dead_cps = [n for n in request.of_role(CONTROL_PLANE) if n not in live_cps]
    if dead_cps:
        p.add("fail", detail=f"control-plane node {dead_cps[0].name} ({dead_cps[0].instance_id}) is not running: "
              f"the cluster cannot converge without it; {recovery_hint(dead_cps[0])}")
        return p

    desired_hosts = [n.host for n in live]
    if cluster is None and snapshot:
        return restore(p, live_cps, live_workers, desired_hosts, snapshot)
    if cluster is None:
        p.add("prepare", desired_hosts)
        workers = [n.host for n in live_workers]
        if workers:
            p.add("reset-stale", workers, "any still joined to a cluster whose control plane is gone")
        p.add("cluster", detail="first deploy")
        p.add("wait-ready", desired_hosts)
        p.add("record")
        return p

    by_host = {i.host: i for i in instances.values()}

    change = changes.between(changes.recorded(cluster, request), changes.of_request(request))
    if change.refusals:
        p.add("fail", detail=change.refusals[0].reason)
        return p
    if change.rebuild:
        moved = ", ".join(f"kubernetes.{key} {old} -> {new}" for key, old, new in change.rebuild)
        return rebuild(p, desired_hosts, cluster, f"{moved}: the cluster is rebuilt (kubernetes.allowRebuild)")

    # Cluster members that are not requested: dead ones go at once, live ones drain.
    dead, leaving = [], []
    for name, node in sorted(cluster.nodes.items()):
        if name in p.hosts:
            continue
        instance = by_host.get(name)
        alive = instance.alive if instance else node.ready
        if alive:
            leaving.append(name)
            p.hosts[name] = Host(name, instance.role if instance else WORKER, instance.ip if instance else node.ip, False,
                                 instance_id=instance.id if instance else None)
        else:
            dead.append(name)
            p.hosts[name] = Host(name, instance.role if instance else WORKER, node.ip, False, alive=False)

    # A member under another name at a requested node's address: the same machine, named as a lab from
    # before node names did (cp-1, not cp-1-9c1b4d). It cannot roll onto itself: only a rebuild renames it.
    addresses = {p.hosts[n.host].ip for n in live}
    renamed = sorted(h for h in leaving + dead if p.hosts[h].ip in addresses)
    if renamed:
        why = (f"{' '.join(renamed)} {'is' if len(renamed) == 1 else 'are'} requested nodes under an older name (a lab from "
               "before node names)")
        if request.allow_rebuild:
            return rebuild(p, desired_hosts, cluster, f"{why}: the cluster is rebuilt (kubernetes.allowRebuild)")
        p.add("fail", detail=f"{why}: only a rebuild renames them, and every workload would be lost; nothing was "
              "changed. Set kubernetes.allowRebuild: true for one deploy, or destroy the lab and deploy it again")
        return p

    # Joining: requested workers that are not Ready members, whether absent or registered and NotReady
    # (scale.yml runs for them again). Members: the requested hosts that are Ready members; a tuple,
    # as the upgrade's batches each wait for the same members, one tuple shared by their actions.
    joining = [n for n in live_workers if not (n.host in cluster.nodes and cluster.nodes[n.host].ready)]
    joining_hosts = {n.host for n in joining}
    members = tuple(h for h in desired_hosts if h in cluster.nodes and h not in joining_hosts)

    # Upgrades: kubespray or Kubernetes moved, or members run an older kubelet than requested (an
    # upgrade that failed part-way). Members newer than requested (a rollback after such a failure)
    # stay as they are: kubeadm does not downgrade.
    want = version(request.kubernetes)
    kubelets = {h: version(cluster.nodes[h].kubelet) for h in members}
    older = {h for h in members if kubelets[h] and kubelets[h] < want}
    for h in members:
        if kubelets[h] and kubelets[h] > want:
            p.notes.append(f"{h} runs Kubernetes {cluster.nodes[h].kubelet.lstrip('v')}, newer than the requested "
                           f"{request.kubernetes} (an upgrade got that far; kubeadm does not downgrade): deploy "
                           "that version to finish it")
    kubespray_moved = bool(cluster.kubespray) and cluster.kubespray != request.kubespray
    upgrading = bool(change.upgrade or older)
    upgraded = [n.host for n in live_workers if n.host in members and (kubespray_moved or n.host in older)] if upgrading else []

    # Before anything slow: requested nodes left cordoned (by a failed run, or one a rollback follows)
    # take workloads again, unless their upgrade cordons them anyway; without workers the control
    # plane takes them.
    upgraded_hosts = set(upgraded)
    cordoned = [h for h in members if cluster.nodes[h].unschedulable and h not in upgraded_hosts]
    if cordoned:
        p.add("uncordon", cordoned, "requested again")
    cps = [n.host for n in live_cps]
    if p.schedule_on_control_plane and any(cluster.nodes[h].tainted for h in cps if h in cluster.nodes):
        p.add("untaint", cps, "no workers: pods schedule on the control plane")

    # The control plane: members first (the requested ones in their order, then those leaving), so that
    # the first place, which kubespray cannot add or remove, always holds a member.
    leaving_cps = [h for h in leaving if p.hosts[h].role == CONTROL_PLANE]
    joining_cps = [n for n in live_cps if n.host not in cluster.nodes]
    p.control_plane = [h for h in cps if h in cluster.nodes] + leaving_cps
    cp_addresses = {n.ip for n in cluster.nodes.values() if n.control_plane}
    if cluster.discovery and cluster.discovery not in cp_addresses and not leaving_cps:
        # A run that stopped after a removal of the node cluster-info names: any later join would fail.
        p.add("cluster-info", p.control_plane[:1], "kube-public/cluster-info names a live API server")
    if joining_cps or leaving_cps or any(p.hosts[h].role == CONTROL_PLANE for h in dead):
        p.add("snapshot", p.control_plane[:1], "etcd, before the control plane changes")
    if dead:
        p.add("remove-dead", dead, "instance gone: ungraceful removal")
    # Until a node's own join, no inventory lists it: cluster.yml would join every host it lists at once.
    p.joining = [n.host for n in joining_cps + joining]
    if joining or joining_cps:
        p.add("prepare", [n.host for n in joining_cps + joining])

    facts_done = False
    if upgrading:
        moves = []
        if kubespray_moved:
            moves.append(f"kubespray {cluster.kubespray} -> {request.kubespray}")
        moves.append(f"Kubernetes {request.kubernetes}" if cluster.kubernetes == request.kubernetes
                     else f"Kubernetes {cluster.kubernetes or '?'} -> {request.kubernetes}")
        p.add("facts")
        facts_done = True
        p.add("upgrade-control-plane", [n.host for n in live_cps], f"{', '.join(moves)}: control plane and etcd first")
        p.add("wait-ready", members)
        for start in range(0, len(upgraded), max(1, request.max_surge)):
            batch = upgraded[start:start + max(1, request.max_surge)]
            for h in batch:
                p.add("cordon", [h])
                p.add("drain", [h])
            p.add("upgrade", batch, f"Kubernetes {request.kubernetes}")
            p.add("uncordon", batch, "upgraded")
            p.add("wait-ready", members)


    roll_control_plane(p, cluster, by_host, joining_cps, leaving_cps, members, desired_hosts)

    # Pair each live leaving worker with a joining successor of the same name (a replacement).
    leaving_workers = [h for h in leaving if p.hosts[h].role == WORKER]
    successor_of: Dict[str, DesiredNode] = {}
    free = {n.name: n for n in joining}
    for h in leaving_workers:
        instance = by_host.get(h)
        if instance and instance.name in free:
            successor_of[h] = free.pop(instance.name)
    scale_in = [h for h in leaving_workers if h not in successor_of]
    scale_out = [n.host for n in joining if n.name in free]

    if scale_in:
        for h in scale_in:
            p.add("cordon", [h])
            p.add("drain", [h])
        p.add("remove", scale_in, "no longer requested")
    if scale_out:
        if not facts_done:
            p.add("facts")
            facts_done = True
        p.add("scale", scale_out, "added")
        p.add("wait-ready", scale_out)

    pairs = list(successor_of.items())
    surge = max(1, request.max_surge)
    # After each batch the cluster waits for the desired hosts that are members by then (the members,
    # the added workers, the successors joined so far), in desired order: one flag per desired host,
    # set as its successor joins, rather than a set of the joined successors rebuilt for every host.
    if pairs:
        joined = set(scale_out) | set(members)
        ready = [h in joined for h in desired_hosts]
        positions: Dict[str, List[int]] = {}
        for index, h in enumerate(desired_hosts):
            positions.setdefault(h, []).append(index)
    for start in range(0, len(pairs), surge):
        batch = pairs[start:start + surge]
        if not facts_done:
            p.add("facts")
            facts_done = True
        successors = [s.host for _, s in batch]
        p.add("scale", successors, "successors join first")
        p.add("wait-ready", successors)
        for predecessor, _ in batch:
            p.add("cordon", [predecessor])
            p.add("drain", [predecessor])
        p.add("remove", [pr for pr, _ in batch], "replaced")
        for h in successors:
            for index in positions.get(h, ()):
                ready[index] = True
        p.add("wait-ready", compress(desired_hosts, ready))

    if not p.schedule_on_control_plane and live_workers and any(not cluster.nodes[h].tainted for h in cps if h in cluster.nodes):
        p.add("taint", cps, "workers are Ready: the control plane runs no workloads")

    # Other kubespray variables changed (add-ons): cluster.yml applies them, no node drained. An
    # upgrade applies them already (its control-plane run installs the apps).
    if change.variables and not upgraded and not any(a.kind == "upgrade-control-plane" for a in p.actions):
        p.add("cluster", detail="kubespray variables changed (add-ons): applied, no node drained")

    p.add("wait-ready", desired_hosts)
    changed = any(a.kind not in ("wait-ready",) for a in p.actions)
    recorded = (cluster.kubespray, cluster.kubernetes, cluster.network, cluster.fingerprint)
    if changed or recorded != (request.kubespray, request.kubernetes, request.network, request.fingerprint):
        p.add("record")
    return p
