"""What convergence reads: the request (SSM), the instances (EC2) and the cluster (kubectl)."""
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Tuple, Union

from . import contract

CONTROL_PLANE = contract.role_tag("controlPlane")
WORKER = contract.role_tag("worker")
ROLES = (CONTROL_PLANE, WORKER)
# kubeadm's taint on a control-plane node that is not also a worker.
CP_TAINT = "node-role.kubernetes.io/control-plane"

# The pinned kubespray's defaults (roles/kubespray_defaults/defaults/main/main.yml, in the contract's
# kubespray.txt): what a cluster recorded before the kubernetes: section had.
DEFAULT_PLUGIN = contract.kubespray().default("kube_network_plugin")
DEFAULT_POD_CIDR = contract.kubespray().default("kube_pods_subnet")
DEFAULT_SERVICE_CIDR = contract.kubespray().default("kube_service_addresses")
DEFAULT_NODE_PREFIX = contract.kubespray().default("kube_network_node_prefix")

GroupVar = Union[str, int, bool]


class RequestError(Exception):
    """The request is incomplete: a part is missing or not yet JSON, or belongs to another deploy
    (CloudFormation is mid-update). Read it again."""


class InvalidRequest(ValueError):
    """The request breaks the schema or contradicts itself: reading it again will not help."""


@dataclass(frozen=True)
class DesiredNode:
    name: str  # worker-3: the node tag's value and the node's logical name
    role: str
    instance_id: str  # the exact instance generation CloudFormation created for it

    @property
    def host(self) -> str:
        return host_name(self.name, self.instance_id)


@dataclass(frozen=True)
class Request:
    id: str
    signal: str
    nodes: Tuple[DesiredNode, ...]
    kubespray: str
    kubernetes: str
    max_surge: int = 1
    forks: int = 5
    download_once: bool = False
    pod_cidr: str = DEFAULT_POD_CIDR
    node_prefix: int = DEFAULT_NODE_PREFIX
    drain_seconds: int = 300
    network_plugin: str = DEFAULT_PLUGIN
    service_cidr: str = DEFAULT_SERVICE_CIDR
    addons: Tuple[str, ...] = ()  # the enabled add-ons' keys, sorted
    allow_rebuild: bool = False  # kubernetes.allowRebuild: a network change may reset the cluster
    given_group_vars: Mapping[str, GroupVar] = field(default_factory=dict)  # settings.groupVars as sent
    snapshot_bucket: str = ""  # the lab's etcd snapshot bucket (the Security stack's)
    snapshot_hours: int = 6  # snapshots.everyHours: a snapshot is due when the last one is this old
    snapshot_days: int = 7  # snapshots.keepDays: the bucket's lifecycle rule deletes older ones

    def of_role(self, role: str) -> List[DesiredNode]:
        return [n for n in self.nodes if n.role == role]

    @property
    def group_vars(self) -> Dict[str, GroupVar]:
        """kubespray's variables for the k8s_cluster group: the request's groupVars as given, over the
        version and ranges its settings name (parse_request holds the two to agree)."""
        derived = {"kube_version": self.kubernetes, "kube_network_plugin": self.network_plugin,
                   "kube_pods_subnet": self.pod_cidr, "kube_service_addresses": self.service_cidr,
                   "kube_network_node_prefix": self.node_prefix}
        return {**derived, **self.given_group_vars}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.group_vars)

    @property
    def network(self) -> Dict[str, str]:
        """What only a rebuild changes, by its key in the environment file's kubernetes: section."""
        return {"networkPlugin": self.network_plugin, "podCidr": self.pod_cidr,
                "serviceCidr": self.service_cidr, "nodePrefix": str(self.node_prefix)}


