"""Carries a plan out: ansible-playbook runs of kubespray (and of the lab's two small playbooks),
kubectl for cordon, drain, taints and readiness. Any failure raises Failure with a reason the
deploy shows."""
import json
import os
import re
import shutil
import subprocess
import time
from typing import Callable, Dict, List, Optional, Set

from . import aws, contract, runs, snapshots
from .model import CONTROL_PLANE, CP_TAINT, WORKER, Cluster, Instance, Request, nodes_from_kubectl
from .planner import Action, Plan

# The kubespray playbook each action runs (runs.PLAYBOOK), by its path in the checkout
# (ansible-playbook runs in KUBESPRAY_DIR). Each must be one the release has (kubespray.txt's
# playbook lines): a plan naming another fails before anything runs.
KUBESPRAY_PLAYBOOKS = runs.PLAYBOOK
RECORD = "k8slab-convergence"  # the ConfigMap in kube-system that remembers versions and settings
NETWORK_KEYS = ("networkPlugin", "podCidr", "serviceCidr", "nodePrefix")


class Failure(Exception):
    """A convergence step failed: the deploy gets FAILURE with this reason."""


def unknown_playbooks(books) -> List[str]:
    """The kubespray playbooks among books that the pinned release does not have."""
    return sorted(set(books) - set(contract.kubespray().playbooks))


def no_such_playbook(books: List[str]) -> str:
    return (f"kubespray {contract.kubespray().tag} has no playbook {', '.join(books)} "
            "(its playbooks are the playbook lines of the contract's kubespray.txt)")


class Settings:
    """The control host's environment (systemd's EnvironmentFile=/etc/k8slab/control-host.env)."""

    def __init__(self, env=os.environ):
        self.environment = env["LAB_ENVIRONMENT"]
        self.region = env["AWS_REGION"]
        # Where signals may go: the region's wait condition hosts (K8SLAB_SIGNAL_HOST, host:port of the
        # tests' own server on loopback, replaces them; the bastion's environment file never sets it).
        self.signal_hosts = ([env["K8SLAB_SIGNAL_HOST"]] if env.get("K8SLAB_SIGNAL_HOST")
                             else aws.signal_hosts(self.region))
        self.parameter = env["CONVERGE_PARAMETER"]
        # Where the admin kubeconfig goes for the user's kubectl (empty: not stored).
        self.kubeconfig_parameter = env.get("KUBECONFIG_PARAMETER", "")
        self.kubespray_version = env["KUBESPRAY_VERSION"]
        self.kubespray_dir = env["KUBESPRAY_DIR"]
        self.ansible_playbook = os.path.join(env["ANSIBLE_VENV"], "bin", "ansible-playbook")
        self.kubectl = env.get("KUBECTL", "kubectl")
        # The lab's playbooks sit beside the package, in the repository as in the installed asset.
        self.playbooks = env.get("K8SLAB_PLAYBOOKS", os.path.join(os.path.dirname(contract.FOLDER), "playbooks"))
        self.state = env["STATE_DIR"]
        self.logs = env["LOG_DIR"]
        self.home = env.get("HOME") or os.path.expanduser("~")
        # Polling: how often and how many times (tests set the pause to 0).
        self.pause = float(env.get("K8SLAB_PAUSE", "10"))
        self.instance_attempts = int(env.get("K8SLAB_INSTANCE_ATTEMPTS", "90"))  # 15 min for nodes to run
        self.ready_attempts = int(env.get("K8SLAB_READY_ATTEMPTS", "60"))  # 10 min for nodes to be Ready
        self.request_attempts = int(env.get("K8SLAB_REQUEST_ATTEMPTS", "30"))  # 5 min for the request's parts

    @property
    def kubeconfig(self) -> str:
        return os.path.join(self.state, "admin.conf")

    @property
    def inventory_dir(self) -> str:
        return os.path.join(self.state, "inventory")

    @property
    def group_vars_file(self) -> str:
        """Next to the inventory, so that ansible reads it for the k8s_cluster group: above kubespray's
        role defaults, below nothing kubespray sets for these variables."""
        return os.path.join(self.inventory_dir, "group_vars", "k8s_cluster", "k8slab.yml")

    @property
    def cluster_kubectl(self) -> str:
        """The control plane's own kubectl, which kubespray's kubectl_localhost fetches (cluster.yml and
        the control-plane upgrade): within the version skew whatever kubernetes.version is."""
        return os.path.join(self.inventory_dir, "artifacts", "kubectl")

    def missing_tools(self) -> List[str]:
        """Checked before anything runs: a missing tool fails the deploy at once, by name."""
        tools = {"ansible-playbook": self.ansible_playbook, "kubectl": self.kubectl, "ssh": "ssh"}
        missing = [f"{name} ({path})" for name, path in tools.items() if shutil.which(path) is None]
        if not os.path.isdir(self.kubespray_dir):
            missing.append(f"kubespray ({self.kubespray_dir})")
        return missing


