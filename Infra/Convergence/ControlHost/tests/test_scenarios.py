"""Convergence scenarios, each a sequence of deploys, against the AWS emulator (moto) with the real
k8slab_converge and stand-ins for ansible-playbook and kubectl that model the cluster."""
import base64
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
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        self.assertEqual(["prepare.yml", "cluster.yml"], [c["book"] for c in lab.playbooks() if c["book"] != "kubeconfig.yml"])
        cluster = [c for c in lab.playbooks() if c["book"] == "cluster.yml"][0]
        inventory = cluster["inventory"]["all"]
        self.assertEqual(lab.hosts("control-plane"), sorted(inventory["children"]["kube_control_plane"]["hosts"]))
        self.assertEqual(lab.hosts("worker"), sorted(inventory["children"]["kube_node"]["hosts"]))
        self.assertEqual({"kubeconfig_localhost": "true"}, cluster["extra"])
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
                          "allow_ungraceful_removal": "true"}, removal["extra"])
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

    def test_kubespray_version_moved_runs_the_upgrade(self):
        lab = Lab(self, workers=2)
        self.assertSignal(lab, "SUCCESS", lab.deploy())
        # The request moves first while the old bastion still runs: it refuses, naming the way out.
        self.assertSignal(lab, "FAILURE", lab.deploy(kubespray="v2.31.1", kubernetes="1.35.5"))
        self.assertIn("deploy the Bastion stack first", lab.outcome["Reason"])
        lab.new_bastion(kubespray="v2.31.1")
        self.assertSignal(lab, "SUCCESS", lab.deploy(kubespray="v2.31.1", kubernetes="1.35.5"))
        upgrade = [c for c in lab.playbooks() if c["book"] == "upgrade-cluster.yml"]
        self.assertEqual(1, len(upgrade))
        self.assertEqual({"kube_version": "1.35.5"}, upgrade[0]["extra"])
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
