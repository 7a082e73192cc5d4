"""The planner on tables of scenarios: what EC2 and the cluster report in, the ordered actions out.
Hosts are named after the node and the last six hex digits of its instance ID (a1 -> ...0000a1)."""
import unittest

from k8slab_converge.model import Cluster, ClusterNode, DesiredNode, Instance, Request
from k8slab_converge.planner import plan
from lab import group_vars

def iid(short):
    return "i-" + short.rjust(17, "0")


def request(nodes, kubernetes="1.35.4", plugin="calico", addons=(), pod_cidr="10.233.64.0/18",
            service_cidr="10.233.0.0/18", node_prefix=24, **settings):
    """nodes: "cp-1=a1 worker-1=b1" (name=instance)."""
    desired = []
    for item in nodes.split():
        name, instance = item.split("=")
        desired.append(DesiredNode(name, "control-plane" if name.startswith("cp-") else "worker", iid(instance)))
    return Request(id="r", signal="http://signal", nodes=tuple(desired), kubespray="v2.31.0", kubernetes=kubernetes,
                   network_plugin=plugin, pod_cidr=pod_cidr, service_cidr=service_cidr, node_prefix=node_prefix,
                   addons=tuple(sorted(addons)),
                   given_group_vars=group_vars(kubernetes, plugin, addons, pod_cidr, service_cidr, node_prefix), **settings)


def instances(spec):
    """"cp-1=a1 worker-1=b1:terminated" -> every instance of the lab (running unless said)."""
    result = {}
    for item in spec.split():
        name, rest = item.split("=")
        short, _, state = rest.partition(":")
        result[iid(short)] = Instance(iid(short), name, "control-plane" if name.startswith("cp-") else "worker",
                                      state or "running", f"10.0.0.{len(result) + 10}")
    return result


def record(kubernetes="1.35.4", **settings):
    """What a convergence of request(..., **settings) recorded."""
    r = request("", kubernetes=kubernetes, **settings)
    return {"kubernetes": kubernetes, "network": r.network, "fingerprint": r.fingerprint, "addons": r.addons}


def cluster(spec, via="a1", kubespray="v2.31.0", recorded=None, **flags):
    """"cp-1=a1 worker-1=b1:notready:cordoned:v1.34.6" -> the cluster's nodes. Control-plane nodes are
    tainted unless flags say untainted=True; kubelets run kubelet= (1.35.4) unless the node says; the
    record is record(kubelet) unless recorded= gives another."""
    nodes = {}
    kubelet = flags.get("kubelet", "1.35.4")
    for item in spec.split():
        name, rest = item.split("=")
        short, *marks = rest.split(":")
        host = f"{name}-{iid(short)[-6:]}"
        cp = name.startswith("cp-")
        own = [m for m in marks if m.startswith("v")]
        nodes[host] = ClusterNode(host, "10.0.0.1", "notready" not in marks, cp, "cordoned" in marks,
                                  cp and not flags.get("untainted"), own[0] if own else "v" + kubelet)
    return Cluster(via=iid(via), nodes=nodes, kubespray=kubespray, **(record(kubelet) if recorded is None else recorded))


def actions(p):
    return [str(a) for a in p.actions]


CP = "cp-1-0000a1"


