"""The planner on tables of scenarios: what EC2 and the cluster report in, the ordered actions out.
Hosts are named after the node and the last six hex digits of its instance ID (a1 -> ...0000a1)."""
import unittest

from k8slab_converge.model import Cluster, ClusterNode, DesiredNode, Instance, Request, parse_request, RequestError
from k8slab_converge.planner import plan


def iid(short):
    return "i-" + short.rjust(17, "0")


def request(nodes, **settings):
    """nodes: "cp-1=a1 worker-1=b1" (name=instance)."""
    desired = []
    for item in nodes.split():
        name, instance = item.split("=")
        desired.append(DesiredNode(name, "control-plane" if name.startswith("cp-") else "worker", iid(instance)))
    return Request(id="r", signal="http://signal", nodes=tuple(desired), kubespray="v2.31.0", kubernetes="1.35.4", **settings)


def instances(spec):
    """"cp-1=a1 worker-1=b1:terminated" -> every instance of the lab (running unless said)."""
    result = {}
    for item in spec.split():
        name, rest = item.split("=")
        short, _, state = rest.partition(":")
        result[iid(short)] = Instance(iid(short), name, "control-plane" if name.startswith("cp-") else "worker",
                                      state or "running", f"10.0.0.{len(result) + 10}")
    return result


def cluster(spec, via="a1", kubespray="v2.31.0", **flags):
    """"cp-1=a1 worker-1=b1:notready:cordoned" -> the cluster's nodes. Control-plane nodes are tainted
    unless flags say untainted=True; kubelets run 1.35.4 unless kubelet= says otherwise."""
    nodes = {}
    for item in spec.split():
        name, rest = item.split("=")
        short, *marks = rest.split(":")
        host = f"{name}-{iid(short)[-6:]}"
        cp = name.startswith("cp-")
        nodes[host] = ClusterNode(host, "10.0.0.1", "notready" not in marks, cp, "cordoned" in marks,
                                  cp and not flags.get("untainted"), "v" + flags.get("kubelet", "1.35.4"))
    return Cluster(via=iid(via), nodes=nodes, kubespray=kubespray, kubernetes=flags.get("kubelet", "1.35.4"))


def actions(p):
    return [str(a) for a in p.actions]


CP = "cp-1-0000a1"


class PlannerTables(unittest.TestCase):
    maxDiff = None

    def test_scenarios(self):
        table = [
            ("first deploy",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"), None,
             ["prepare cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "cluster first deploy",
              "wait-ready cp-1-0000a1 worker-1-0000b1 worker-2-0000b2", "record"]),
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
            ("the control plane replaced: rebuild, resetting the workers joined to the old cluster",
             request("cp-1=a2 worker-1=b1"), instances("cp-1=a1 cp-1=a2 worker-1=b1"), cluster("cp-1=a1 worker-1=b1", via="a1"),
             ["prepare cp-1-0000a2 worker-1-0000b1", "reset worker-1-0000b1 the control plane changed: the cluster is rebuilt",
              "cluster rebuild", "wait-ready cp-1-0000a2 worker-1-0000b1", "record"]),
            ("kubespray moved: upgrade before anything joins",
             request("cp-1=a1 worker-1=b1 worker-2=b2"), instances("cp-1=a1 worker-1=b1 worker-2=b2"),
             cluster("cp-1=a1 worker-1=b1", kubespray="v2.30.0", kubelet="1.34.2"),
             ["prepare worker-2-0000b2", "upgrade kubespray v2.30.0 -> v2.31.0, Kubernetes 1.35.4", "facts",
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


class RequestParsing(unittest.TestCase):
    header = '{"id":"abc","signal":"http://s","parts":2,"settings":{"kubespray":"v2.31.0","kubernetes":"1.35.4","maxSurge":2,"forks":9}}'

    def test_parts_join_into_one_node_set(self):
        r = parse_request(self.header, ['{"id":"abc","control-plane":{"cp-1":"i-1"}}', '{"id":"abc","worker":{"worker-1":"i-2"}}'])
        self.assertEqual([("cp-1", "control-plane", "i-1"), ("worker-1", "worker", "i-2")],
                         [(n.name, n.role, n.instance_id) for n in r.nodes])
        self.assertEqual((2, 9), (r.max_surge, r.forks))

    def test_a_part_of_another_deploy_is_refused(self):
        with self.assertRaisesRegex(RequestError, "part 2 belongs to request old"):
            parse_request(self.header, ['{"id":"abc"}', '{"id":"old"}'])
        with self.assertRaisesRegex(RequestError, "not JSON"):
            parse_request(self.header, ['{"id":"abc"}', ''])


if __name__ == "__main__":
    unittest.main()
