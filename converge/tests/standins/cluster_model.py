"""A model of Kubernetes clusters built by kubespray, shared by the ansible-playbook and kubectl
stand-ins. Reachability is EC2's truth: a host answers when an instance with its address runs (in
the AWS emulator). State lives in the JSON file $STANDIN_STATE; every change is appended to its
history ($STANDIN_STATE.history) with the nodes at that moment, for the tests' step-by-step assertions."""
import base64
import hashlib
import json
import os
import re
import sys

CP_LABEL = "node-role.kubernetes.io/control-plane"
READY_AFTER_POLLS = 2  # a joined node reports NotReady to the first kubectl polls
PROGRAM = None  # the program that ran this stand-in, when the warm server (server.py) runs it


def use_site_packages():
    """The stand-ins start without site (python3 -S: half of a start here, and a run starts dozens
    of them); what they import beyond the standard library (PyYAML, boto3) is in site-packages."""
    import site  # imported only: no .pth file runs
    for path in site.getsitepackages() + [site.getusersitepackages()]:
        if path not in sys.path:
            sys.path.append(path)


def load():
    """The model as the files hold it; the faults (BROKEN) are the model's, never an earlier call's
    (the warm server runs every call in one process)."""
    path = os.environ["STANDIN_STATE"]
    BROKEN.clear()
    if not os.path.exists(path):
        return {"clusters": {}, "history": [], "fail_playbooks": [], "blocked": {}}
    with open(path) as f:
        state = json.load(f)
    state["history"] = []  # this call's events: save() appends them to the history file
    BROKEN.update(state.get("broken", {}))
    return state


def history_path():
    """The history, one JSON event a line beside the state: it grows to megabytes in a 400-node
    scenario (every change with its cluster's nodes), and each stand-in call reads and writes the
    state, but only appends to the history."""
    return os.environ["STANDIN_STATE"] + ".history"


def save(state):
    events, state["history"] = state.get("history", []), []
    # Compact, in one write: json's C encoder serves only unindented dumps.
    text = json.dumps({k: v for k, v in state.items() if k != "history"}, separators=(",", ":"))
    with open(os.environ["STANDIN_STATE"], "w") as f:
        f.write(text)
    if events:
        with open(history_path(), "a") as f:
            f.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events))


def running_ips():
    """Addresses that answer: the lab harness keeps them as EC2 runs and terminates instances."""
    return set(load().get("running", []))


def event(state, what, cluster_key=None):
    """Records a change with a snapshot of the cluster it touched."""
    snapshot, pods = {}, {}
    if cluster_key and cluster_key in state["clusters"]:
        cluster = state["clusters"][cluster_key]
        ips = set(state.get("running", []))
        schedule(cluster, ips)
        snapshot = {n: ready(node, ips, cluster) for n, node in cluster["nodes"].items()}
        pods = dict(cluster.get("pods", {}))
        etcd = {"members": sorted(members(cluster)), "started": sorted(started(cluster, ips)), "quorum": quorum(cluster, ips)}
    else:
        etcd = None
    state["history"].append({"event": what, "cluster": cluster_key, "nodes": snapshot, "pods": pods, "etcd": etcd})


# Workloads: a Deployment's pods (name -> the node it runs on, None while Pending) under a
# PodDisruptionBudget (minAvailable). Enough of the scheduler and the eviction API to tell whether a
# step leaves a workload without a Ready replica on a Ready node. The eviction refuses what the API
# server refuses (kubernetes pkg/registry/core/pod/storage/eviction.go: 429 when the budget would drop
# below minAvailable, counting Ready pods); the scheduler keeps only its filters for unschedulable,
# NotReady and tainted nodes (pkg/scheduler/framework/plugins: nodeunschedulable, tainttoleration) and
# spreads by pod count, a simplification of its scoring.
def schedule(cluster, ips):
    """The scheduler: a Pending pod, or one whose node left the cluster (its controller made a new
    one), goes to the Ready, schedulable, untainted node with the fewest pods; none: it stays Pending."""
    pods = cluster.get("pods", {})
    for pod in sorted(pods):
        if pods[pod] in cluster["nodes"]:
            continue
        fit = [n for n, node in sorted(cluster["nodes"].items())
               if ready(node, ips, cluster) and not node["unschedulable"] and not node["tainted"]]
        pods[pod] = min(fit, key=lambda n: sum(1 for p in pods.values() if p == n)) if fit else None


def workload_of(pod):
    return pod.rsplit("-", 1)[0]


def evict(cluster, node_name, ips):
    """The eviction API for every pod on a node, one at a time: refused (the pod's name returned) when
    fewer than the budget's minAvailable replicas of its workload would stay Ready; else the pod is
    deleted and its controller's new one scheduled. None: every pod left."""
    pods = cluster.get("pods", {})
    for pod in sorted(p for p, n in pods.items() if n == node_name):
        workload = cluster["workloads"][workload_of(pod)]
        others = [p for p, n in pods.items() if workload_of(p) == workload_of(pod) and p != pod
                  and n in cluster["nodes"] and ready(cluster["nodes"][n], ips, cluster)]
        if len(others) < workload["minAvailable"]:
            return pod
        pods[pod] = None
        schedule(cluster, ips)
    return None


