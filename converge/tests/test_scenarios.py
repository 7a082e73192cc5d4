"""Convergence scenarios, each a sequence of deploys, against the AWS emulator (moto) with the real
k8slab_converge and stand-ins for ansible-playbook and kubectl that model the cluster."""
import base64
import json
import os
import re
import sys
import time
import unittest

from lab import STANDINS, Lab, require_emulator

sys.path.insert(0, STANDINS)
import cluster_model  # noqa: E402


def logical(host):
    return host.rsplit("-", 1)[0]


class Scenarios(unittest.TestCase):
    def setUp(self):
        require_emulator()

    def assertSignal(self, lab, status, deploy_status):
        self.assertEqual(status, deploy_status, lab.last_output + lab.log()[-3000:])

    def assertStoredKubeconfig(self, lab, cluster_ip):
        """SSM holds, as a SecureString within the Standard tier, the admin credentials of the cluster
        whose first control-plane node has this address, pointed at it."""
        value, kind, version = lab.stored_kubeconfig()
        self.assertEqual("SecureString", kind)
        self.assertLessEqual(len(value.encode()), 4096, "SSM's Standard tier")
        lines = value.splitlines()
        self.assertEqual(["k8slab-kubeconfig 1", f"server https://{cluster_ip}:6443"], lines[:2])
        stored = {}
        for line in lines[2:]:
            name, rest = line.split(" ", 1)
            label, der = rest.rsplit(" ", 1)
            stored[name] = (label, base64.b64decode(der))
        expected = {name: (label, cluster_model.der(cluster_ip, what, size))
                    for name, (_, label, size, what) in zip(("ca", "cert", "key"), cluster_model.CREDENTIALS)}
        self.assertEqual(expected, stored)
        return version

    def test_first_deploy(self):
        lab = Lab(self, workers=2)
        lab.fresh_interpreter = True  # as the bastion's timer starts it: the other scenarios fork it warm
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        self.assertEqual(["prepare.yml", "cluster.yml"], [c["book"] for c in lab.playbooks() if c["book"] != "kubeconfig.yml"])
        cluster = [c for c in lab.playbooks() if c["book"] == "cluster.yml"][0]
        inventory = cluster["inventory"]["all"]
        self.assertEqual(lab.hosts("control-plane"), sorted(inventory["children"]["kube_control_plane"]["hosts"]))
        self.assertEqual(lab.hosts("worker"), sorted(inventory["children"]["kube_node"]["hosts"]))
        self.assertEqual({"kubeconfig_localhost": "true", "kubectl_localhost": "true"}, cluster["extra"])
        # kubespray read the kubernetes: section from group_vars/k8s_cluster, as the request gave it.
        self.assertEqual(json.loads(lab.request_texts[0])["settings"]["groupVars"], cluster["groupVars"])
        self.assertNotIn("kube_version", inventory["vars"])
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertTrue(all(n["tainted"] for n in lab.cluster().values() if n["cp"]), "workers exist: the control plane is tainted")
        self.assertEqual("3 nodes Ready", lab.outcome["Reason"])
        cp_ip = lab.ips[lab.nodes["cp-1"][1]]
        self.assertEqual(1, self.assertStoredKubeconfig(lab, cp_ip))
        # The same request again (the timer's next tick) runs nothing.
        calls = len(lab.calls())
        self.assertEqual(0, lab.converge())
        self.assertEqual(calls, len(lab.calls()))
        self.assertEqual(1, lab.stored_kubeconfig()[2], "a run that does nothing stores nothing")

    def test_every_worker_replaced_surge_first(self):
        for surge in (1, 2):
            with self.subTest(maxSurge=surge):
                lab = Lab(self, workers=3, maxSurge=surge)
                self.assertSignal(lab, "SUCCESS", lab.deploy())
                old = lab.hosts("worker")
                mark = len(lab.model()["history"])
                self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("workers",)))
                new = lab.hosts("worker")
                self.assertTrue(set(old).isdisjoint(new))
                history = lab.model()["history"][mark:]
                desired = 1 + 3
                for step in history:
                    extra = len(step["nodes"]) - desired
                    self.assertLessEqual(extra, surge, f"{step['event']}: {extra} nodes beyond the {desired} requested")
                    if step["event"].startswith(("drain ", "cordon ")):
                        predecessor = step["event"].split()[1]
                        successor = [h for h in new if logical(h) == logical(predecessor)][0]
                        self.assertTrue(step["nodes"].get(successor), f"{step['event']} before {successor} was Ready: {step['nodes']}")
                drains = [s["event"].split()[1] for s in history if s["event"].startswith("drain ")]
                self.assertEqual(sorted(old), sorted(drains))
                scales = [c for c in lab.playbooks() if c["book"] == "scale.yml"][-(3 // surge + (3 % surge > 0)):]
                self.assertTrue(all(len(c["limit"]) <= surge for c in scales))
                removals = [c for c in lab.playbooks() if c["book"] == "remove-node.yml"]
                self.assertTrue(all("reset_nodes" not in c["extra"] for c in removals), "live predecessors leave gracefully")
                self.assertEqual(sorted(lab.hosts()), sorted(lab.cluster()))
                self.assertTrue(all(not n["unschedulable"] for n in lab.cluster().values()))

    def test_a_pdb_that_blocks_a_drain_fails_the_deploy_naming_it(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.block_drain(lab.hosts("worker")[0])
        self.assertSignal(lab, "FAILURE", lab.deploy(replace=("workers",)))
        self.assertIn("pod default/web-0 cannot be evicted (PodDisruptionBudget default/web allows no disruption)", lab.outcome["Reason"])
        # The rollback's convergence takes the successors out and uncordons the old worker.
        self.assertEqual(0, lab.rollback_status, lab.last_output)
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertTrue(all(not n["unschedulable"] for n in lab.cluster().values()))

    def test_rollback_after_an_image_change(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        old = lab.hosts()
        old_server = lab.cluster()
        # A new image replaces every node; kubespray fails on the new control plane.
        self.assertSignal(lab, "FAILURE", lab.deploy(replace=("*",), fail=("cluster.yml",)))
        self.assertTrue(lab.outcome["Reason"].startswith("cluster.yml failed"), lab.outcome["Reason"])
        # The rolled-back request names the old instances exactly: the bastion converges onto them,
        # not onto the newer instances CloudFormation deletes in its cleanup.
        self.assertEqual(0, lab.rollback_status, lab.last_output)
        self.assertEqual(old, lab.hosts())
        self.assertEqual(old, sorted(lab.cluster()))
        self.assertEqual({n: v["ip"] for n, v in old_server.items()}, {n: v["ip"] for n, v in lab.cluster().items()})
        self.assertEqual(["wait-ready " + " ".join(old)], lab.plans[-1])
        # The failed run stored nothing; the rollback's stored the old cluster's credentials again.
        self.assertEqual(2, self.assertStoredKubeconfig(lab, lab.ips[lab.nodes["cp-1"][1]]))
        # And the next deploy finds the same healthy cluster.
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=3))
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))

    def test_a_node_terminated_outside_cloudformation_then_a_deploy(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        dead_name, (_, dead_id) = "worker-2", lab.nodes["worker-2"]
        dead_host = [h for h in lab.hosts() if logical(h) == dead_name][0]
        lab.terminate(dead_id)  # a spot reclaim, a user's mistake
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=3))
        removal = [c for c in lab.playbooks() if c["book"] == "remove-node.yml"][0]
        self.assertEqual({"node": dead_host, "skip_confirmation": "yes", "reset_nodes": "false",
                          "allow_ungraceful_removal": "true", "drain_timeout": "1s"}, removal["extra"])
        # kubespray's drain of the gone node still runs, bounded to a second rather than its 360.
        self.assertEqual([(f"remove-node.yml drain {dead_host}", 1)], lab.waited())
        self.assertEqual("remove-dead " + dead_host + " instance gone: ungraceful removal", lab.plans[-1][0])
        self.assertIn(f"worker-2 ({dead_id}) is terminated; to get it back, add 1 to workers.generations.worker-2", lab.outcome["Reason"])
        self.assertNotIn(dead_host, lab.cluster())
        # The documented way back: a new generation of worker-2 (a new logical ID, a new instance).
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("worker-2",)))
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertEqual(4, len(lab.cluster()))

    def test_zero_to_two_to_zero_workers(self):
        lab = Lab(self, workers=0)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        (cp,) = lab.cluster().values()
        self.assertFalse(cp["tainted"], "without workers the control plane takes workloads")
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=2))
        self.assertEqual(3, len(lab.cluster()))
        self.assertTrue([n for n in lab.cluster().values() if n["cp"]][0]["tainted"])
        self.assertEqual(lab.hosts("control-plane")[0], lab.plans[-1][-3].split()[1])  # taint, after the workers are Ready
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=0))
        (cp,) = lab.cluster().values()
        self.assertFalse(cp["tainted"])
        self.assertTrue(lab.plans[-1][0].startswith("untaint "), lab.plans[-1])  # before any worker drains
        remove = [c for c in lab.playbooks() if c["book"] == "remove-node.yml"][-1]
        self.assertEqual(2, len(remove["extra"]["node"].split(",")), "one remove-node.yml run for both")

    def test_bastion_replaced_adopts_the_cluster(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        before = len(lab.calls())
        lab.new_bastion()
        self.assertEqual(0, lab.converge(), lab.last_output)
        books = [c["book"] for c in lab.playbooks(before)]
        self.assertEqual(["kubeconfig.yml"], books, "a new bastion reads the cluster; it does not run cluster.yml")
        self.assertEqual(["wait-ready " + " ".join(lab.hosts())], lab.plans[-1])
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))  # its own kubeconfig works
        # It stores the kubeconfig it fetched from the control plane (a new version, same cluster).
        self.assertEqual(2, self.assertStoredKubeconfig(lab, lab.ips[lab.nodes["cp-1"][1]]))
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=3))

    def test_an_unreachable_control_plane_is_not_taken_for_no_cluster(self):
        """Issue 17: a control plane SSH cannot reach during the observation is no evidence that no
        cluster runs. The deploy fails naming it, before anything runs; reachable again, it converges."""
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        cp_name, (_, cp_id) = "cp-1", lab.nodes["cp-1"]
        cp_host = lab.hosts("control-plane")[0]
        old_workers = lab.hosts("worker")
        clusters = lab.model()["clusters"]
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        lab.cut_off(cp_name)
        self.assertSignal(lab, "FAILURE", lab.deploy(replace=("workers",)))
        self.assertIn(f"cannot tell whether a cluster runs: control-plane node not observed ({cp_host} ({cp_id}): "
                      f"kubeconfig.yml exited 4, UNREACHABLE over SSH: fatal: [{cp_host}]: UNREACHABLE!", lab.outcome["Reason"])
        self.assertIn("nothing ran", lab.outcome["Reason"])
        # The rollback's run cannot observe it either: it fails the same way, and runs nothing.
        self.assertEqual(1, lab.rollback_status, lab.last_output)
        since = lab.calls()[calls:]
        self.assertEqual(["kubeconfig.yml", "kubeconfig.yml"], [c["book"] for c in since if "book" in c],
                         "no cluster.yml, no reset.yml, no prepare.yml: only the two observations")
        self.assertEqual([], [c for c in since if "kubectl" in c], "no cordon, no drain, not even a kubectl get")
        self.assertEqual([], lab.model()["history"][mark:], "the cluster changed")
        self.assertEqual(clusters, lab.model()["clusters"])
        self.assertEqual(old_workers, lab.hosts("worker"))
        # Reachable again: the same request converges as a worker replacement.
        lab.cut_off()
        calls = len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("workers",)))
        books = [c["book"] for c in lab.playbooks(calls)]
        self.assertNotIn("cluster.yml", books)
        self.assertNotIn("reset.yml", books)
        new_workers = lab.hosts("worker")
        self.assertTrue(set(old_workers).isdisjoint(new_workers))
        events = [h["event"] for h in lab.model()["history"][mark:]]
        self.assertEqual(sorted(f"join {w}" for w in new_workers), sorted(e for e in events if e.startswith("join ")))
        self.assertEqual(sorted(f"drain {w}" for w in old_workers), sorted(e for e in events if e.startswith("drain ")))
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertTrue(all(not n["unschedulable"] for n in lab.cluster().values()))

    # --- restarts, rollbacks racing CloudFormation, a dead control plane (issue 17) ----------------
    def assertInvariants(self, lab, mark, requested, surge=1):
        """At every step since mark: every workload keeps a Ready replica on a Ready node; never more
        than surge nodes beyond the requested count; no node of a live cluster cordoned or drained
        before its successor is Ready; no cluster.yml and no reset.yml over the live cluster. (Only
        playbooks kubespray has: lab.converge checks every run.)"""
        history = lab.model()["history"][mark:]
        for step in history:
            for workload in {cluster_model.workload_of(p) for p in step.get("pods", {})}:
                self.assertTrue([p for p, n in step["pods"].items() if cluster_model.workload_of(p) == workload and step["nodes"].get(n)],
                                f"{step['event']}: {workload} has no Ready replica on a Ready node: {step['pods']} {step['nodes']}")
            self.assertLessEqual(len(step["nodes"]) - requested, surge, f"{step['event']}: {step['nodes']}")
            verb, _, host = step["event"].partition(" ")
            if verb in ("cordon", "drain") and host:
                successors = [h for h in step["nodes"] if logical(h) == logical(host) and h != host]
                self.assertTrue(all(step["nodes"][h] for h in successors), f"{step['event']} before its successor was Ready: {step['nodes']}")
            self.assertNotIn(verb, ("cluster", "reset"), f"{step['event']} over a live cluster")
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertFalse([h for h, n in lab.cluster().items() if n["unschedulable"]], "left cordoned")
        return history

    def test_the_invariants_fail_on_a_step_that_breaks_them(self):
        """The check can fail: a spot reclaim takes the only worker with the only replica; until a new
        worker joins, the workload has no Ready replica (the environment's doing, not a deploy's)."""
        lab = Lab(self, workers=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=1, min_available=0)
        mark = len(lab.model()["history"])
        lab.terminate(lab.nodes["worker-1"][1])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("worker-1",)))
        with self.assertRaisesRegex(AssertionError, "web has no Ready replica on a Ready node"):
            self.assertInvariants(lab, mark, requested=2)

    def test_a_run_killed_inside_scale_yml_pairs_the_notready_successor(self):
        """Issue 17, 3: the bastion dies inside scale.yml: the successor registered, its network plugin
        not installed (NotReady). The next tick's run pairs it with its predecessor and scales it
        again; the predecessor drains only once the successor is Ready."""
        lab = Lab(self, workers=2)
        lab.fresh_interpreter = True  # a kill of a fresh interpreter, as on the bastion (others fork it warm)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        mark, calls = len(lab.model()["history"]), len(lab.calls())
        lab.trigger("scale", kill=True)
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("worker-1",)))
        successor = [h for h in lab.hosts("worker") if logical(h) == "worker-1"][0]
        history = self.assertInvariants(lab, mark, requested=3)
        events = [h["event"] for h in history]
        self.assertIn("convergence program killed", events)
        self.assertLess(events.index(f"join {successor}"), events.index("convergence program killed"))
        self.assertIn(f"network plugin on {successor}", events)
        self.assertEqual([[successor], [successor]], [c["limit"] for c in lab.playbooks(calls) if c["book"] == "scale.yml"])
        self.assertIn(f"scale {successor} successors join first", lab.plans[-1])

    def test_cloudformation_cleanup_before_during_and_after_a_rollback_run(self):
        """Issue 17, 4: a replacement fails (a budget blocks the predecessor's drain), CloudFormation rolls
        back and deletes the successor whenever its cleanup gets to it. The predecessor is uncordoned
        before anything else; a successor already gone is removed ungracefully, with no drain that waits
        on it; the rollback converges in every case."""
        for cleanup in ("before", "during:cordon", "during:drain", "after"):
            with self.subTest(cleanup=cleanup):
                lab = Lab(self, workers=2)
                self.assertSignal(lab, "SUCCESS", lab.deploy())
                lab.run_workload("web", replicas=2, min_available=1)
                predecessor = [h for h in lab.hosts("worker") if logical(h) == "worker-1"][0]
                lab.block_drain(predecessor)
                mark = len(lab.model()["history"])
                self.assertSignal(lab, "FAILURE", lab.deploy(replace=("worker-1",), cleanup=cleanup))
                self.assertEqual(0, lab.rollback_status, lab.last_output)
                self.assertInvariants(lab, mark, requested=3)
                rollback = lab.plans[-1]
                self.assertEqual(f"uncordon {predecessor} requested again", rollback[0], rollback)
                successor = [a.split()[1] for a in lab.plans[-2] if a.startswith("scale ")][0]
                history = lab.model()["history"][mark:]
                removals = [h["event"] for h in history if h["event"].startswith("remove") and successor in h["event"]]
                gone_first = cleanup != "after"
                self.assertEqual([f"remove{' ungraceful' if gone_first else ''} {successor}"], removals)
                drains = [w for w in lab.waited() if w[0] == f"kubectl drain {successor}"]
                # Only a drain already running when the instance went waits, once, for its own timeout.
                self.assertEqual([(f"kubectl drain {successor}", 300)] if cleanup == "during:drain" else [], drains)
                self.assertTrue(all(seconds <= 1 for what, seconds in lab.waited() if what.startswith("remove-node.yml")))
                self.assertEqual(lab.hosts(), sorted(lab.cluster()))
                self.assertFalse([h for h, n in lab.cluster().items() if n["unschedulable"]], "left cordoned")

    def test_a_dead_control_plane_comes_back_through_generations_with_its_workers(self):
        """Issue 17, 5: the only control-plane instance is terminated; a new generation of cp-1 finds no
        cluster. The workers still hold the dead cluster's kubelet.conf: they are reset, then join the
        new cluster (which is empty: its workloads are lost until the etcd restore of the next issue)."""
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        workers = lab.hosts("worker")
        lab.terminate(lab.nodes["cp-1"][1])
        # Issue 18, 5: without kubernetes.allowRebuild the new, empty cluster is refused before any node is
        # touched (prepare.yml only looks).
        calls = len(lab.calls())
        self.assertSignal(lab, "FAILURE", lab.deploy(replace=("cp-1",)))
        self.assertIn("Nothing was changed", lab.outcome["Reason"])
        self.assertIn("kubernetes.allowRebuild: true", lab.outcome["Reason"])
        self.assertEqual(["kubeconfig.yml", "prepare.yml"], sorted({c["book"] for c in lab.playbooks(calls)}))
        calls, mark = len(lab.calls()), len(lab.model()["history"])
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("cp-1",), allowRebuild=True))
        # The reset is of a dead cluster's members, and cluster.yml makes a new one: nothing live was reset.
        self.assertEqual([f"reset {' '.join(workers)}", f"cluster {' '.join(lab.hosts())}"],
                         [h["event"] for h in lab.model()["history"][mark:] if h["event"].split()[0] in ("reset", "cluster")])
        books = [(c["book"], c["limit"]) for c in lab.playbooks(calls)]
        self.assertEqual([("kubeconfig.yml", None), ("prepare.yml", lab.hosts()), ("reset.yml", workers), ("cluster.yml", None)], books)
        self.assertEqual(workers, lab.hosts("worker"), "the workers stay the same instances")
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertIn(f"{' '.join(workers)} were still joined to a cluster whose control plane is gone", lab.outcome["Reason"])
        # A first deploy of a new lab resets nothing: no node holds a kubelet.conf.
        fresh = Lab(self, workers=1)
        self.assertSignal(fresh, "SUCCESS", fresh.deploy())
        self.assertNotIn("reset.yml", [c["book"] for c in fresh.playbooks()])

    def test_a_kill_at_each_step_of_a_worker_replacement(self):
        """Issue 17: the bastion's program killed at the first call of each step of a replacement; the
        timer's next run finishes it, and no step of either breaks the invariants."""
        lab = Lab(self, workers=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        lab.run_workload("web", replicas=2, min_available=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("workers",)))
        steps = lab.plans[-1]
        for number, action in enumerate(steps, 1):
            with self.subTest(step=f"{number} {action.split()[0]}"):
                mark, old = len(lab.model()["history"]), lab.hosts("worker")
                lab.trigger(number, kill=True)
                self.assertSignal(lab, "SUCCESS", lab.deploy(replace=("workers",)))
                events = [h["event"] for h in self.assertInvariants(lab, mark, requested=2)]
                self.assertIn("convergence program killed", events)
                self.assertTrue(set(old).isdisjoint(lab.hosts("worker")))

    def test_kubespray_version_moved_runs_the_upgrade(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        # The request moves first while the old bastion still runs: it refuses, naming the way out.
        self.assertSignal(lab, "FAILURE", lab.deploy(kubespray="v2.31.1", kubernetes="1.35.5"))
        self.assertIn("deploy the Bastion stack first", lab.outcome["Reason"])
        lab.new_bastion(kubespray="v2.31.1")
        self.assertSignal(lab, "SUCCESS", lab.deploy(kubespray="v2.31.1", kubernetes="1.35.5"))
        upgrade = [c for c in lab.playbooks() if c["book"] == "upgrade-cluster.yml"]
        self.assertEqual([["kube_control_plane:etcd"]] + [[w] for w in lab.hosts("worker")], [c["limit"] for c in upgrade])
        self.assertTrue(all(c["groupVars"]["kube_version"] == "1.35.5" for c in upgrade))
        self.assertEqual({"v1.35.5"}, {n["kubelet"] for n in lab.cluster().values()})
        self.assertNotIn("cluster.yml", [c["book"] for c in lab.playbooks()[1:]][2:])

    def test_spot_requests_of_replaced_and_removed_nodes_are_cancelled(self):
        lab = Lab(self, workers=3, spot=True)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        self.assertEqual(sorted(i for _, i in lab.nodes.values()), sorted(lab.live_spot_requests()))
        before = dict(lab.nodes)
        # worker-1 replaced (a new document), worker-3 removed (count 3 -> 2).
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=2, replace=("worker-1",)))
        live = lab.live_spot_requests()
        self.assertEqual(sorted(i for _, i in lab.nodes.values()), sorted(live), lab.log()[-2000:])
        for gone in (before["worker-1"][1], before["worker-3"][1]):
            self.assertNotIn(gone, live)
            self.assertIn(f"({gone}): its instance leaves the stack", lab.log())
        self.assertEqual("3 nodes Ready", lab.outcome["Reason"], "nothing went wrong, nothing to note")
        # A failed replacement rolls back: the rollback's convergence cancels the successor's request,
        # the predecessor keeps its own.
        kept = lab.nodes["worker-2"][1]
        self.assertSignal(lab, "FAILURE", lab.deploy(replace=("worker-2",), fail=("scale.yml",)))
        self.assertEqual(0, lab.rollback_status, lab.last_output)
        self.assertEqual(kept, lab.nodes["worker-2"][1])
        self.assertEqual(sorted(i for _, i in lab.nodes.values()), sorted(lab.live_spot_requests()))
        # A node instance launched after the request was written belongs to a deploy still writing
        # its own request: a run started by hand meanwhile leaves its request alone.
        time.sleep(1.1)  # EC2 reports launch times in whole seconds
        newer = lab.launch("worker-3", "worker")
        os.remove(os.path.join(lab.state, "handled"))
        self.assertEqual(0, lab.converge(), lab.last_output)
        self.assertIn(newer, lab.live_spot_requests())

    # --- the kubernetes: section -----------------------------------------------------------------
    def test_a_kubernetes_upgrade_control_plane_first_then_workers_rolling(self):
        for surge in (1, 2):
            with self.subTest(maxSurge=surge):
                lab = Lab(self, workers=3, kubernetes="1.34.6", maxSurge=surge)
                self.assertSignal(lab, "SUCCESS", lab.deploy())
                self.assertEqual({"v1.34.6"}, {n["kubelet"] for n in lab.cluster().values()})
                mark, calls = len(lab.model()["history"]), len(lab.calls())
                nodes = dict(lab.nodes)
                self.assertSignal(lab, "SUCCESS", lab.deploy(kubernetes="1.35.4"))
                self.assertEqual(nodes, lab.nodes, "no instance replaced")
                cp, workers = lab.hosts("control-plane")[0], lab.hosts("worker")

                books = [c for c in lab.calls()[calls:] if "book" in c]
                self.assertEqual(["kubeconfig.yml", "playbooks/facts.yml"] + ["upgrade-cluster.yml"] * (1 + (3 + surge - 1) // surge),
                                 [c["book"] for c in books])
                upgrades = books[2:]
                self.assertEqual([["kube_control_plane:etcd"]] + [workers[i:i + surge] for i in range(0, 3, surge)],
                                 [c["limit"] for c in upgrades])
                self.assertTrue(all(c["groupVars"]["kube_version"] == "1.35.4" for c in upgrades))
                self.assertEqual({"kubectl_localhost": "true", "drain_timeout": "300s"}, upgrades[0]["extra"])
                self.assertTrue(all(c["extra"] == {"serial": str(len(c["limit"]))} for c in upgrades[1:]))

                # Control plane first (kubespray drains it itself); then each worker cordoned and drained
                # by the convergence, upgraded, uncordoned; never more than maxSurge out at once.
                events = [e["event"] for e in lab.model()["history"][mark:]]
                self.assertEqual([f"kubespray drain {cp}", f"upgrade {cp} to v1.35.4", f"kubespray uncordon {cp}"], events[:3])
                out = set()
                for event in events[3:]:
                    verb, host = event.split()[0], event.split()[1]
                    if verb == "cordon":
                        out.add(host)
                    if verb == "uncordon":
                        out.discard(host)
                    if verb == "upgrade":
                        self.assertIn(host, out, f"{host} upgraded while it took workloads")
                        self.assertIn(f"drain {host}", events[:events.index(event) + 3])
                    self.assertLessEqual(len(out), surge, event)
                self.assertEqual(sorted(workers), sorted(e.split()[1] for e in events if e.startswith("upgrade worker")))
                self.assertFalse(any(n["unschedulable"] for n in lab.cluster().values()))
                self.assertEqual({"v1.35.4"}, {n["kubelet"] for n in lab.cluster().values()})

                record = self.record(lab)
                self.assertEqual(("1.35.4", "calico"), (record["kubernetes"], record["networkPlugin"]))
                # kubectl: the cluster's own (kubectl_localhost), the new one from the control-plane upgrade on.
                kubectls = [c for c in lab.calls()[calls:] if "kubectl" in c]
                first_upgrade = lab.calls().index(upgrades[0], calls) - calls
                after = {c["version"] for c in lab.calls()[calls + first_upgrade:] if "kubectl" in c}
                self.assertEqual({"v1.34.6"}, {c["version"] for c in lab.calls()[calls:calls + first_upgrade] if "kubectl" in c})
                self.assertEqual({"v1.35.4"}, after)
                self.assertTrue(kubectls)

    def test_an_upgrade_stopped_by_a_drain_is_finished_by_the_next_deploy(self):
        lab = Lab(self, workers=3, kubernetes="1.34.6")
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        cp, workers = lab.hosts("control-plane")[0], lab.hosts("worker")
        lab.block_drain(workers[1])
        self.assertSignal(lab, "FAILURE", lab.deploy(kubernetes="1.35.4"))
        self.assertIn(f"drain of {workers[1]} stopped", lab.outcome["Reason"])
        # The rollback asks for 1.34.6 again: nothing is downgraded, the stopped worker takes workloads again.
        self.assertEqual(0, lab.rollback_status, lab.last_output)
        self.assertEqual({cp: "v1.35.4", workers[0]: "v1.35.4", workers[1]: "v1.34.6", workers[2]: "v1.34.6"},
                         {h: n["kubelet"] for h, n in lab.cluster().items()})
        self.assertFalse(any(n["unschedulable"] for n in lab.cluster().values()))
        self.assertIn(f"{cp} runs Kubernetes 1.35.4, newer than the requested 1.34.6", lab.signals.signals[-1]["Reason"])
        # The budget fixed, the same deploy again finishes the upgrade.
        model = lab.model()
        model["blocked"] = {}
        lab.save_model(model)
        calls = len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(kubernetes="1.35.4"))
        self.assertEqual([["kube_control_plane:etcd"], [workers[1]], [workers[2]]],
                         [c["limit"] for c in lab.calls()[calls:] if c.get("book") == "upgrade-cluster.yml"])
        self.assertEqual({"v1.35.4"}, {n["kubelet"] for n in lab.cluster().values()})

    def test_a_downgrade_or_a_jump_of_two_minors_is_refused_before_anything_runs(self):
        lab = Lab(self, workers=2, kubernetes="1.34.6")
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        for version, reason in (("1.33.11", "kubernetes.version 1.33.11 is older than the running 1.34.6: a downgrade"),
                                ("1.34.5", "1.34.5 is older than the running 1.34.6")):
            calls = len(lab.calls())
            self.assertSignal(lab, "FAILURE", lab.deploy(kubernetes=version))
            self.assertIn(reason, lab.outcome["Reason"])
            self.assertNothingChanged(lab, calls)
        lab = Lab(self, workers=2, kubernetes="1.33.11")
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        calls = len(lab.calls())
        self.assertSignal(lab, "FAILURE", lab.deploy(kubernetes="1.35.4"))
        self.assertIn("kubernetes.version 1.33.11 → 1.35.4 skips a minor version, which the convergence refuses: "
                      "upgrade one minor at a time: 1.34.x, then 1.35.4",
                      lab.outcome["Reason"])
        self.assertNothingChanged(lab, calls)
        # The way it names: one minor a deploy.
        self.assertSignal(lab, "SUCCESS", lab.deploy(kubernetes="1.34.6"))
        self.assertSignal(lab, "SUCCESS", lab.deploy(kubernetes="1.35.4"))
        self.assertEqual({"v1.35.4"}, {n["kubelet"] for n in lab.cluster().values()})

    def test_a_network_plugin_change_needs_allow_rebuild(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        calls = len(lab.calls())
        self.assertSignal(lab, "FAILURE", lab.deploy(networkPlugin="cilium"))
        self.assertIn("networkPlugin calico → cilium rebuilds the running cluster", lab.outcome["Reason"])
        self.assertIn("kubernetes.allowRebuild is not true", lab.outcome["Reason"])
        self.assertIn("leaves the cluster as it was", lab.outcome["Reason"])
        self.assertNothingChanged(lab, calls)
        self.assertEqual("calico", self.model_cluster(lab)["settings"]["plugin"])

        calls = len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(networkPlugin="cilium", allowRebuild=True))
        books = [c for c in lab.calls()[calls:] if "book" in c]
        self.assertEqual(["kubeconfig.yml", "prepare.yml", "reset.yml", "cluster.yml"], [c["book"] for c in books])
        self.assertEqual(sorted(lab.hosts()), sorted(books[2]["limit"]))
        self.assertEqual(("cilium", "vxlan"), (books[3]["groupVars"]["kube_network_plugin"], books[3]["groupVars"]["cilium_tunnel_mode"]))
        self.assertEqual("cilium", self.model_cluster(lab)["settings"]["plugin"])
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))
        self.assertEqual("cilium", self.record(lab)["networkPlugin"])
        # allowRebuild left on changes nothing by itself.
        calls = len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=2, drainSeconds=301))
        self.assertEqual(["kubeconfig.yml"], [c["book"] for c in lab.calls()[calls:] if "book" in c])

    def test_an_addon_switched_on_reruns_cluster_yml_without_draining(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        nodes, mark, calls = dict(lab.nodes), len(lab.model()["history"]), len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(addons=["metricsServer", "helm"]))
        self.assertEqual(nodes, lab.nodes, "no instance replaced")
        books = [c for c in lab.calls()[calls:] if "book" in c]
        self.assertEqual(["kubeconfig.yml", "cluster.yml"], [c["book"] for c in books])
        self.assertEqual((True, True, False), tuple(books[1]["groupVars"][v] for v in
                                                    ("metrics_server_enabled", "helm_enabled", "local_path_provisioner_enabled")))
        events = [e["event"] for e in lab.model()["history"][mark:]]
        self.assertFalse([e for e in events if e.split()[0] in ("cordon", "drain", "reset", "remove")], events)
        self.assertEqual(["helm_enabled", "metrics_server_enabled"], self.model_cluster(lab)["addons"])
        self.assertEqual("helm,metricsServer", self.record(lab)["addons"])
        self.assertEqual(lab.hosts(), sorted(lab.cluster()))

    def test_a_cluster_recorded_before_the_kubernetes_section_is_adopted(self):
        lab = Lab(self, workers=1, podCidr="10.100.0.0/16", nodePrefix=25)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        model = lab.model()
        cluster = model["clusters"][list(model["clusters"])[0]]
        old = {k: v for k, v in cluster["configmaps"]["k8slab-convergence"].items() if k in ("kubespray", "kubernetes", "request")}
        cluster["configmaps"]["k8slab-convergence"] = old
        lab.save_model(model)
        calls = len(lab.calls())
        self.assertSignal(lab, "SUCCESS", lab.deploy(drainSeconds=301))
        self.assertEqual(["kubeconfig.yml"], [c["book"] for c in lab.calls()[calls:] if "book" in c])
        self.assertEqual(("calico", "10.100.0.0/16", "25"), tuple(self.record(lab)[k] for k in ("networkPlugin", "podCidr", "nodePrefix")))

    def assertNothingChanged(self, lab, calls):
        """A refusal: only the reads that find the cluster ran, and the rollback's run did nothing either."""
        since = lab.calls()[calls:]
        self.assertEqual({"kubeconfig.yml"}, {c["book"] for c in since if "book" in c})
        self.assertEqual(set(), {c["kubectl"][0] for c in since if "kubectl" in c} - {"get"})
        self.assertEqual(0, lab.rollback_status, lab.last_output)
        self.assertEqual(["wait-ready " + " ".join(lab.hosts())], lab.plans[-1])

    def model_cluster(self, lab):
        return lab.model()["clusters"][list(lab.model()["clusters"])[0]]

    def record(self, lab):
        return self.model_cluster(lab)["configmaps"]["k8slab-convergence"]

    def test_an_invalid_request_fails_its_deploy_at_once_and_once(self):
        lab = Lab(self, workers=1)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        calls, seen = len(lab.calls()), len(lab.signals.signals)
        header, part = (json.loads(t) for t in lab.request_texts)
        # Written past lab.py's check (it writes only valid requests), each with a new wait's signal:
        # a request of a newer app than this bastion's, then one whose part names no instance.
        cases = [(dict(header, schemaVersion=3, signal=f"{lab.signals.base}/newer"), part,
                  "the request is schema version 3, this bastion reads version 2: deploy the Bastion stack first"),
                 (dict(header, signal=f"{lab.signals.base}/bad-part"), dict(part, **{"control-plane": {"cp-1": "i-1"}}),
                  "the request's part 1 is invalid: $.control-plane.cp-1: 'i-1' does not match")]
        for header, part, reason in cases:
            lab.ssm.put_parameter(Name=f"{lab.parameter}-1", Value=json.dumps(part), Type="String", Overwrite=True)
            lab.ssm.put_parameter(Name=lab.parameter, Value=json.dumps(header), Type="String", Overwrite=True)
            self.assertEqual(1, lab.converge(), lab.last_output)
            signals = lab.signals.signals[seen:]
            self.assertEqual([("FAILURE", header["signal"].rsplit("/", 1)[1])], [(s["Status"], s["path"][1:]) for s in signals])
            self.assertTrue(signals[0]["Reason"].startswith(reason), signals[0]["Reason"])
            # Not read again: the next tick finds the request handled and signals nothing more.
            self.assertEqual(0, lab.converge(), lab.last_output)
            self.assertEqual(1, len(lab.signals.signals[seen:]))
            seen = len(lab.signals.signals)
        self.assertEqual(calls, len(lab.calls()), "nothing ran on the cluster")
        # A signal URL that is not a wait condition's: refused, and nothing is sent there or anywhere.
        header, part = (json.loads(t) for t in lab.request_texts)
        lab.ssm.put_parameter(Name=f"{lab.parameter}-1", Value=json.dumps(part), Type="String", Overwrite=True)
        lab.ssm.put_parameter(Name=lab.parameter, Value=json.dumps(dict(header, signal="https://attacker.example/x")),
                              Type="String", Overwrite=True)
        self.assertEqual(1, lab.converge(), lab.last_output)
        self.assertEqual(seen, len(lab.signals.signals))
        self.assertIn("the request's signal URL is not a CloudFormation wait condition's of eu-west-1", lab.log())
        self.assertIn("cannot signal the failure: the request's header has no signal URL of a CloudFormation wait condition", lab.log())
        self.assertEqual(calls, len(lab.calls()), "nothing ran on the cluster")

    def test_a_400_node_request(self):
        lab = Lab(self, workers=399, forks=50)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        self.assertGreater(len(lab.request_texts), 2, "the request spans several 4 KB parameters")
        self.assertTrue(all(len(t.encode()) <= 4096 for t in lab.request_texts))
        books = [c for c in lab.playbooks() if c["book"] == "cluster.yml"]
        self.assertEqual(1, len(books))
        self.assertEqual(50, books[0]["forks"])
        self.assertEqual(400, len(books[0]["inventory"]["all"]["hosts"]))
        self.assertEqual(400, len(lab.cluster()))
        # 100 fewer workers: drained one by one, removed in one run.
        self.assertSignal(lab, "SUCCESS", lab.deploy(workers=299))
        removals = [c for c in lab.playbooks() if c["book"] == "remove-node.yml"]
        self.assertEqual(1, len(removals))
        self.assertEqual(100, len(removals[0]["extra"]["node"].split(",")))
        self.assertEqual(300, len(lab.cluster()))


if __name__ == "__main__":
    unittest.main()