class PlannerTables(unittest.TestCase):
    maxDiff = None

    def test_scenarios(self):
        table = [
            ("first deploy",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"), None,
             ["prepare cp-1-0000a1 worker-1-0000b1 worker-2-0000b2",
              "reset-stale worker-1-0000b1 worker-2-0000b2 any still joined to a cluster whose control plane is gone",
              "cluster first deploy", "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
            ("first deploy without workers: nothing can be stale",
             request("cp-1=a1"), instances("cp-1=a1"), None,
             ["prepare cp-1-0000a1", "cluster first deploy", "wait-ready cp-1-0000a1", "record"]),
            ("nothing changed",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 worker-1=b1"), cluster("cp-1=a1 worker-1=b1"),
             ["wait-ready cp-1-0000a1 worker-1-0000b1"]),
            ("scale out",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"), cluster("cp-1=a1 worker-1=b1"),
             ["prepare worker-2-0000b2", "facts", "scale worker-2-0000b2 added", "wait-ready worker-2-0000b2",
              "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
            ("scale in: drained, then removed in one run",
             request("cp-1=a1"), instances("cp-1=a1 worker-1=b1 worker-2=b2"), cluster("cp-1=a1 worker-1=b1 worker-2=b2"),
             ["untaint cp-1-0000a1 no workers: pods schedule on the control plane",
              "cordon worker-1-0000b1", "drain worker-1-0000b1", "cordon worker-2-0000b2", "drain worker-2-0000b2",
              "remove worker-1-0000b1 worker-2-0000b2 no longer requested", "wait-ready cp-1-0000a1", "record"]),
            ("0 -> 2 workers: the control plane is tainted once workers are Ready",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"), cluster("cp-1=a1", untainted=True),
             ["prepare worker-1-0000b1 worker-2-0000b2", "facts", "scale worker-1-0000b1 worker-2-0000b2 added",
              "wait-ready worker-1-0000b1 worker-2-0000b2", "taint cp-1-0000a1 workers are Ready: the control plane runs no workloads",
              "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
            ("every worker replaced, maxSurge 1",
             request("cp-1=a1 worker-1=c1 worker-2=c2"), instances("cp-1=a1 worker-1=b1 worker-2=b2 worker-1=c1 worker-2=c2"),
             cluster("cp-1=a1 worker-1=b1 worker-2=b2"),
             ["prepare worker-1-0000c1 worker-2-0000c2", "facts",
              "scale worker-1-0000c1 successors join first", "wait-ready worker-1-0000c1",
              "cordon worker-1-0000b1", "drain worker-1-0000b1", "remove worker-1-0000b1 replaced",
              "wait-ready cp-1-0000a1 worker-1-0000c1",
              "scale worker-2-0000c2 successors join first", "wait-ready worker-2-0000c2",
              "cordon worker-2-0000b2", "drain worker-2-0000b2", "remove worker-2-0000b2 replaced",
              "wait-ready cp-1-0000a1 worker-1-0000c1 worker-2-0000c2",
              "wait-ready cp-1-0000a1 worker-1-0000c1 worker-2-0000c2", "record"]),
            ("every worker replaced, maxSurge 2: one batch, one removal run",
             request("cp-1=a1 worker-1=c1 worker-2=c2", max_surge=2), instances("cp-1=a1 worker-1=b1 worker-2=b2 worker-1=c1 worker-2=c2"),
             cluster("cp-1=a1 worker-1=b1 worker-2=b2"),
             ["prepare worker-1-0000c1 worker-2-0000c2", "facts",
              "scale worker-1-0000c1 worker-2-0000c2 successors join first", "wait-ready worker-1-0000c1 worker-2-0000c2",
              "cordon worker-1-0000b1", "drain worker-1-0000b1", "cordon worker-2-0000b2", "drain worker-2-0000b2",
              "remove worker-1-0000b1 worker-2-0000b2 replaced",
              "wait-ready cp-1-0000a1 worker-1-0000c1 worker-2-0000c2",
              "wait-ready cp-1-0000a1 worker-1-0000c1 worker-2-0000c2", "record"]),
            ("a dead worker leaves ungracefully first, a live one drains",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2:terminated"),
             cluster("cp-1=a1 worker-1=b1 worker-2=b2:notready"),
             ["remove-dead worker-2-0000b2 instance gone: ungraceful removal", "wait-ready cp-1-0000a1 worker-1-0000b1", "record"]),
            ("a node the cluster knows but EC2 forgot (long terminated) is dead too",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 worker-1=b1"),
             cluster("cp-1=a1 worker-1=b1 worker-9=f9:notready"),
             ["remove-dead worker-9-0000f9 instance gone: ungraceful removal", "wait-ready cp-1-0000a1 worker-1-0000b1", "record"]),
            ("rollback: the old instances are requested again while the new ones still run",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 worker-1=b1 worker-1=c1"),
             cluster("cp-1=a1 worker-1=b1:cordoned worker-1=c1"),
             ["uncordon worker-1-0000b1 requested again", "cordon worker-1-0000c1", "drain worker-1-0000c1",
              "remove worker-1-0000c1 no longer requested", "wait-ready cp-1-0000a1 worker-1-0000b1", "record"]),
            ("a successor that registered but is NotReady (a run stopped inside scale.yml) is scaled again, "
             "and its predecessor waits for it",
             request("cp-1=a1 worker-1=c1"), instances("cp-1=a1 worker-1=b1 worker-1=c1"),
             cluster("cp-1=a1 worker-1=b1 worker-1=c1:notready"),
             ["prepare worker-1-0000c1", "facts", "scale worker-1-0000c1 successors join first", "wait-ready worker-1-0000c1",
              "cordon worker-1-0000b1", "drain worker-1-0000b1", "remove worker-1-0000b1 replaced",
              "wait-ready cp-1-0000a1 worker-1-0000c1", "wait-ready cp-1-0000a1 worker-1-0000c1", "record"]),
            ("an added worker that registered NotReady is scaled again, not taken for a member",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"),
             cluster("cp-1=a1 worker-1=b1 worker-2=b2:notready"),
             ["prepare worker-2-0000b2", "facts", "scale worker-2-0000b2 added", "wait-ready worker-2-0000b2",
              "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
            ("rollback with a successor already gone: the uncordon comes before the dead node's removal",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 worker-1=b1 worker-1=c1:terminated"),
             cluster("cp-1=a1 worker-1=b1:cordoned worker-1=c1:notready"),
             ["uncordon worker-1-0000b1 requested again", "remove-dead worker-1-0000c1 instance gone: ungraceful removal",
              "wait-ready cp-1-0000a1 worker-1-0000b1", "record"]),
            ("the control plane replaced: its successor joins and is validated before it leaves; no reset",
             request("cp-1=a2 worker-1=b1"), instances("cp-1=a1 cp-1=a2 worker-1=b1"), cluster("cp-1=a1 worker-1=b1", via="a1"),
             ["snapshot cp-1-0000a1 etcd, before the control plane changes", "prepare cp-1-0000a2",
              "join-control-plane cp-1-0000a2 replaces cp-1-0000a1 (1/1): etcd member 2",
              "restart-proxy every node's nginx-proxy loads the new members",
              "wait-ready worker-1-0000b1 cp-1-0000a1 cp-1-0000a2", "check-etcd cp-1-0000a1 2 members",
              "reorder cp-1-0000a2 cp-1-0000a1 leaves the first place of kube_control_plane and etcd",
              "cordon cp-1-0000a1", "drain cp-1-0000a1", "remove cp-1-0000a1 replaced",
              "cluster-info cp-1-0000a2 kube-public/cluster-info names a live API server",
              "wait-ready worker-1-0000b1 cp-1-0000a2", "check-etcd cp-1-0000a2 1 members",
              "cluster the control plane changed: every node's configuration names its members",
              "restart-proxy every node's nginx-proxy loads the members", "wait-ready cp-1-0000a2 worker-1-0000b1", "record"]),
            ("controlPlane.count 1 -> 3: members added one at a time, each validated",
             request("cp-1=a1 cp-2=a2 cp-3=a3 worker-1=b1"), instances("cp-1=a1 cp-2=a2 cp-3=a3 worker-1=b1"),
             cluster("cp-1=a1 worker-1=b1"),
             ["snapshot cp-1-0000a1 etcd, before the control plane changes", "prepare cp-2-0000a2 cp-3-0000a3",
              "join-control-plane cp-2-0000a2 added (1/2): etcd member 2",
              "restart-proxy every node's nginx-proxy loads the new members",
              "wait-ready cp-1-0000a1 worker-1-0000b1 cp-2-0000a2", "check-etcd cp-1-0000a1 2 members",
              "join-control-plane cp-3-0000a3 added (2/2): etcd member 3",
              "restart-proxy every node's nginx-proxy loads the new members",
              "wait-ready cp-1-0000a1 worker-1-0000b1 cp-2-0000a2 cp-3-0000a3", "check-etcd cp-1-0000a1 3 members",
              "cluster the control plane changed: every node's configuration names its members",
              "restart-proxy every node's nginx-proxy loads the members",
              "wait-ready cp-1-0000a1 cp-2-0000a2 cp-3-0000a3 worker-1-0000b1", "record"]),
            ("controlPlane.count 3 -> 1: members removed one at a time, never the first",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 cp-2=a2 cp-3=a3 worker-1=b1"),
             cluster("cp-1=a1 cp-2=a2 cp-3=a3 worker-1=b1"),
             ["snapshot cp-1-0000a1 etcd, before the control plane changes",
              "restart-proxy every node's nginx-proxy loads the members",
              "cordon cp-2-0000a2", "drain cp-2-0000a2", "remove cp-2-0000a2 no longer requested",
              "cluster-info cp-1-0000a1 kube-public/cluster-info names a live API server",
              "wait-ready cp-1-0000a1 worker-1-0000b1 cp-3-0000a3", "check-etcd cp-1-0000a1 2 members",
              "restart-proxy every node's nginx-proxy loads the members", "cordon cp-3-0000a3", "drain cp-3-0000a3", "remove cp-3-0000a3 no longer requested",
              "cluster-info cp-1-0000a1 kube-public/cluster-info names a live API server",
              "wait-ready cp-1-0000a1 worker-1-0000b1", "check-etcd cp-1-0000a1 1 members",
              "cluster the control plane changed: every node's configuration names its members",
              "restart-proxy every node's nginx-proxy loads the members", "wait-ready cp-1-0000a1 worker-1-0000b1", "record"]),
            ("kubespray moved: upgrade before anything joins",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"),
             cluster("cp-1=a1 worker-1=b1", kubespray="v2.30.0", kubelet="1.34.2"),
             ["prepare worker-2-0000b2", "facts",
              "upgrade-control-plane cp-1-0000a1 kubespray v2.30.0 -> v2.31.0, Kubernetes 1.34.2 -> 1.35.4: control plane and etcd first",
              "wait-ready cp-1-0000a1 worker-1-0000b1",
              "cordon worker-1-0000b1", "drain worker-1-0000b1", "upgrade worker-1-0000b1 Kubernetes 1.35.4",
              "uncordon worker-1-0000b1 upgraded", "wait-ready cp-1-0000a1 worker-1-0000b1",
              "scale worker-2-0000b2 added", "wait-ready worker-2-0000b2",
              "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
            ("a dead control-plane node fails the deploy with the way back",
             request("cp-1=a1 worker-1=b1"), instances("cp-1=a1:terminated worker-1=b1"), None,
             ["fail control-plane node cp-1 (i-000000000000000a1) is not running: the cluster cannot converge without it; "
              "to get it back, add 1 to controlPlane.generations.cp-1 in the environment file and deploy"]),
        ]
        for name, req, inst, clu, expected in table:
            with self.subTest(name):
                self.assertEqual(expected, actions(plan(req, inst, clu)))

    def test_no_more_than_max_surge_extra_nodes_at_any_step(self):
        for surge in (1, 2, 3, 5):
            req = request("cp-1=a1 " + " ".join(f"worker-{i}=c{i}" for i in range(1, 6)), max_surge=surge)
            inst = instances("cp-1=a1 " + " ".join(f"worker-{i}=b{i} worker-{i}=c{i}" for i in range(1, 6)))
            clu = cluster("cp-1=a1 " + " ".join(f"worker-{i}=b{i}" for i in range(1, 6)))
            members = set(clu.nodes)
            for action in plan(req, inst, clu).actions:
                if action.kind == "scale":
                    members |= set(action.hosts)
                if action.kind == "drain":
                    successor = [h for h in members if h.startswith(action.hosts[0].rsplit("-", 1)[0] + "-0000c")]
                    self.assertEqual(1, len(successor), f"{action} before its successor joined")
                if action.kind in ("remove", "remove-dead"):
                    members -= set(action.hosts)
                self.assertLessEqual(len(members) - 6, surge, str(action))
            self.assertEqual({h for h in members}, {n.host for n in req.nodes})

    def test_dead_requested_workers_are_noted_and_never_block(self):
        p = plan(request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2:terminated"),
                 cluster("cp-1=a1 worker-1=b1 worker-2=b2:notready"))
        self.assertNotIn("fail", [a.kind for a in p.actions])
        self.assertEqual(["worker-2 (i-000000000000000b2) is terminated; to get it back, add 1 to workers.generations.worker-2 "
                          "in the environment file and deploy"], p.notes)

    def test_without_workers_the_control_plane_is_kube_node(self):
        self.assertTrue(plan(request("cp-1=a1"), instances("cp-1=a1"), None).schedule_on_control_plane)
        self.assertFalse(plan(request("cp-1=a1 worker-1=b1"), instances("cp-1=a1 worker-1=b1"), None).schedule_on_control_plane)


LAB = "cp-1=a1 worker-1=b1 worker-2=b2 worker-3=b3"
HOSTS = "cp-1-0000a1 worker-1-0000b1 worker-2-0000b2 worker-3-0000b3"


def upgrade_of(workers, version="1.35.4"):
    """The rolling steps of one batch of workers."""
    steps = []
    for w in workers:
        steps += [f"cordon {w}", f"drain {w}"]
    return steps + [f"upgrade {' '.join(workers)} Kubernetes {version}", f"uncordon {' '.join(workers)} upgraded", f"wait-ready {HOSTS}"]


class KubernetesSettings(unittest.TestCase):
    """The kubernetes: section against the cluster's record: upgrades, refusals, rebuilds, add-ons."""
    maxDiff = None

    def test_an_upgrade_runs_the_control_plane_first_then_the_workers_rolling(self):
        table = [
            ("maxSurge 1: one worker at a time", 1,
             [["worker-1-0000b1"], ["worker-2-0000b2"], ["worker-3-0000b3"]]),
            ("maxSurge 2: two at a time", 2, [["worker-1-0000b1", "worker-2-0000b2"], ["worker-3-0000b3"]]),
        ]
        for name, surge, batches in table:
            with self.subTest(name):
                p = plan(request(LAB, max_surge=surge), instances(LAB), cluster(LAB, kubelet="1.34.6"))
                expected = ["facts", "upgrade-control-plane cp-1-0000a1 Kubernetes 1.34.6 -> 1.35.4: control plane and etcd first",
                            f"wait-ready {HOSTS}"]
                for batch in batches:
                    expected += upgrade_of(batch)
                self.assertEqual(expected + [f"wait-ready {HOSTS}", "record"], actions(p))

    def test_without_workers_the_control_plane_upgrade_is_all(self):
        p = plan(request("cp-1=a1 cp-2=a2 cp-3=a3"), instances("cp-1=a1 cp-2=a2 cp-3=a3"),
                 cluster("cp-1=a1 cp-2=a2 cp-3=a3", kubelet="1.34.6", untainted=True))
        self.assertEqual(["facts", "upgrade-control-plane cp-1-0000a1 cp-2-0000a2 cp-3-0000a3 Kubernetes 1.34.6 -> 1.35.4: "
                          "control plane and etcd first", "wait-ready cp-1-0000a1 cp-2-0000a2 cp-3-0000a3",
                          "wait-ready cp-1-0000a1 cp-2-0000a2 cp-3-0000a3", "record"], actions(p))

    def test_an_upgrade_with_replaced_workers_upgrades_only_those_that_stay_and_comes_first(self):
        p = plan(request("cp-1=a1 worker-1=b1 worker-2=c2"), instances("cp-1=a1 worker-1=b1 worker-2=b2 worker-2=c2"),
                 cluster("cp-1=a1 worker-1=b1 worker-2=b2", kubelet="1.34.6"))
        kinds = [str(a) for a in p.actions]
        self.assertEqual("prepare worker-2-0000c2", kinds[0])
        self.assertEqual(["upgrade worker-1-0000b1 Kubernetes 1.35.4"], [a for a in kinds if a.startswith("upgrade ")])
        self.assertLess(kinds.index("upgrade worker-1-0000b1 Kubernetes 1.35.4"), kinds.index("scale worker-2-0000c2 successors join first"))
        self.assertEqual(1, kinds.count("facts"))

    def test_refusals_come_before_any_action_and_leave_the_cluster(self):
        # The wording is k8slab_converge.changes' (the preview's too): test_changes holds each rule to it.
        calico_then_cilium = ("networkPlugin calico → cilium rebuilds the running cluster (reset, then cluster.yml: workloads "
                              "are lost), and kubernetes.allowRebuild is not true: the convergence refuses it and leaves the "
                              "cluster as it was")
        table = [
            ("a downgrade", request(LAB, kubernetes="1.34.6"), cluster(LAB),
             "kubernetes.version 1.34.6 is older than the running 1.35.4: a downgrade, which the convergence refuses: "
             "set kubernetes.version back to 1.35.4"),
            ("a patch downgrade", request(LAB, kubernetes="1.35.3"), cluster(LAB), "1.35.3 is older than the running 1.35.4"),
            ("a skipped minor", request(LAB), cluster(LAB, kubelet="1.33.7"),
             "kubernetes.version 1.33.7 → 1.35.4 skips a minor version, which the convergence refuses: upgrade one minor "
             "at a time: 1.34.x, then 1.35.4, a deploy each; it leaves the cluster as it was"),
            ("a major version", request(LAB, kubernetes="2.0.0"), cluster(LAB),
             "kubernetes.version 1.35.4 → 2.0.0 changes the major version, which the convergence refuses"),
            ("another network plugin", request(LAB, plugin="cilium"), cluster(LAB), calico_then_cilium),
            ("other ranges", request(LAB, pod_cidr="10.100.0.0/16", service_cidr="10.101.0.0/18", node_prefix=25), cluster(LAB),
             "podCidr 10.233.64.0/18 → 10.100.0.0/16, serviceCidr 10.233.0.0/18 → 10.101.0.0/18, "
             "nodePrefix 24 → 25 rebuilds the running cluster"),
            ("a network change and a downgrade: allowRebuild is the first thing to say", request(LAB, plugin="cilium", kubernetes="1.34.6"),
             cluster(LAB), calico_then_cilium),
            ("a dead worker does not go first", request(LAB, kubernetes="1.34.6"), cluster(LAB), "a downgrade"),
        ]
        for name, req, clu, reason in table:
            with self.subTest(name):
                inst = instances(LAB.replace("b3", "b3:terminated") if "dead" in name else LAB)
                p = plan(req, inst, clu)
                self.assertEqual(["fail"], [a.kind for a in p.actions])
                self.assertIn(reason, p.actions[0].detail)

    def test_a_network_change_with_allow_rebuild_rebuilds(self):
        p = plan(request(LAB, plugin="cilium", allow_rebuild=True), instances(LAB), cluster(LAB))
        self.assertEqual([f"prepare {HOSTS}",
                          f"reset {HOSTS} kubernetes.networkPlugin calico -> cilium: the cluster is rebuilt (kubernetes.allowRebuild)",
                          "cluster rebuild", f"wait-ready {HOSTS}", "record"], actions(p))
        # A rebuild makes a new cluster: a lower version is no downgrade of anything.
        p = plan(request(LAB, plugin="flannel", kubernetes="1.34.6", allow_rebuild=True), instances(LAB), cluster(LAB))
        self.assertEqual("cluster rebuild", str(p.actions[2]))

    def test_allow_rebuild_alone_changes_nothing(self):
        self.assertEqual([f"wait-ready {HOSTS}"], actions(plan(request(LAB, allow_rebuild=True), instances(LAB), cluster(LAB))))

    def test_an_addon_switched_on_reruns_cluster_yml_without_draining(self):
        for addons in (("metricsServer",), ("helm", "localPathProvisioner", "metricsServer")):
            with self.subTest(addons=addons):
                p = plan(request(LAB, addons=addons), instances(LAB), cluster(LAB))
                self.assertEqual(["cluster kubespray variables changed (add-ons): applied, no node drained",
                                  f"wait-ready {HOSTS}", "record"], actions(p))
        # Switched off again: the same run (kubespray's variables changed).
        p = plan(request(LAB), instances(LAB), cluster(LAB, recorded=record(addons=("helm",))))
        self.assertEqual("cluster", p.actions[0].kind)

    def test_an_upgrade_applies_the_addons_itself(self):
        p = plan(request(LAB, addons=("helm",)), instances(LAB), cluster(LAB, kubelet="1.34.6"))
        self.assertNotIn("cluster", [a.kind for a in p.actions])
        self.assertEqual("record", p.actions[-1].kind)

    def test_a_record_from_before_the_kubernetes_section(self):
        old = {"kubernetes": "1.35.4"}  # kubespray, kubernetes and request only
        # Its pod range and prefix came from the request then: nothing to refuse, the record is completed.
        p = plan(request(LAB, pod_cidr="10.100.0.0/16", node_prefix=25), instances(LAB), cluster(LAB, recorded=old))
        self.assertEqual([f"wait-ready {HOSTS}", "record"], actions(p))
        # Its plugin and service range were kubespray's defaults.
        p = plan(request(LAB, plugin="cilium"), instances(LAB), cluster(LAB, recorded=old))
        self.assertEqual(["fail"], [a.kind for a in p.actions])
        # No add-on could be on: switching one on applies it.
        p = plan(request(LAB, addons=("helm",)), instances(LAB), cluster(LAB, recorded=old))
        self.assertEqual("cluster", p.actions[0].kind)

    def test_a_rollback_after_a_part_done_upgrade_downgrades_nothing(self):
        # The upgrade to 1.35.4 failed after the control plane: the record still says 1.34.6.
        p = plan(request(LAB, kubernetes="1.34.6"), instances(LAB),
                 cluster("cp-1=a1:v1.35.4 worker-1=b1 worker-2=b2 worker-3=b3", kubelet="1.34.6"))
        self.assertEqual([f"wait-ready {HOSTS}"], actions(p))
        self.assertEqual(["cp-1-0000a1 runs Kubernetes 1.35.4, newer than the requested 1.34.6 (an upgrade got that far; "
                          "kubeadm does not downgrade): deploy that version to finish it"], p.notes)
        # Deploying 1.35.4 again finishes it: the control plane run again, then every older worker.
        p = plan(request(LAB), instances(LAB), cluster("cp-1=a1:v1.35.4 worker-1=b1:v1.35.4 worker-2=b2 worker-3=b3",
                                                       kubelet="1.34.6"))
        self.assertEqual(["upgrade worker-2-0000b2 Kubernetes 1.35.4", "upgrade worker-3-0000b3 Kubernetes 1.35.4"],
                         [str(a) for a in p.actions if a.kind == "upgrade"])
        self.assertEqual("upgrade-control-plane", p.actions[1].kind)

    def test_a_changed_control_plane_is_held_to_the_settings_rules(self):
        # It used to rebuild whatever the settings: now it rolls, so a refused change stays refused.
        p = plan(request("cp-1=a2 worker-1=b1", plugin="cilium", kubernetes="1.34.6"), instances("cp-1=a1 cp-2=a2 worker-1=b1"),
                 cluster("cp-1=a1 worker-1=b1"))
        self.assertEqual(["fail"], [a.kind for a in p.actions])
        self.assertNotIn("reset", [a.kind for a in p.actions])


class Renamed(unittest.TestCase):
    def test_a_member_under_an_older_name_at_a_requested_address_is_refused_without_allow_rebuild(self):
        # "cp-1" as a lab from before node names called it, on the instance now requested as cp-1-0000a1.
        inst = instances("cp-1=a1")
        address = next(iter(inst.values())).ip
        old = Cluster(via=iid("a1"), nodes={"cp-1": ClusterNode("cp-1", address, True, True)})
        p = plan(request("cp-1=a1"), inst, old)
        self.assertEqual(["fail"], [a.kind for a in p.actions])
        self.assertIn("cp-1 is requested nodes under an older name", p.actions[0].detail)
        p = plan(request("cp-1=a1", allow_rebuild=True), inst, old)
        self.assertEqual(["prepare", "reset", "cluster", "wait-ready", "record"], [a.kind for a in p.actions])


class Restore(unittest.TestCase):
    def test_no_cluster_and_a_snapshot_restores_onto_the_first_control_plane_node(self):
        p = plan(request("cp-1=a2 cp-2=a3 cp-3=a4 worker-1=b1"), instances("cp-1=a1:terminated cp-1=a2 cp-2=a3 cp-3=a4 worker-1=b1"),
                 None, snapshot="s3://bucket/dev/etcd/20261204T101010Z-r1.tar.gz")
        self.assertEqual(["prepare", "restore", "cluster", "restore-etcd", "cluster-info", "restart-proxy", "taint",
                          "join-control-plane", "restart-proxy", "wait-ready", "check-etcd",
                          "join-control-plane", "restart-proxy", "wait-ready", "check-etcd", "wait-ready", "record"],
                         [a.kind for a in p.actions])
        self.assertEqual(["cp-1-0000a2"], p.control_plane)
        self.assertEqual(["cp-2-0000a3", "cp-3-0000a4"], p.joining, "the other members join the restored one, one at a time")
        self.assertNotIn("reset-stale", [a.kind for a in p.actions])

    def test_no_cluster_and_no_snapshot_deploys_and_resets_nothing_by_itself(self):
        p = plan(request("cp-1=a2 worker-1=b1"), instances("cp-1=a2 worker-1=b1"), None)
        self.assertEqual(["prepare", "reset-stale", "cluster", "wait-ready", "record"], [a.kind for a in p.actions])


class RequestFingerprint(unittest.TestCase):
    # Reading the request (parse_request, the schema) is test_request's.
    def test_the_fingerprint_follows_every_variable(self):
        base = request("cp-1=a1").fingerprint
        self.assertEqual(base, request("cp-1=a1").fingerprint)
        self.assertNotEqual(base, request("cp-1=a1", addons=("helm",)).fingerprint)
        self.assertNotEqual(base, request("cp-1=a1", kubernetes="1.35.3").fingerprint)


if __name__ == "__main__":
    unittest.main()