def fingerprint(group_vars: Mapping[str, GroupVar]) -> str:
    """Tells whether kubespray's variables changed since the last convergence (the record keeps it)."""
    text = json.dumps(group_vars, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def host_name(name: str, instance_id: str) -> str:
    """The inventory and Kubernetes node name: worker-3-9c1b4d (the tag, then the instance ID's
    last six hex digits). A successor and its predecessor run side by side during a surge, and
    Kubernetes needs distinct names; the suffix also tells which instance a node is."""
    return f"{name}-{instance_id[-6:]}"


def parse_request(header_text: str, part_texts: List[str]) -> Request:
    """The header (settings, signal URL, number of parts) and its node parts, each checked against
    the request schema (contract/request.schema.json). Every part carries the header's id: a part
    from another deploy means CloudFormation is still writing them (RequestError, read again); a
    request that breaks the schema stays broken (InvalidRequest)."""
    try:
        header = json.loads(header_text)
        parts = [json.loads(t) for t in part_texts]
    except ValueError as e:
        raise RequestError(f"the request is not JSON: {e}") from e
    if isinstance(header, dict):
        check_version(header)
    invalid("header", header)
    if len(parts) != header["parts"]:
        raise RequestError(f"the request has {header['parts']} parts, {len(parts)} were read")
    nodes: List[DesiredNode] = []
    seen: Dict[str, Tuple[int, str]] = {}  # a node name or instance ID -> (part, node name)
    for index, part in enumerate(parts, 1):
        if isinstance(part, dict) and part.get("id") != header["id"]:
            raise RequestError(f"part {index} belongs to request {part.get('id')}, not {header['id']}")
        invalid(f"part {index}", part, "part")
        for role in ROLES:
            for name, instance_id in part.get(role, {}).items():
                # Each part is checked alone: the schema cannot see a node named in two parts.
                for key in (name, instance_id):
                    if key in seen:
                        raise InvalidRequest(f"the request names {key} twice: for {seen[key][1]} in part {seen[key][0]} "
                                             f"and for {name} in part {index}")
                    seen[key] = (index, name)
                nodes.append(DesiredNode(name, role, instance_id))
    settings = header["settings"]
    request = Request(
        id=header["id"],
        signal=header["signal"],
        nodes=tuple(nodes),
        kubespray=settings["kubespray"],
        kubernetes=settings["kubernetes"],
        max_surge=settings["maxSurge"],
        forks=settings["forks"],
        download_once=settings["downloadOnce"],
        pod_cidr=settings["podCidr"],
        node_prefix=settings["nodePrefix"],
        drain_seconds=settings["drainSeconds"],
        network_plugin=settings["networkPlugin"],
        service_cidr=settings["serviceCidr"],
        addons=tuple(sorted(settings["addons"])),
        allow_rebuild=settings["allowRebuild"],
        given_group_vars=dict(settings["groupVars"]),
        snapshot_bucket=settings["snapshotBucket"],
        snapshot_hours=settings["snapshotHours"],
        snapshot_days=settings["snapshotDays"],
    )
    # The record and the planner read the settings; kubespray reads groupVars: they must agree.
    derived = replace(request, given_group_vars={}).group_vars
    clashes = [f"{k} {request.given_group_vars[k]!r} (settings: {v!r})" for k, v in derived.items()
               if k in request.given_group_vars and request.given_group_vars[k] != v]
    if clashes:
        raise InvalidRequest(f"the request's groupVars disagree with its settings: {', '.join(clashes)}")
    return request


def check_version(header: dict) -> None:
    """Before the rest of the schema: a request of another version fails on fields this bastion
    does not know, so say which side to deploy instead (none: the app predates the schema)."""
    ours, theirs = contract.schema_version(), header.get("schemaVersion")
    if theirs is None or (type(theirs) is int and theirs != ours):
        side = "the Bastion stack first" if theirs is not None and theirs > ours else "the Nodes stack again"
        raise InvalidRequest(f"the request is schema version {'none' if theirs is None else theirs}, this bastion reads "
                             f"version {ours}: deploy {side} (npx cdk deploy --all does)")


def invalid(what: str, document, definition: Optional[str] = None) -> None:
    problems = contract.request_problems(definition or what, document)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise InvalidRequest(f"the request's {what} is invalid: {shown}")


@dataclass(frozen=True)
class Instance:
    """An EC2 instance of the lab, as describe-instances reports it."""
    id: str
    name: str
    role: str
    state: str  # pending, running, stopping, stopped, shutting-down, terminated
    ip: Optional[str]

    @property
    def alive(self) -> bool:
        return self.state == "running"

    @property
    def host(self) -> str:
        return host_name(self.name, self.id)


@dataclass(frozen=True)
class ClusterNode:
    name: str
    ip: Optional[str]
    ready: bool
    control_plane: bool
    unschedulable: bool = False
    tainted: bool = False  # carries the control-plane NoSchedule taint
    kubelet: str = ""


@dataclass(frozen=True)
class Cluster:
    """The cluster as seen through one control-plane node's admin kubeconfig."""
    via: str  # the instance ID of the control-plane node whose kubeconfig was used
    nodes: Dict[str, ClusterNode] = field(default_factory=dict)
    # Recorded by the last convergence (the ConfigMap), None where the record has no such entry.
    kubespray: Optional[str] = None
    kubernetes: Optional[str] = None
    network: Dict[str, str] = field(default_factory=dict)  # as Request.network
    fingerprint: Optional[str] = None  # of the group variables
    addons: Tuple[str, ...] = ()
    # The API server kube-public/cluster-info names (kubeadm join bootstraps against it); None: unknown.
    discovery: Optional[str] = None


def nodes_from_kubectl(doc: dict) -> Dict[str, ClusterNode]:
    """`kubectl get nodes -o json` into ClusterNodes."""
    result = {}
    for item in doc.get("items", []):
        meta, spec, status = item.get("metadata", {}), item.get("spec", {}), item.get("status", {})
        labels = meta.get("labels", {})
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions", []))
        ip = next((a["address"] for a in status.get("addresses", []) if a.get("type") == "InternalIP"), None)
        taints = spec.get("taints") or []
        result[meta["name"]] = ClusterNode(
            name=meta["name"],
            ip=ip,
            ready=ready,
            control_plane=CP_TAINT in labels,
            unschedulable=bool(spec.get("unschedulable")),
            tainted=any(t.get("key") == CP_TAINT and t.get("effect") == "NoSchedule" for t in taints),
            kubelet=status.get("nodeInfo", {}).get("kubeletVersion", ""),
        )
    return result