class Executor:
    def __init__(self, settings: Settings, request: Request, log,
                 instances_now: Optional[Callable[[List[str]], Dict[str, Instance]]] = None):
        """instances_now: EC2's instances of the lab among the IDs given, as they are at the call,
        asked again before every cordon, drain and removal (None: the plan's view stands)."""
        self.s = settings
        self.request = request
        self.log = log
        self.instances_now = instances_now
        self.gone: Set[str] = set()  # hosts whose instance went after the plan was made
        self.joined: Set[str] = set()  # hosts prepare.yml found holding a kubelet.conf
        self.etcd_members: Dict[str, int] = {}  # inventory path -> the etcd members it lists
        os.makedirs(settings.inventory_dir, exist_ok=True)

    # --- observation -------------------------------------------------------------------------
    def find_cluster(self, instances: Dict[str, Instance]) -> Optional[Cluster]:
        """The cluster, seen through the admin kubeconfig of a running control-plane node: the
        requested ones first, then any other of the lab (a control plane being replaced).

        None ("no cluster": the plan deploys one with cluster.yml) only on evidence: every running
        control-plane instance of the lab answered and has no /etc/kubernetes/admin.conf. One that
        cannot be observed fails the run, naming it, unless another shows the cluster: taking it for
        absent would run cluster.yml over a live cluster (no drains, kubelets upgraded in place).
        That holds for the other instances too: one being replaced may be the only node that still
        holds the cluster (its successors not joined yet), so its silence is no evidence either; a
        node that is gone for good is terminated, and a terminated or stopped one is not looked at."""
        wanted = [n.instance_id for n in self.request.nodes if n.role == CONTROL_PLANE]
        others = sorted(i.id for i in instances.values() if i.role == CONTROL_PLANE and i.id not in wanted)
        unobserved = []
        for instance_id in wanted + others:
            instance = instances.get(instance_id)
            if instance is None or not instance.alive:
                continue
            kubeconfig, problem = self.observe_control_plane(instance)
            if problem:
                self.log(f"could not observe {instance.host}: {problem}")
                unobserved.append((instance, problem))
                continue
            if kubeconfig is None:
                self.log(f"no admin kubeconfig on {instance.host}: not a member of a cluster")
                continue
            shutil.copyfile(kubeconfig, self.s.kubeconfig)
            os.chmod(self.s.kubeconfig, 0o600)
            self.install_kubeconfig(self.s.kubeconfig)
            nodes = nodes_from_kubectl(json.loads(self.kubectl("get", "nodes", "-o", "json")))
            record = self.read_record()
            self.log(f"cluster seen through {instance.host}: {len(nodes)} nodes, "
                     f"recorded kubespray {record.get('kubespray', '?')}, Kubernetes {record.get('kubernetes', '?')}")
            return Cluster(via=instance.id, nodes=nodes, kubespray=record.get("kubespray"), discovery=self.cluster_info()[1],
                           kubernetes=record.get("kubernetes"),
                           network={k: record[k] for k in NETWORK_KEYS if k in record},
                           fingerprint=record.get("groupVarsFingerprint"),
                           addons=tuple(a for a in record.get("addons", "").split(",") if a))
        if unobserved:
            named = "; ".join(f"{i.host} ({i.id}{'' if i.id in wanted else ', not requested: being replaced'}): {p}"
                              for i, p in unobserved)
            raise Failure(f"cannot tell whether a cluster runs: control-plane {'node' if len(unobserved) == 1 else 'nodes'} "
                          f"not observed ({named}); nothing ran. Deploy again once SSH reaches "
                          f"{'it' if len(unobserved) == 1 else 'them'} (or terminate an instance that is gone for good)")
        return None

    def observe_control_plane(self, instance: Instance):
        """(path of its admin kubeconfig or None when it has none, None) when the node answered, or
        (None, why) when it could not be observed. kubeconfig.yml ends well on both outcomes, so a
        non-zero exit is only ever "not observed": ansible-playbook exits 4 when a host is UNREACHABLE
        and 2 when a task failed (ansible-core's executor/task_queue_manager.py: RUN_UNREACHABLE_HOSTS,
        RUN_FAILED_HOSTS; bin/ansible-playbook exits with its result)."""
        folder = os.path.join(self.s.state, "observed")
        os.makedirs(folder, exist_ok=True)
        dest = os.path.join(folder, "admin.conf")
        absent = dest + ".absent"  # kubeconfig.yml's marker: {{ kubeconfig_dest }}.absent
        for stale in (dest, absent):
            if os.path.exists(stale):
                os.remove(stale)
        inventory = self.write_inventory({instance.host: (CONTROL_PLANE, instance.ip)}, "kubeconfig")
        result = self.playbook(os.path.join(self.s.playbooks, "kubeconfig.yml"), inventory,
                               extra=[f"kubeconfig_dest={dest}"], check=False, in_kubespray=False)
        if result != 0:
            fatal = re.search(r"fatal: \[[^\]]+\]: (UNREACHABLE!|FAILED!) => .*", self.last_playbook_output)
            what = {4: "UNREACHABLE over SSH", 2: "a task failed"}.get(result, "ansible-playbook failed")
            return None, f"kubeconfig.yml exited {result}, {what}" + (f": {fatal.group(0)[:240]}" if fatal else "")
        if os.path.exists(dest):
            return dest, None
        if os.path.exists(absent):
            return None, None
        return None, "kubeconfig.yml exited 0 but wrote neither the admin kubeconfig nor its absence"

    def cluster_info(self):
        """kube-public/cluster-info's data and the API server address it names (None where it names none),
        or (None, None) when it cannot be read."""
        proc = self.run([self.kubectl_bin, "get", "configmap", "-n", "kube-public", "cluster-info", "-o", "json"], check=False, quiet=True)
        if proc.returncode != 0:
            return None, None
        data = json.loads(proc.stdout).get("data", {})
        server = re.search(r"server: https://([0-9.]+):6443", data.get("kubeconfig", ""))
        return data, server.group(1) if server else None

    def read_record(self) -> Dict[str, str]:
        proc = self.run([self.kubectl_bin, "get", "configmap", "-n", "kube-system", RECORD, "-o", "json"], check=False)
        if proc.returncode != 0:
            return {}
        return json.loads(proc.stdout).get("data", {})

    # --- actions -----------------------------------------------------------------------------
    def execute(self, plan: Plan) -> None:
        missing = unknown_playbooks(KUBESPRAY_PLAYBOOKS[a.kind] for a in plan.actions if a.kind in KUBESPRAY_PLAYBOOKS)
        if missing:
            raise Failure(no_such_playbook(missing) + ": nothing ran")
        self.plan = plan
        self.present = {h for h, host in plan.hosts.items() if host.alive}  # hosts an inventory may list
        # kube_control_plane and etcd in order: joins append, removals drop, a reorder moves the first last.
        self.control_plane = list(plan.control_plane)
        self.outside = set(plan.joining)  # not listed by an inventory until their join
        for number, action in enumerate(plan.actions, 1):
            self.log(f"step {number}/{len(plan.actions)}: {action}")
            getattr(self, "do_" + action.kind.replace("-", "_"))(action)

    def do_fail(self, action: Action) -> None:
        raise Failure(action.detail)

    def do_prepare(self, action: Action) -> None:
        """SSH answers and the node's own cloud-init is done (apt holds its lock until then); which of
        them hold a kubelet.conf (joined to a cluster), recorded as a file a host in joined_dir."""
        joined_dir = os.path.join(self.s.state, "joined")
        shutil.rmtree(joined_dir, ignore_errors=True)
        os.makedirs(joined_dir)
        inventory = self.inventory(include=action.hosts)
        if self.playbook(os.path.join(self.s.playbooks, "prepare.yml"), inventory, limit=action.hosts,
                         extra=[f"joined_dir={joined_dir}"], check=False, in_kubespray=False):
            raise Failure(f"nodes did not answer on SSH or their cloud-init failed: {' '.join(action.hosts)}")
        self.joined = set(os.listdir(joined_dir)) & set(action.hosts)

    def do_reset_stale(self, action: Action) -> None:
        """No cluster runs, so a kubelet.conf is a dead cluster's: kubeadm would skip the node's join
        (roles/kubernetes/kubeadm/tasks/main.yml joins only without one). reset.yml removes it."""
        stale = sorted(self.joined & set(action.hosts))
        if not stale:
            self.log("no node holds a kubelet.conf: nothing to reset")
            return
        if not self.request.allow_rebuild:
            # Resetting them makes a new, empty cluster: every workload is lost. Refused before any node
            # is touched (prepare.yml only looked), unless the environment file asks for it.
            raise Failure(f"{' '.join(stale)} {'is' if len(stale) == 1 else 'are'} still joined to a cluster whose control "
                          "plane is gone: joining them to a new cluster means resetting them, and the new cluster is "
                          "empty (every workload, Secret and volume claim is lost). Nothing was changed. Restore the "
                          "control plane from its etcd snapshot (docs/operations.md, Recovery), or set "
                          "kubernetes.allowRebuild: true to build a new, empty cluster")
        self.log(f"joined to a cluster whose control plane is gone, reset first: {' '.join(stale)}")
        self.plan.notes.append(f"{' '.join(stale)} {'was' if len(stale) == 1 else 'were'} still joined to a cluster "
                               "whose control plane is gone: reset and joined to the new, empty cluster")
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), limit=stale, extra=["reset_confirmation=yes"])

    def do_cluster(self, action: Action) -> None:
        self.playbook(KUBESPRAY_PLAYBOOKS["cluster"], self.inventory(), extra=["kubeconfig_localhost=true", "kubectl_localhost=true"])
        artifact = os.path.join(self.s.inventory_dir, "artifacts", "admin.conf")
        if os.path.exists(artifact):
            shutil.copyfile(artifact, self.s.kubeconfig)
            self.install_kubeconfig(self.s.kubeconfig)
        self.adopt_cluster_kubectl()

    def do_join_control_plane(self, action: Action) -> None:
        """docs/operations/nodes.md: the new control-plane node appended to kube_control_plane (and etcd),
        then cluster.yml over every node (kubespray rewrites each node's nginx-proxy upstreams)."""
        self.control_plane += [h for h in action.hosts if h not in self.control_plane]
        self.outside -= set(action.hosts)
        self.do_cluster(action)

    def do_reorder(self, action: Action) -> None:
        """docs/operations/nodes.md, "Adding/Removal of first kube_control_plane and etcd-master": the
        first node moves to the end, and cluster.yml runs with another first before it can leave."""
        self.control_plane = [h for h in self.control_plane if h != self.control_plane[0]] + self.control_plane[:1]
        self.do_cluster(action)

    def do_restart_proxy(self, action: Action) -> None:
        """Each node that is not a control-plane node reaches the API servers through a local
        nginx-proxy; kubespray rewrites its upstreams, but it loads them only when it starts."""
        hosts = [h for h in sorted(self.present) if self.plan.hosts[h].role != CONTROL_PLANE]
        if hosts:
            self.playbook(os.path.join(self.s.playbooks, "restart-proxy.yml"), self.inventory(), limit=hosts, in_kubespray=False)

    def do_check_etcd(self, action: Action) -> None:
        """Every etcd member healthy (etcdctl endpoint health --cluster on the first member)."""
        if self.playbook(os.path.join(self.s.playbooks, "etcd-health.yml"), self.inventory(), limit=self.control_plane[:1],
                         check=False, in_kubespray=False):
            raise Failure(f"etcd is not healthy after the control plane changed ({' '.join(self.control_plane)}): "
                          + (re.findall(r"FAILED! => (.*)", self.last_playbook_output) or ["see the log"])[-1][:200])

    def do_cluster_info(self, action: Action) -> None:
        """docs/operations/nodes.md: kube-public/cluster-info must name a live API server, or kubeadm's
        join of any later node bootstraps against the one that left."""
        data, server = self.cluster_info()
        if data is None:
            raise Failure("kube-public/cluster-info cannot be read: kubeadm join needs it")
        live = {self.plan.hosts[h].ip for h in self.control_plane if h in self.plan.hosts}
        if server in live:
            return
        first = self.plan.hosts[self.control_plane[0]].ip
        data["kubeconfig"] = re.sub(r"server: https://[^\s]+", f"server: https://{first}:6443", data.get("kubeconfig", ""))
        self.log(f"cluster-info named {server or 'no server'}: now {first}")
        self.run([self.kubectl_bin, "apply", "-f", "-"], input=json.dumps(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-info", "namespace": "kube-public"}, "data": data}))

    def do_snapshot(self, action: Action) -> None:
        """etcd's snapshot and the cluster's CA keys, from the first member to the bastion, then to the
        lab's bucket: what a dead control plane comes back from."""
        dest = os.path.join(snapshots.folder(self.s.state), snapshots.new_name(self.request.id))
        started = time.monotonic()
        self.playbook(os.path.join(self.s.playbooks, "snapshot.yml"), self.inventory(), limit=self.control_plane[:1],
                      extra=[f"snapshot_dest={dest}"], in_kubespray=False)
        size = os.path.getsize(dest)
        where = snapshots.keep(self.s.state, dest, self.request, self.s.region, self.s.environment)
        self.log(f"etcd snapshot: {size:,} bytes in {time.monotonic() - started:.1f} s, kept in {where}")

    def do_restore(self, action: Action) -> None:
        """The dead cluster's CA keys onto the new first control-plane node, before kubeadm init there:
        kubeadm keeps a CA it finds, so every kubelet's credentials stay valid and no worker is reset."""
        self.restored = snapshots.fetch(self.s.state, action.detail.split(" ", 1)[1], self.s.region)
        self.playbook(os.path.join(self.s.playbooks, "restore-pki.yml"), self.inventory(), limit=action.hosts,
                      extra=[f"snapshot_archive={self.restored}"], in_kubespray=False)

    def do_restore_etcd(self, action: Action) -> None:
        """The snapshot's data into the new etcd (as kubespray's roles/recover_control_plane/etcd does
        for a lost quorum), then what the restore took back: kubeadm's control-plane label on the new
        members (their Node objects are the kubelet's again) and the Node objects of the control-plane
        nodes that are gone (as roles/recover_control_plane/control-plane deletes them)."""
        self.playbook(os.path.join(self.s.playbooks, "restore-etcd.yml"), self.inventory(), limit=action.hosts,
                      extra=[f"snapshot_archive={self.restored}"], in_kubespray=False)
        self.wait_for_api()
        nodes = nodes_from_kubectl(json.loads(self.kubectl("get", "nodes", "-o", "json")))
        for host in self.control_plane:
            if host in nodes and not nodes[host].control_plane:
                self.kubectl("label", "nodes", host, f"{CP_TAINT}=", "--overwrite")
        gone = sorted(h for h, n in nodes.items() if n.control_plane and h not in self.control_plane)
        for host in gone:
            self.kubectl("delete", "node", host)
        self.plan.notes.append(f"the cluster's state was restored from {action.detail.split(' ', 1)[1]}"
                               + (f"; {' '.join(gone)} (gone) deleted" if gone else ""))

    def wait_for_api(self) -> None:
        for attempt in range(1, self.s.ready_attempts + 1):
            if self.run([self.kubectl_bin, "get", "nodes", "-o", "json"], check=False, quiet=True).returncode == 0:
                return
            time.sleep(self.s.pause)
        raise Failure("the API server did not answer after the etcd restore")

    def do_reset(self, action: Action) -> None:
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), limit=action.hosts, extra=["reset_confirmation=yes"])

    def do_facts(self, action: Action) -> None:
        # kubespray (docs/operations/nodes.md): refresh every node's facts without --limit before a run with --limit.
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(include=self.outside))

    def do_scale(self, action: Action) -> None:
        self.outside -= set(action.hosts)
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), limit=action.hosts)

    def do_upgrade_control_plane(self, action: Action) -> None:
        """kubespray's upgrade in parts: the control plane and etcd first (its play drains, upgrades and
        uncordons them one at a time; the drain bounded as the plan's own), the version from group_vars."""
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), limit=["kube_control_plane:etcd"],
                      extra=["kubectl_localhost=true", f"drain_timeout={self.request.drain_seconds}s"])
        self.adopt_cluster_kubectl()

    def do_upgrade(self, action: Action) -> None:
        """Workers the plan has cordoned and drained: kubespray drains and uncordons only nodes that are
        Ready and schedulable, so it leaves both to the plan; the whole batch at once (its serial
        would otherwise take 20% of it at a time)."""
        self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), limit=action.hosts, extra=[f"serial={len(action.hosts)}"])

    def do_remove(self, action: Action) -> None:
        """Live nodes leave gracefully (drained, reset); those whose instance went since the plan
        (CloudFormation's cleanup after a rollback, a spot reclaim) leave as remove-dead's do."""
        gone = self.gone_now(action.hosts)
        live = [h for h in action.hosts if h not in self.gone]
        if gone:
            self.remove_ungracefully(gone)
        if live:
            self.playbook(KUBESPRAY_PLAYBOOKS[action.kind], self.inventory(), extra=[f"node={','.join(live)}", "skip_confirmation=yes"])
            self.present -= set(live)
        self.control_plane = [h for h in self.control_plane if h not in action.hosts]

    def do_remove_dead(self, action: Action) -> None:
        self.remove_ungracefully(list(action.hosts))

    def remove_ungracefully(self, hosts: List[str]) -> None:
        """kubespray's way for nodes that are not online: no reset, and its drain, which it still runs
        and whose failure it ignores (roles/remove_node/pre_remove/tasks/main.yml), bounded to a second
        rather than drain_timeout's 360: pods on a node without a kubelet never finish terminating."""
        self.playbook(KUBESPRAY_PLAYBOOKS["remove-dead"], self.inventory(include=hosts),
                      extra=[f"node={','.join(hosts)}", "skip_confirmation=yes", "reset_nodes=false",
                             "allow_ungraceful_removal=true", "drain_timeout=1s"])
        self.present -= set(hosts)
        self.control_plane = [h for h in self.control_plane if h not in hosts]

    def gone_now(self, hosts) -> List[str]:
        """Of hosts, those whose instance EC2 no longer runs, asked now rather than at plan time. They
        leave the inventories: ansible would find them UNREACHABLE."""
        ids = {h: self.plan.hosts[h].instance_id for h in hosts if h in self.plan.hosts and self.plan.hosts[h].instance_id}
        if ids and self.instances_now is not None:
            now = self.instances_now(sorted(set(ids.values())))
            for h, instance_id in sorted(ids.items()):
                if h not in self.gone and not (instance_id in now and now[instance_id].alive):
                    state = now[instance_id].state if instance_id in now else "gone"
                    self.log(f"{h}: its instance {instance_id} is {state} now: no cordon or drain, an ungraceful removal")
                    self.gone.add(h)
                    self.present.discard(h)
        return [h for h in hosts if h in self.gone]

    def do_cordon(self, action: Action) -> None:
        self.kubectl_on_live("cordon", action.hosts)

    def do_uncordon(self, action: Action) -> None:
        self.kubectl_on_live("uncordon", action.hosts)

    def kubectl_on_live(self, verb: str, hosts) -> None:
        """kubectl VERB on the hosts whose instance still runs (EC2 asked once for all of them)."""
        self.gone_now(hosts)
        live = [h for h in hosts if h not in self.gone]
        if live:
            self.kubectl(verb, *live)

    def do_drain(self, action: Action) -> None:
        """PDB-respecting eviction, bounded; the error names the pod and the budget that block. A node
        whose instance is gone is not drained (its pods would never finish terminating), before or
        when the drain fails."""
        host = action.hosts[0]
        if self.gone_now([host]):
            return
        proc = self.run([self.kubectl_bin, "drain", host, "--ignore-daemonsets", "--delete-emptydir-data",
                         "--force", f"--timeout={self.request.drain_seconds}s"], check=False)
        if proc.returncode == 0 or self.gone_now([host]):
            return
        output = proc.stdout + proc.stderr
        blocked = re.search(r'evicting pods?/"?([\w.-]+)"? -n "?([\w.-]+)"?', output)
        if not blocked:
            raise Failure(f"drain of {host} failed: {output.strip()[-300:]}")
        pod, namespace = blocked.group(1), blocked.group(2)
        budgets = self.run([self.kubectl_bin, "get", "pdb", "-n", namespace, "-o", "json"], check=False)
        names = []
        if budgets.returncode == 0:
            names = [b["metadata"]["name"] for b in json.loads(budgets.stdout).get("items", [])
                     if b.get("status", {}).get("disruptionsAllowed", 1) == 0]
        budget = f"PodDisruptionBudget {namespace}/{','.join(names)} allows no disruption" if names else "a PodDisruptionBudget allows no disruption"
        raise Failure(f"drain of {host} stopped after {self.request.drain_seconds} s: pod {namespace}/{pod} cannot be evicted "
                      f"({budget}); the node stays cordoned and the old instance keeps running")

    def do_taint(self, action: Action) -> None:
        for host in action.hosts:
            self.kubectl("taint", "nodes", host, f"{CP_TAINT}:NoSchedule", "--overwrite")

    def do_untaint(self, action: Action) -> None:
        for host in action.hosts:
            self.kubectl("taint", "nodes", host, f"{CP_TAINT}:NoSchedule-")

    def do_wait_ready(self, action: Action) -> None:
        waiting = set(action.hosts)
        for attempt in range(1, self.s.ready_attempts + 1):
            proc = self.run([self.kubectl_bin, "get", "nodes", "-o", "json"], check=False, quiet=True)
            if proc.returncode == 0:
                nodes = nodes_from_kubectl(json.loads(proc.stdout))
                waiting = {h for h in action.hosts if not (h in nodes and nodes[h].ready)}
                if not waiting:
                    if not any(n.ready and not n.unschedulable and not n.tainted for n in nodes.values()):
                        raise Failure("no Ready node takes workloads (every node is cordoned or tainted)")
                    return
            if attempt < self.s.ready_attempts:
                time.sleep(self.s.pause)
        raise Failure(f"not Ready: {' '.join(sorted(waiting))}")

    def do_record(self, action: Action) -> None:
        r = self.request
        config_map = {"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": {"name": RECORD, "namespace": "kube-system"},
                      "data": {"kubespray": r.kubespray, "kubernetes": r.kubernetes, "request": r.id, **r.network,
                               "groupVarsFingerprint": r.fingerprint, "addons": ",".join(r.addons)}}
        self.run([self.kubectl_bin, "apply", "-f", "-"], input=json.dumps(config_map))

    # --- tools -------------------------------------------------------------------------------
    def inventory(self, include=()) -> str:
        outside = getattr(self, "outside", set())
        hosts = {h: (host.role, host.ip) for h, host in self.plan.hosts.items()
                 if (h in self.present and h not in outside) or h in include}
        return self.write_inventory(hosts, "hosts")

    def write_inventory(self, hosts: Dict[str, tuple], name: str) -> str:
        """kubespray's groups, as YAML (written as JSON, a subset) so that booleans stay booleans.
        No host named bastion: ansible runs on it. Without workers the control plane is kube_node."""
        order = getattr(self, "control_plane", [])
        cps = [h for h in order if h in hosts and hosts[h][0] == CONTROL_PLANE]
        cps += sorted(h for h, (role, _) in hosts.items() if role == CONTROL_PLANE and h not in cps)
        workers = sorted(h for h, (role, _) in hosts.items() if role == WORKER)
        schedule_on_cp = getattr(self, "plan", None) is not None and self.plan.schedule_on_control_plane
        inventory = {"all": {
            # The kubernetes: section's variables are in group_vars (write_group_vars).
            "vars": {"download_run_once": self.request.download_once, "download_localhost": False},
            # etcd_member_name: kubespray names a member by its place in the etcd group unless the
            # inventory names it (roles/kubespray_defaults/defaults/main/main.yml); a rolling control
            # plane moves places, so each member is named for its host, once and for good.
            "hosts": {h: {"ansible_host": ip, "ip": ip, **({"etcd_member_name": h} if h in cps else {})}
                      for h, (_, ip) in sorted(hosts.items())},
            "children": {
                "kube_control_plane": {"hosts": {h: None for h in cps}},
                "etcd": {"hosts": {h: None for h in cps}},
                "kube_node": {"hosts": {h: None for h in (workers + (cps if schedule_on_cp or not workers else []))}},
                "k8s_cluster": {"children": {"kube_control_plane": None, "kube_node": None}},
            },
        }}
        path = os.path.join(self.s.inventory_dir, f"{name}.yml")
        with open(path, "w") as f:
            json.dump(inventory, f, indent=1)
        self.etcd_members[path] = len(cps)
        return path

    def write_group_vars(self) -> None:
        """The request's groupVars, as they came (JSON, which YAML reads), before every kubespray run."""
        os.makedirs(os.path.dirname(self.s.group_vars_file), exist_ok=True)
        with open(self.s.group_vars_file, "w") as f:
            f.write(f"# K8sLab: the kubernetes: section of the environment file, from request {self.request.id}\n")
            json.dump(self.request.group_vars, f, indent=1)
            f.write("\n")

    def playbook(self, book: str, inventory: str, limit=(), extra=(), check=True, in_kubespray=True) -> int:
        """Runs a playbook of kubespray's (book: its path in the checkout) or of the lab's (an absolute path)."""
        if in_kubespray:
            if unknown_playbooks([book]):
                raise Failure(no_such_playbook([book]))
            if self.etcd_members.get(inventory, 1) % 2 == 0:
                # An even number of etcd members while one is added or removed (docs/operations/nodes.md).
                extra = [*extra, "ignore_assert_errors=yes"]
            unlisted = sorted({e.split("=", 1)[0] for e in extra} - set(runs.EXTRA.get(book, ())))
            if unlisted:
                raise Failure(f"internal error: {book} run with -e {', '.join(unlisted)}, which runs.EXTRA does not list")
            self.write_group_vars()
        args = [self.s.ansible_playbook, "-i", inventory, "-b", "--forks", str(self.request.forks), book]
        if limit:
            args += ["--limit", ",".join(limit)]
        for e in extra:
            args += ["-e", e]
        self.log("ansible-playbook " + " ".join(args[3:]))
        proc = self.run(args, check=False, cwd=self.s.kubespray_dir, quiet=True)
        self.last_playbook_output = proc.stdout + proc.stderr
        if proc.returncode != 0 and check:
            raise Failure(f"{book if in_kubespray else os.path.basename(book)} failed")
        return proc.returncode

    @property
    def kubectl_bin(self) -> str:
        """The cluster's own kubectl once kubespray fetched it, else the bastion's pinned one."""
        return self.s.cluster_kubectl if os.access(self.s.cluster_kubectl, os.X_OK) else self.s.kubectl

    def adopt_cluster_kubectl(self) -> None:
        """ansible's fetch leaves the binary without its execute bit."""
        if os.path.exists(self.s.cluster_kubectl):
            os.chmod(self.s.cluster_kubectl, 0o755)

    def kubectl(self, *args: str) -> str:
        return self.run([self.kubectl_bin, *args]).stdout

    def run(self, args: List[str], check=True, cwd=None, input=None, quiet=False) -> subprocess.CompletedProcess:
        env = dict(os.environ, KUBECONFIG=self.s.kubeconfig)
        proc = subprocess.run(args, cwd=cwd, input=input, capture_output=True, text=True, env=env)
        self.log(proc.stdout + proc.stderr, raw=True)
        if check and proc.returncode != 0:
            raise Failure(f"{os.path.basename(args[0])} {' '.join(args[1:3])} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
        return proc

    def install_kubeconfig(self, path: str) -> None:
        """For the admin user's own kubectl on the bastion."""
        target = os.path.join(self.s.home, ".kube", "config")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target)
        os.chmod(target, 0o600)