def ready(node, ips, cluster=None):
    """Ready: its instance runs, its kubelet reported, and its network plugin is installed (a node that
    kubeadm joined but whose run stopped before the network plugin play stays NotReady). Given its
    cluster, also: etcd has quorum (without it no API server answers, no kubelet reports), and a node
    that is not a control-plane node reaches an API server through its local nginx-proxy, whose
    upstreams are the control-plane addresses it loaded when it last started (kubespray's
    roles/kubernetes/node/tasks/loadbalancer/nginx-proxy.yml writes them; docs/operations/nodes.md:
    "it needs to be restarted in order to reload")."""
    if not (node["ip"] in ips and node.get("polls", 0) <= 0 and node.get("cni", True)):
        return False
    if broken(node["ip"]) == "notready" or node.get("credentials") is False:
        return False
    if cluster is None:
        return True
    servers = apiservers(cluster, ips)
    if node["cp"] or node["ip"] in servers:
        return bool(servers)
    return any(ip in servers for ip in node.get("proxy", servers))


# etcd: the members of each cluster (name -> address) and those whose etcd was stopped without
# leaving (reset.yml). Every control-plane node is an etcd member (the lab's inventory puts the same
# hosts in kube_control_plane and etcd), so the members are also the API servers.
def members(cluster):
    return cluster.setdefault("etcd", {})


def started(cluster, ips):
    """Members whose etcd runs: the instance runs, reset.yml did not stop it, and the scenario did not
    break it."""
    return [h for h, ip in members(cluster).items()
            if ip in ips and h not in cluster.get("etcd_stopped", []) and broken(ip) != "etcd"]


BROKEN = {}


def broken(ip):
    """The scenario's fault on a node (lab.break_node): "notready" or "etcd", or None."""
    return BROKEN.get(ip)


def quorum(cluster, ips):
    """Raft's majority of the members (etcd's server/etcdserver/api/membership/cluster.go counts
    voting members)."""
    return len(started(cluster, ips)) > len(members(cluster)) / 2


def apiservers(cluster, ips):
    """Addresses of the API servers that answer: a running member's, while etcd has quorum."""
    if not quorum(cluster, ips):
        return set()
    return {members(cluster)[h] for h in started(cluster, ips)}


def may_add_member(cluster, ips):
    """etcd refuses a member add that would leave too few started members for the new quorum
    (server/etcdserver/api/membership/cluster.go, IsReadyToAddVotingMember), except growing a
    one-member cluster to two."""
    nmembers, nstarted = len(members(cluster)) + 1, len(started(cluster, ips))
    return (nstarted == 1 and nmembers == 2) or nstarted >= nmembers // 2 + 1


def may_remove_member(cluster, name, ips):
    """etcd refuses removing a started member when the started members left would be fewer than the
    quorum of the members left (server/etcdserver/server.go, mayRemoveMember)."""
    up = started(cluster, ips)
    if name not in up:
        return True
    left = len(members(cluster)) - 1
    return len(up) - 1 >= left // 2 + 1


def cluster_with_cp(state, ip):
    """The cluster whose etcd member (and API server) has this address: a control-plane node's."""
    for key, cluster in state["clusters"].items():
        if ip in members(cluster).values():
            return key
    return None


def cluster_info_server(cluster):
    """The API server address in kube-public/cluster-info: kubeadm init writes its controlPlaneEndpoint
    (kubespray's kubeadm-config template: the first control-plane node's main_ip); kubeadm join's
    token discovery hands it to the joining node for its TLS bootstrap."""
    match = re.search(r"server: https://([0-9.]+):6443", cluster.get("configmaps", {}).get("cluster-info", {}).get("kubeconfig", ""))
    return match.group(1) if match else None


def waited(state, what, seconds):
    """Time a real run would have spent waiting out a timeout (the stand-ins return at once): the
    scenarios add it up."""
    state.setdefault("waited", []).append({"what": what, "seconds": seconds})


def seconds(duration):
    """"300s", "1s", "360s" (kubectl and kubespray durations as the lab passes them) in seconds."""
    match = re.fullmatch(r"(\d+)s", str(duration))
    if not match:
        fail(f"the stand-in's check: a duration {duration!r} is not N seconds as NNs", 2)
    return int(match.group(1))


def current_step():
    """The convergence program's step at this call: its log's last "step N/M: ACTION" line (the
    newest log of LOG_DIR, which the program passes on to what it runs). None outside a step."""
    logs = os.environ.get("LOG_DIR")
    if not logs or not os.path.isdir(logs):
        return None
    names = [os.path.join(logs, n) for n in os.listdir(logs)]
    if not names:
        return None
    with open(max(names, key=os.path.getmtime)) as f:
        steps = re.findall(r" step (\d+)/\d+: (.*)", f.read())
    return (int(steps[-1][0]), steps[-1][1]) if steps else None


