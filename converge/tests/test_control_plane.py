"""Control-plane scenarios (issue 18): the control plane rolls one etcd member at a time, against the
AWS emulator (moto) with the stand-ins, whose etcd model (membership, started members, quorum, the
member add and remove checks) cites the files it comes from (standins/cluster_model.py)."""
import sys
import unittest

from lab import STANDINS, Lab, require_emulator

sys.path.insert(0, STANDINS)
import cluster_model  # noqa: E402


class ControlPlane(unittest.TestCase):
    def setUp(self):
        require_emulator()

    def assertSignal(self, lab, status, deploy_status):
        self.assertEqual(status, deploy_status, lab.last_output + lab.log()[-3000:])

    def assertRolled(self, lab, mark, calls, requested):
        """At every step since mark: etcd has quorum; every workload keeps a Ready replica on a Ready
        node; at most one node beyond requested (the larger of the counts before and after); nothing reset. At the end: the cluster is the
        requested nodes, its etcd members the requested control plane, cluster-info names a live API
        server, nothing left cordoned, and a snapshot was taken before the first membership change."""
        history = lab.model()["history"][mark:]
        for step in history:
            if step.get("etcd"):
                self.assertTrue(step["etcd"]["quorum"], f"{step['event']}: etcd without quorum: {step['etcd']}")
            for workload in {cluster_model.workload_of(p) for p in step.get("pods", {})}:
                self.assertTrue([p for p, n in step["pods"].items() if cluster_model.workload_of(p) == workload and step["nodes"].get(n)],
                                f"{step['event']}: {workload} has no Ready replica on a Ready node: {step['pods']} {step['nodes']}")
            self.assertLessEqual(len(step["nodes"]) - requested, 1, f"{step['event']}: {step['nodes']}")
            self.assertFalse(step["event"].startswith("reset"), f"{step['event']}: a reset")
        books = [c["book"] for c in lab.playbooks(calls)]
        self.assertNotIn("reset.yml", books)
        events = [s["event"] for s in history]
        changes = [i for i, e in enumerate(events) if e.startswith(("etcd member add", "etcd member remove"))]
        snapshots = [i for i, e in enumerate(events) if e.startswith("etcd snapshot")]
        if changes:
            self.assertTrue(snapshots and snapshots[0] < changes[0], f"no snapshot before the first membership change: {events}")
        model = lab.model()
        key = lab.server()
        cluster = model["clusters"][key]
        self.assertEqual(lab.hosts(), sorted(cluster["nodes"]))
        self.assertEqual(lab.hosts("control-plane"), sorted(cluster["etcd"]))
        self.assertIn(cluster_model.cluster_info_server(cluster), cluster["etcd"].values())
        self.assertFalse([h for h, n in cluster["nodes"].items() if n["unschedulable"]], "left cordoned")
        self.assertEqual(1, len([k for k, c in model["clusters"].items() if set(c["etcd"]) & set(lab.hosts())]),
                         "one cluster, never a second one built beside it")
        return events

    def test_a_control_plane_user_data_change_with_one_and_with_three_members(self):
        for members in (1, 3):
            with self.subTest(controlPlaneCount=members):
                lab = Lab(self, workers=2, control_planes=members)
                self.assertSignal(lab, "SUCCESS", lab.deploy())
                lab.run_workload("web", replicas=2, min_available=1)
                old = lab.hosts("control-plane")
                calls, mark = len(lab.calls()), len(lab.model()["history"])
                self.assertSignal(lab, "SUCCESS", lab.deploy(replace=tuple(f"cp-{i}" for i in range(1, members + 1))))
                events = self.assertRolled(lab, mark, calls, requested=members + 2)
                self.assertTrue(set(old).isdisjoint(lab.hosts("control-plane")))
                # One member at a time: each successor added before its predecessor is removed, never two apart.
                membership = [e for e in events if e.startswith("etcd member")]
                self.assertEqual(2 * members, len(membership), membership)
                self.assertTrue(all(a.startswith("etcd member add") and b.startswith("etcd member remove")
                                    for a, b in zip(membership[::2], membership[1::2])), membership)
                # The workers' pods were never evicted by the roll: they stayed where they were.
                self.assertNotIn("drain worker", " ".join(events))

    def test_control_plane_count_one_to_three_to_one(self):
        lab = Lab(self, workers=1, control_planes=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        for count in (3, 1):
            calls, mark = len(lab.calls()), len(lab.model()["history"])
            before = len(lab.hosts())
            self.assertSignal(lab, "SUCCESS", lab.deploy(control_planes=count))
            # A scale-down starts above the requested count: never above where it started.
            events = self.assertRolled(lab, mark, calls, requested=max(before, count + 1))
            sizes = [len(s["etcd"]["members"]) for s in lab.model()["history"][mark:] if s.get("etcd")]
            self.assertEqual(count, sizes[-1])
            self.assertTrue(all(abs(a - b) <= 1 for a, b in zip(sizes, sizes[1:])), f"one member at a time: {sizes}")
            # An even number of members only while one is added or removed, with ignore_assert_errors.
            for call in lab.playbooks(calls):
                if call["book"] in ("cluster.yml", "remove-node.yml") and len(call["inventory"]["all"]["children"]["etcd"]["hosts"]) % 2 == 0:
                    self.assertEqual("yes", call["extra"].get("ignore_assert_errors"), call)
            self.assertEqual(count - 1 if count == 3 else 2, len([e for e in events if e.startswith("etcd member")]))
        # The control plane is tainted again: there are workers.
        self.assertTrue(all(n["tainted"] for n in lab.cluster().values() if n["cp"]))

    def test_an_image_repinned_rolls_the_control_plane_first_then_the_workers(self):
        lab = Lab(self, workers=2, control_planes=3)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("*",)))
        events = self.assertRolled(lab, mark, calls, requested=5)
        last_cp_change = max(i for i, e in enumerate(events) if e.startswith("etcd member"))
        first_worker_join = min(i for i, e in enumerate(events) if e.startswith("join worker"))
        self.assertLess(last_cp_change, first_worker_join, "the control plane rolls before any worker joins")

    def test_an_instance_type_change_rolls_instead_of_stopping_every_node(self):
        """A new type for both groups (spot workers, whose type EC2 cannot change while they are stopped):
        new instances of the new type, the control plane rolled first, then the workers surge-first;
        never fewer Ready workers than requested."""
        lab = Lab(self, workers=2, control_planes=1, spot=True)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(types={"control-plane": "t3.large", "worker": "t3.large"}))
        self.assertRolled(lab, mark, calls, requested=3)
        ids = [i for _, i in lab.nodes.values()]
        described = lab.ec2.describe_instances(InstanceIds=ids)["Reservations"]
        self.assertEqual({"t3.large"}, {i["InstanceType"] for r in described for i in r["Instances"]})
        workers = lab.hosts("worker")
        for step in lab.model()["history"][mark:]:
            ready = [h for h, up in step["nodes"].items() if up and h.startswith("worker-")]
            self.assertGreaterEqual(len(ready), 2, f"{step['event']}: fewer Ready workers than requested: {step['nodes']}")
        self.assertEqual(workers, sorted(lab.cluster().keys() - set(lab.hosts("control-plane"))))

    def test_the_first_node_of_the_inventory_replaced_then_a_worker_joins(self):
        """kubespray cannot remove the first control-plane node, and cluster-info still names it: the
        roll moves it from the first place, and points cluster-info at a live API server, or the next
        worker's kubeadm join would bootstrap against an address that no longer answers."""
        lab = Lab(self, workers=1, control_planes=3)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        first = lab.hosts("control-plane")[0]
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-1",)))
        self.assertRolled(lab, mark, calls, requested=4)
        removals = [c for c in lab.playbooks(calls) if c["book"] == "remove-node.yml"]
        self.assertEqual([first], [c["extra"]["node"] for c in removals])
        self.assertNotEqual(first, list(removals[0]["inventory"]["all"]["children"]["etcd"]["hosts"])[0])
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=2))
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))

    def test_a_successor_that_never_becomes_healthy_stops_the_roll(self):
        """A successor that is never Ready (one control plane) or whose etcd member never starts (three):
        the roll stops before its predecessor leaves, the deploy fails naming it, and the rollback's run
        takes the successor out of etcd and the cluster. Quorum holds throughout."""
        for members, how in ((1, "notready"), (3, "etcd")):
            with self.subTest(controlPlaneCount=members, fault=how):
                lab = Lab(self, workers=1, control_planes=members)
                self.assertSignal(lab, "SUCCESS", lab.deploy())
                lab.run_workload("web", replicas=2, min_available=1)
                old = lab.hosts()
                calls, mark = len(lab.calls()), len(lab.model()["history"])
                original = Lab.launch

                def launch_broken(this, name, role, original=original, how=how):
                    instance_id = original(this, name, role)
                    if name == "cp-1":
                        this.break_node(instance_id, how)
                    return instance_id
                Lab.launch = launch_broken
                try:
                    self.assertSignal(lab, "FAILURE", lab.deploy(replace=("cp-1",)))
                finally:
                    Lab.launch = original
                reason = lab.outcome["Reason"]
                self.assertTrue("not Ready" in reason or "etcd is not healthy" in reason, reason)
                self.assertEqual(0, lab.rollback_status, lab.last_output)
                self.assertEqual(old, lab.hosts())
                self.assertRolled(lab, mark, calls, requested=members + 1)
                self.assertNotIn("etcd member remove " + [h for h in old if h.startswith("cp-1")][0],
                                 [e["event"] for e in lab.model()["history"][mark:]], "the old member stays")

    def test_a_dead_single_control_plane_comes_back_from_its_snapshot(self):
        """The only control-plane instance dies; a new generation of cp-1 restores the cluster from the
        newest snapshot (the scheduled one): its CA (the workers keep their credentials: none is reset or
        joined again), its state (the workload of before the snapshot is back; the one created after it is
        lost, as the docs say). The scheduled snapshot skips while the newest is younger than snapshotHours."""
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        self.assertEqual(0, lab.snapshot(now=True), lab.last_output)
        self.assertIn("etcd snapshot:", lab.last_output)
        stored = lab.snapshots()
        self.assertEqual(1, len(stored), stored)
        self.assertTrue(next(iter(stored)).startswith(f"{lab.env}/etcd/"), stored)
        self.assertEqual(0, lab.snapshot(now=False), lab.last_output)
        self.assertIn("is younger than", lab.last_output)
        lab.run_workload("late", replicas=1, min_available=0)
        workers = lab.hosts("worker")
        lab.terminate(lab.nodes["cp-1"][1])
        lab.new_bastion()  # its disk gone too: the snapshot comes from the bucket
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-1",)))
        self.assertIn(f"the cluster's state was restored from s3://{lab.bucket}/{next(iter(stored))}", lab.outcome["Reason"])
        books = [c["book"] for c in lab.playbooks(calls)]
        self.assertNotIn("reset.yml", books)
        self.assertNotIn("scale.yml", books)
        self.assertEqual(["restore-pki.yml", "cluster.yml", "restore-etcd.yml"],
                         [b for b in books if b in ("restore-pki.yml", "cluster.yml", "restore-etcd.yml")][:3])
        cluster = lab.model()["clusters"][lab.server()]
        self.assertEqual(lab.hosts(), sorted(cluster["nodes"]))
        self.assertEqual(workers, lab.hosts("worker"), "the same worker instances")
        self.assertEqual({"web"}, set(cluster["workloads"]), "the state of the snapshot: web back, late lost")
        history = lab.model()["history"][mark:]
        self.assertFalse([h for h in history if h["event"].startswith("join worker")], "no worker joined again")
        self.assertTrue(all(n["tainted"] for n in cluster["nodes"].values() if n["cp"]))
        self.assertTrue(all(cluster_model.ready(n, set(lab.model()["running"]), cluster) for n in cluster["nodes"].values()))
        # A later worker joins: cluster-info names the new control plane, not the dead one.
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=3))
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))

    def test_a_dead_member_of_three_comes_back_through_generations(self):
        lab = Lab(self, workers=1, control_planes=3)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        lab.terminate(lab.nodes["cp-2"][1])
        self.assertSignal(lab, "FAILURE", lab.deploy())
        self.assertIn("controlPlane.generations.cp-2", lab.outcome["Reason"])
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-2",)))
        events = self.assertRolled(lab, mark, calls, requested=4)
        membership = [e for e in events if e.startswith("etcd member")]
        self.assertTrue(membership[0].startswith("etcd member remove cp-2"), membership)
        self.assertTrue(membership[1].startswith("etcd member add cp-2"), membership)
        removal = [c for c in lab.playbooks(calls) if c["book"] == "remove-node.yml"][0]
        self.assertEqual("false", removal["extra"]["reset_nodes"], "its instance is gone: no reset, no drain")

    def test_a_kill_at_each_step_of_a_control_plane_replacement(self):
        """The bastion's program killed at the first call of each step of a one-member roll; the timer's
        next run plans from what the cluster shows (the successor a member or not, the predecessor still
        there or not) and finishes, holding quorum throughout."""
        lab = Lab(self, workers=1, control_planes=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-1",)))
        steps = lab.plans[-1]
        for number, action in enumerate(steps, 1):
            with self.subTest(step=f"{number} {action.split()[0]}"):
                calls, mark = len(lab.calls()), len(lab.model()["history"])
                lab.trigger(number, kill=True)
                self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-1",)))
                events = self.assertRolled(lab, mark, calls, requested=2)
                self.assertIn("convergence program killed", events)


if __name__ == "__main__":
    unittest.main()
