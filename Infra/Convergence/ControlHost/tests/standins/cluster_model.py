"""A model of Kubernetes clusters built by kubespray, shared by the ansible-playbook and kubectl
stand-ins. Reachability is EC2's truth: a host answers when an instance with its address runs (in
the AWS emulator). State lives in the JSON file $STANDIN_STATE; every change is appended to its
history with the nodes at that moment, for the tests' step-by-step assertions."""
import json
import os
import re
import sys

CP_LABEL = "node-role.kubernetes.io/control-plane"
READY_AFTER_POLLS = 2  # a joined node reports NotReady to the first kubectl polls


def load():
    path = os.environ["STANDIN_STATE"]
    if not os.path.exists(path):
        return {"clusters": {}, "history": [], "fail_playbooks": [], "blocked": {}}
    with open(path) as f:
        return json.load(f)


def save(state):
    with open(os.environ["STANDIN_STATE"], "w") as f:
        json.dump(state, f, indent=1)


def running_ips():
    """Addresses that answer: the lab harness keeps them as EC2 runs and terminates instances."""
    return set(load().get("running", []))


def event(state, what, cluster_key=None):
    """Records a change with a snapshot of the cluster it touched."""
    snapshot = {}
    if cluster_key and cluster_key in state["clusters"]:
        ips = running_ips()
        snapshot = {n: ready(node, ips) for n, node in state["clusters"][cluster_key]["nodes"].items()}
    state["history"].append({"event": what, "cluster": cluster_key, "nodes": snapshot})


def ready(node, ips):
    return node["ip"] in ips and node.get("polls", 0) <= 0


def version(text):
    """"v1.35.4" as (1, 35, 4)."""
    return tuple(int(x) for x in text.lstrip("v").split(".")[:3])


def cluster_of_ip(state, ip):
    """The cluster a host belongs to (a kubelet joined to it), by address."""
    for key, cluster in state["clusters"].items():
        if any(n["ip"] == ip for n in cluster["nodes"].values()):
            return key
    return None


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