def intervene(state, call):
    """The scenario's interventions, each once, at the first call of the step it names (its number,
    or the start of its action's text): terminate instances in the emulator, as CloudFormation's
    cleanup does while a rollback run goes on; or kill the convergence program (the stand-in's
    parent), as a bastion that reboots or runs out of memory does. Returns "kill" when the program is
    to die once this call did its part."""
    step = current_step()
    action = None
    for trigger in state.get("triggers", []):
        if trigger.get("fired") or step is None:
            continue
        at = trigger["at"]
        if not (step[0] == at if isinstance(at, int) else step[1].startswith(at)):
            continue
        trigger["fired"] = {"step": step[0], "action": step[1], "call": call}
        if trigger.get("terminate"):
            use_site_packages()
            import boto3  # only here: the emulator is EC2's truth
            boto3.client("ec2", region_name=os.environ.get("AWS_REGION", "eu-west-1")).terminate_instances(
                InstanceIds=trigger["terminate"])
            state["running"] = sorted(set(state.get("running", [])) - set(trigger["ips"]))
            event(state, f"instances terminated: {' '.join(trigger['terminate'])}")
        if trigger.get("kill"):
            action = "kill"
        save(state)
    return action


def kill_program(state):
    """The convergence program dies (SIGKILL: no handler, no signal, no record of the request)."""
    import signal
    event(state, "convergence program killed")
    save(state)
    os.kill(PROGRAM or os.getppid(), signal.SIGKILL)
    sys.exit(137)


def standin(name):
    """The path that runs the stand-in NAME as this call runs: the warm server's launcher or the script."""
    warm = os.environ.get("WARM_SERVER")
    return os.path.join(os.path.dirname(warm) if warm else os.path.dirname(os.path.abspath(__file__)), name)


def version(text):
    """"v1.35.4" as (1, 35, 4)."""
    return tuple(int(x) for x in text.lstrip("v").split(".")[:3])


def cluster_of_ip(state, ip):
    """The cluster a host belongs to (a kubelet joined to it, or an etcd member), by address."""
    for key, cluster in state["clusters"].items():
        if any(n["ip"] == ip for n in cluster["nodes"].values()) or ip in members(cluster).values():
            return key
    return None


def has_kubelet_conf(state, ip):
    """/etc/kubernetes/kubelet.conf is on the host: kubeadm's join wrote it and the host's kubelet is
    still a member of a modelled cluster (reset.yml deletes it: roles/reset/tasks/main.yml removes
    kube_config_dir)."""
    return cluster_of_ip(state, ip) is not None


def fail(message, code=2):
    print(message)
    sys.exit(code)


def server_of_kubeconfig():
    path = os.environ.get("KUBECONFIG", os.path.expanduser("~/.kube/config"))
    if not os.path.exists(path):
        fail("error: no kubeconfig", 1)
    match = re.search(r"server: https://([0-9.]+):6443", open(path).read())
    if not match:
        fail("error: kubeconfig names no server", 1)
    return match.group(1)


# kubeadm's admin credentials, as sizes of their DER: a CA and a client certificate of about 800
# bytes, an RSA-2048 key in PKCS#1 of 1,191 (what the compact form in SSM must fit in 4 KB).
CREDENTIALS = (("certificate-authority-data", "CERTIFICATE", 800, "ca"),
               ("client-certificate-data", "CERTIFICATE", 860, "cert"),
               ("client-key-data", "RSA PRIVATE KEY", 1191, "key"))


def der(cluster_key, what, size):
    """Stand-in DER: deterministic bytes of a cluster (not a certificate, not a key)."""
    out = b""
    while len(out) < size:
        out += hashlib.sha256(f"{cluster_key}/{what}/{len(out)}".encode()).digest()
    return out[:size]


def pem(label, data):
    body = base64.b64encode(data).decode()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def admin_conf(server_ip, cluster_key):
    """An admin.conf shaped as kubeadm writes it (one line a value), its credentials the cluster's."""
    data = {key: base64.b64encode(pem(label, der(cluster_key, what, size)).encode()).decode()
            for key, label, size, what in CREDENTIALS}
    return (f"apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {data['certificate-authority-data']}\n"
            f"    server: https://{server_ip}:6443\n  name: cluster.local\ncontexts:\n- context:\n    cluster: cluster.local\n"
            f"    user: kubernetes-admin\n  name: kubernetes-admin@cluster.local\ncurrent-context: kubernetes-admin@cluster.local\n"
            f"kind: Config\npreferences: {{}}\nusers:\n- name: kubernetes-admin\n  user:\n"
            f"    client-certificate-data: {data['client-certificate-data']}\n    client-key-data: {data['client-key-data']}\n")
