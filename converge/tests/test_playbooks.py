"""The playbooks a run names exist in kubespray v2.31.0 (the contract's kubespray.txt): the program
refuses a plan that names one the release lacks before anything runs; the stand-in for
ansible-playbook resolves a path from its working directory as ansible does and refuses one the
release lacks, and an extra variable the playbook does not take; the scenarios' check of every
call (lab.playbook_problems) finds both. No AWS: the stand-in runs on its own model."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock

from k8slab_converge import contract, execute, runs
from k8slab_converge.execute import Executor, Failure, Settings
from k8slab_converge.model import CONTROL_PLANE, WORKER, DesiredNode, Instance, Request
from k8slab_converge.planner import Action, Plan
from lab import CONTROL_HOST, STANDINS, group_vars, playbook_problems

CP, WORKER_HOST, OTHER_CP = ("cp-1-0000a1", "10.0.0.10"), ("worker-1-0000b1", "10.0.0.11"), "10.0.9.10"


class Fixture(unittest.TestCase):
    """A bastion's folders: the kubespray checkout (empty: the stand-in knows the release's files),
    an inventory and group_vars written by the program's own Executor, the stand-ins' model."""

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="k8slab-playbooks-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.checkout = os.path.join(self.root, "kubespray")
        self.venv = os.path.join(self.root, "venv")
        os.makedirs(self.checkout)
        os.makedirs(os.path.join(self.venv, "bin"))
        self.settings = Settings({"LAB_ENVIRONMENT": "dev", "AWS_REGION": "eu-west-1", "CONVERGE_PARAMETER": "/k8slab/dev/converge-request",
                                  "KUBESPRAY_VERSION": contract.kubespray().tag, "KUBESPRAY_DIR": self.checkout,
                                  "ANSIBLE_VENV": self.venv, "STATE_DIR": os.path.join(self.root, "state"), "LOG_DIR": self.root,
                                  "K8SLAB_PLAYBOOKS": os.path.join(CONTROL_HOST, "playbooks")})
        request = Request(id="r1", signal="https://s", nodes=(), kubespray=contract.kubespray().tag, kubernetes="1.35.4",
                          given_group_vars=group_vars())
        self.executor = Executor(self.settings, request, lambda *a, **k: None)
        self.inventory = self.executor.write_inventory({CP[0]: (CONTROL_PLANE, CP[1]), WORKER_HOST[0]: (WORKER, WORKER_HOST[1])}, "hosts")
        self.executor.write_group_vars()
        self.state = os.path.join(self.root, "model.json")
        self.calls = os.path.join(self.root, "calls.jsonl")
        self.save({"clusters": {}, "history": [], "fail_playbooks": [], "blocked": {}, "running": [CP[1], WORKER_HOST[1]]})

    def save(self, model):
        with open(self.state, "w") as f:
            json.dump(model, f)

    def model(self):
        with open(self.state) as f:
            return json.load(f)

    def standin(self, book, *extra, limit=None, cwd=None):
        """ansible-playbook as the program runs it: in the checkout, with the inventory, -b and --forks."""
        args = [os.path.join(STANDINS, "ansible-playbook"), "-i", self.inventory, "-b", "--forks", "5", book]
        args += ["--limit", limit] if limit else []
        for e in extra:
            args += ["-e", e]
        env = dict(os.environ, KUBESPRAY_DIR=self.checkout, STANDIN_STATE=self.state, STANDIN_CALLS=self.calls)
        return subprocess.run(args, cwd=cwd or self.checkout, env=env, capture_output=True, text=True)

    def logged(self):
        with open(self.calls) as f:
            return [json.loads(line) for line in f]


class StandIn(Fixture):
    def test_facts_yml_at_the_root_is_not_found_as_ansible_says(self):
        proc = self.standin("facts.yml")
        self.assertEqual(1, proc.returncode, proc.stdout)
        self.assertEqual("ERROR! the playbook: facts.yml could not be found\n", proc.stderr)
        self.assertNotIn("facts", self.model(), "nothing ran")
        # The call is logged all the same: the scenarios' check sees it.
        self.assertEqual(["facts.yml (run in %s): kubespray %s has no such playbook" % (self.checkout, contract.kubespray().tag)],
                         playbook_problems(self.logged(), self.checkout))

    def test_playbooks_facts_yml_runs_and_caches_every_hosts_facts(self):
        proc = self.standin("playbooks/facts.yml")
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        self.assertEqual(sorted([CP[0], WORKER_HOST[0]]), self.model()["facts"])
        self.assertEqual([], playbook_problems(self.logged(), self.checkout))

    def test_a_path_is_resolved_from_the_working_directory(self):
        # The same name from outside the checkout is not kubespray's: ansible looks in its cwd.
        proc = self.standin("cluster.yml", "kubeconfig_localhost=true", cwd=self.root)
        self.assertEqual(1, proc.returncode)
        self.assertEqual("ERROR! the playbook: cluster.yml could not be found\n", proc.stderr)
        proc = self.standin(os.path.join(self.checkout, "playbooks", "facts.yml"), cwd=self.root)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)

    def test_an_extra_variable_the_playbook_does_not_take_is_refused(self):
        proc = self.standin("reset.yml", "reset_confirmation=yes", "node=cp-1-0000a1")
        self.assertEqual(2, proc.returncode)
        self.assertIn("reset.yml takes no extra variable node", proc.stdout)
        # reset_confirmation is reset.yml's, not facts.yml's; a default of kubespray's is any playbook's.
        proc = self.standin("playbooks/facts.yml", "reset_confirmation=yes")
        self.assertEqual(2, proc.returncode)
        self.assertIn("playbooks/facts.yml takes no extra variable reset_confirmation", proc.stdout)
        proc = self.standin("playbooks/facts.yml", "kube_proxy_mode=ipvs")
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        proc = self.standin("reset.yml", "reset_confirmation=yes")
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        tag = contract.kubespray().tag
        self.assertEqual([f"reset.yml: kubespray {tag}'s playbook takes no extra variable node",
                          f"playbooks/facts.yml: kubespray {tag}'s playbook takes no extra variable reset_confirmation"],
                         playbook_problems(self.logged(), self.checkout))

    def test_the_lab_playbooks_take_what_they_read(self):
        prepare = os.path.join(CONTROL_HOST, "playbooks", "prepare.yml")
        self.assertEqual(0, self.standin(prepare).returncode)
        proc = self.standin(prepare, "kubeconfig_dest=/tmp/x")
        self.assertEqual(2, proc.returncode)
        self.assertIn("the lab's prepare.yml takes no extra variable kubeconfig_dest", proc.stdout)
        # Its name alone is not the lab's playbook: relative to the checkout, kubespray has none.
        self.assertEqual(1, self.standin("prepare.yml").returncode)

    def test_prepare_yml_records_a_node_that_holds_a_kubelet_conf(self):
        prepare = os.path.join(CONTROL_HOST, "playbooks", "prepare.yml")
        model = self.model()
        model["clusters"] = {OTHER_CP: {"nodes": {"old-worker": {"ip": WORKER_HOST[1], "cp": False}}}}
        self.save(model)
        joined = os.path.join(self.root, "joined")
        os.makedirs(joined)
        proc = self.standin(prepare, f"joined_dir={joined}")
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        self.assertEqual([WORKER_HOST[0]], os.listdir(joined))
        # Without joined_dir the record's dest cannot be templated: ansible fails on that host.
        proc = self.standin(prepare)
        self.assertEqual(2, proc.returncode)
        self.assertIn("'joined_dir' is undefined", proc.stdout)

    def test_a_worker_that_still_has_a_kubelet_conf_is_not_joined_by_scale(self):
        def cluster(ip, nodes):
            return {"nodes": {name: {"ip": address, "cp": address == ip, "tainted": False, "unschedulable": False,
                                     "kubelet": "v1.35.4", "polls": 0} for name, address in nodes.items()},
                    "configmaps": {"cluster-info": {"kubeconfig": f"server: https://{ip}:6443\n"}}, "pdbs": {},
                    "settings": {}, "addons": [], "etcd": {name: address for name, address in nodes.items() if address == ip}}

        for elsewhere in (False, True):
            with self.subTest(member_of_another_cluster=elsewhere):
                model = self.model()
                model["clusters"] = {CP[1]: cluster(CP[1], {CP[0]: CP[1]})}
                if elsewhere:  # the worker's kubelet is still joined to another cluster
                    model["clusters"][OTHER_CP] = cluster(OTHER_CP, {"cp-9-0000f9": OTHER_CP, "old-worker": WORKER_HOST[1]})
                self.save(model)
                self.assertEqual(0, self.standin("playbooks/facts.yml").returncode)
                proc = self.standin("scale.yml", limit=WORKER_HOST[0])
                self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
                joined = WORKER_HOST[0] in self.model()["clusters"][CP[1]]["nodes"]
                self.assertEqual(not elsewhere, joined)


class Program(Fixture):
    def setUp(self):
        super().setUp()
        # An ansible-playbook that only records that it ran.
        self.ran = os.path.join(self.root, "ran")
        script = os.path.join(self.venv, "bin", "ansible-playbook")
        with open(script, "w") as f:
            f.write(f"#!/bin/sh\necho \"$@\" >> {self.ran}\n")
        os.chmod(script, 0o755)

    def test_the_program_names_only_playbooks_the_release_has(self):
        self.assertEqual([], execute.unknown_playbooks(execute.KUBESPRAY_PLAYBOOKS.values()))
        self.assertEqual("playbooks/facts.yml", execute.KUBESPRAY_PLAYBOOKS["facts"])

    def test_every_extra_variable_of_the_runs_table_is_one_the_release_takes(self):
        """runs.EXTRA is what kubespray-facts.py read to write kubespray.txt's extra lines: the two agree."""
        release = contract.kubespray()
        for book, names in runs.EXTRA.items():
            self.assertIn(book, release.playbooks)
            self.assertEqual(sorted(names), sorted(release.extra.get(book, {})), book)

    def test_a_variable_the_runs_table_does_not_list_is_never_passed(self):
        with self.assertRaises(Failure) as raised:
            self.executor.playbook("reset.yml", self.inventory, extra=["reset_confirmation=yes", "reset_nodes=false"])
        self.assertIn("reset.yml run with -e reset_nodes, which runs.EXTRA does not list", str(raised.exception))
        self.assertFalse(os.path.exists(self.ran), "ansible-playbook ran")

    def test_a_plan_naming_a_playbook_the_release_lacks_fails_before_anything_runs(self):
        plan = Plan(actions=[Action("prepare", (WORKER_HOST[0],)), Action("facts"), Action("scale", (WORKER_HOST[0],))])
        with mock.patch.dict(execute.KUBESPRAY_PLAYBOOKS, {"facts": "facts.yml"}):
            with self.assertRaises(Failure) as raised:
                self.executor.execute(plan)
        self.assertEqual(f"kubespray {contract.kubespray().tag} has no playbook facts.yml (its playbooks are the playbook "
                         "lines of the contract's kubespray.txt): nothing ran", str(raised.exception))
        self.assertFalse(os.path.exists(self.ran), "ansible-playbook ran")

    def test_a_kubespray_playbook_the_release_lacks_is_not_run(self):
        with self.assertRaises(Failure) as raised:
            self.executor.playbook("facts.yml", self.inventory)
        self.assertIn("has no playbook facts.yml", str(raised.exception))
        self.assertFalse(os.path.exists(self.ran), "ansible-playbook ran")
        # One it has runs, in the checkout.
        self.assertEqual(0, self.executor.playbook("playbooks/facts.yml", self.inventory))
        with open(self.ran) as f:
            self.assertIn(" playbooks/facts.yml", f.read())


class Observation(Fixture):
    """find_cluster with the stand-in's kubeconfig.yml: "no cluster" only when the control plane
    answers without an admin.conf; a node that cannot be observed fails the run, naming it."""

    def setUp(self):
        super().setUp()
        os.symlink(os.path.join(STANDINS, "ansible-playbook"), os.path.join(self.venv, "bin", "ansible-playbook"))
        patcher = mock.patch.dict(os.environ, KUBESPRAY_DIR=self.checkout, STANDIN_STATE=self.state, STANDIN_CALLS=self.calls)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.cp = Instance(id="i-0123456789000a1", name="cp-1", role=CONTROL_PLANE, state="running", ip=CP[1])
        self.old_cp = Instance(id="i-01234567890009f", name="cp-1", role=CONTROL_PLANE, state="running", ip=OTHER_CP)
        self.executor.request = Request(id="r1", signal="https://s", nodes=(DesiredNode("cp-1", CONTROL_PLANE, self.cp.id),),
                                        kubespray=contract.kubespray().tag, kubernetes="1.35.4", given_group_vars=group_vars())

    def set_model(self, **changes):
        model = self.model()
        model.update(changes)
        self.save(model)

    def test_a_control_plane_without_admin_conf_is_no_cluster(self):
        self.assertIsNone(self.executor.find_cluster({self.cp.id: self.cp}))
        self.assertTrue(os.path.exists(os.path.join(self.settings.state, "observed", "admin.conf.absent")))

    def test_an_unreachable_control_plane_fails_the_run_naming_it(self):
        self.set_model(unreachable=[CP[1]])
        with self.assertRaises(Failure) as raised:
            self.executor.find_cluster({self.cp.id: self.cp})
        reason = str(raised.exception)
        self.assertIn(f"control-plane node not observed ({self.cp.host} ({self.cp.id}): kubeconfig.yml exited 4, UNREACHABLE over SSH: "
                      f"fatal: [{self.cp.host}]: UNREACHABLE!", reason)
        self.assertIn("Connection timed out", reason)

    def test_a_stale_outcome_of_an_earlier_run_is_not_taken(self):
        self.assertIsNone(self.executor.find_cluster({self.cp.id: self.cp}))  # leaves admin.conf.absent
        self.set_model(unreachable=[CP[1]])
        with self.assertRaises(Failure):
            self.executor.find_cluster({self.cp.id: self.cp})

    def test_a_failed_task_is_not_taken_for_absence_either(self):
        self.set_model(fail_playbooks=["kubeconfig.yml"])
        with self.assertRaises(Failure) as raised:
            self.executor.find_cluster({self.cp.id: self.cp})
        self.assertIn("kubeconfig.yml exited 2, a task failed: fatal: [", str(raised.exception))

    def test_an_unreachable_control_plane_being_replaced_is_no_evidence_of_absence(self):
        self.set_model(running=[CP[1], OTHER_CP], unreachable=[OTHER_CP])
        with self.assertRaises(Failure) as raised:
            self.executor.find_cluster({self.cp.id: self.cp, self.old_cp.id: self.old_cp})
        self.assertIn(f"{self.old_cp.host} ({self.old_cp.id}, not requested: being replaced): kubeconfig.yml exited 4", str(raised.exception))
        # Stopped, it is not looked at (as before): the requested one's answer decides.
        stopped = Instance(id=self.old_cp.id, name="cp-1", role=CONTROL_PLANE, state="stopped", ip=OTHER_CP)
        self.assertIsNone(self.executor.find_cluster({self.cp.id: self.cp, stopped.id: stopped}))
        self.assertEqual(["kubeconfig.yml"] * 3, [c["book"] for c in self.logged()])


class ScenarioCheck(unittest.TestCase):
    """lab.playbook_problems, which every scenario's runs pass through (Lab.converge)."""

    def test_it_finds_a_playbook_the_release_lacks_and_an_extra_variable_a_playbook_does_not_take(self):
        checkout, tag = "/srv/kubespray", contract.kubespray().tag
        calls = [{"kubectl": ["get", "nodes"]},
                 {"book": "facts.yml", "path": "facts.yml", "cwd": checkout, "extra": {}},
                 {"book": "playbooks/facts.yml", "path": "playbooks/facts.yml", "cwd": checkout, "extra": {}},
                 {"book": "cluster.yml", "path": "../kubespray/cluster.yml", "cwd": checkout, "extra": {"kubeconfig_localhost": "true"}},
                 {"book": "cluster.yml", "path": "cluster.yml", "cwd": "/srv", "extra": {}},
                 {"book": "kubeconfig.yml", "path": os.path.join(CONTROL_HOST, "playbooks", "kubeconfig.yml"), "cwd": checkout, "extra": {}},
                 {"book": "upgrade-cluster.yml", "path": "upgrade-cluster.yml", "cwd": checkout, "extra": {"serial": "2", "nodes": "x"}}]
        self.assertEqual([f"facts.yml (run in {checkout}): kubespray {tag} has no such playbook",
                          f"cluster.yml (run in /srv): kubespray {tag} has no such playbook",
                          f"upgrade-cluster.yml: kubespray {tag}'s playbook takes no extra variable nodes"],
                         playbook_problems(calls, checkout))



class EtcdModel(Fixture):
    """The stand-in's etcd refuses what kubespray and etcd refuse: each rule here made to fail once.
    Hosts: cp-1, cp-2, cp-3 (control plane and etcd, in the given order) and a worker."""
    CPS = {"cp-1-0000a1": "10.0.0.10", "cp-2-0000a2": "10.0.0.12", "cp-3-0000a3": "10.0.0.13"}

    def inventory_of(self, *cps, name=True):
        self.executor.control_plane = list(cps)
        hosts = {h: (CONTROL_PLANE, self.CPS[h]) for h in cps}
        hosts[WORKER_HOST[0]] = (WORKER, WORKER_HOST[1])
        self.inventory = self.executor.write_inventory(hosts, "hosts")
        if not name:  # an inventory without etcd_member_name: kubespray names members by place
            with open(self.inventory) as f:
                doc = json.load(f)
            for host in doc["all"]["hosts"].values():
                host.pop("etcd_member_name", None)
            with open(self.inventory, "w") as f:
                json.dump(doc, f)

    def run_ok(self, book, *extra, limit=None):
        proc = self.standin(book, *extra, limit=limit)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        return proc

    def run_refused(self, book, *extra, text, limit=None):
        proc = self.standin(book, *extra, limit=limit)
        self.assertNotEqual(0, proc.returncode, proc.stdout)
        self.assertIn(text, proc.stdout)
        return proc

    def setUp(self):
        super().setUp()
        model = self.model()
        model["running"] = sorted(set(self.CPS.values()) | {WORKER_HOST[1]})
        self.save(model)
        self.inventory_of("cp-1-0000a1")
        self.run_ok("cluster.yml")

    def test_an_even_number_of_members_needs_ignore_assert_errors(self):
        self.inventory_of("cp-1-0000a1", "cp-2-0000a2")
        self.run_refused("cluster.yml", text="Stop if even number of etcd hosts")
        self.run_ok("cluster.yml", "ignore_assert_errors=yes")
        self.assertEqual(["cp-1-0000a1", "cp-2-0000a2"], sorted(self.model()["clusters"]["10.0.0.10"]["etcd"]))

    def test_a_new_control_plane_node_cannot_come_first(self):
        self.inventory_of("cp-2-0000a2", "cp-1-0000a1")
        self.run_refused("cluster.yml", "ignore_assert_errors=yes", text="new control-plane nodes go at the end")

    def test_the_first_node_cannot_be_removed(self):
        self.inventory_of("cp-1-0000a1", "cp-2-0000a2")
        self.run_ok("cluster.yml", "ignore_assert_errors=yes")
        self.run_refused("remove-node.yml", "node=cp-1-0000a1", "skip_confirmation=yes", "ignore_assert_errors=yes",
                         text="kubespray cannot remove it")
        self.inventory_of("cp-2-0000a2", "cp-1-0000a1")
        self.run_ok("remove-node.yml", "node=cp-1-0000a1", "skip_confirmation=yes", "ignore_assert_errors=yes")
        self.assertEqual(["cp-2-0000a2"], list(self.model()["clusters"]["10.0.0.10"]["etcd"]))

    def test_a_member_is_added_only_with_enough_started_members(self):
        self.inventory_of("cp-1-0000a1", "cp-2-0000a2", "cp-3-0000a3")
        self.run_ok("cluster.yml")
        model = self.model()
        model["running"] = [ip for ip in model["running"] if ip not in ("10.0.0.12", "10.0.0.13")]  # two of three stop
        model["running"].append("10.0.0.14")
        self.save(model)
        self.CPS = dict(self.CPS, **{"cp-4-0000a4": "10.0.0.14"})
        self.inventory_of("cp-1-0000a1", "cp-4-0000a4")
        self.run_refused("cluster.yml", "ignore_assert_errors=yes", text="not enough started members")

    def test_a_member_name_by_place_is_taken_on_the_second_replacement(self):
        """Without etcd_member_name kubespray names members by place: replacing cp-1 by cp-2 makes cp-2
        "etcd2"; replacing cp-2 by cp-3 then names cp-3 "etcd2" as well, and its etcd never starts."""
        model = self.model()
        model["clusters"]["10.0.0.10"]["etcd_names"] = {"cp-1-0000a1": "etcd1"}  # a cluster made without names
        self.save(model)
        for name in (False, True):
            with self.subTest(etcd_member_name=name):
                if name:
                    self.setUp()
                self.inventory_of("cp-1-0000a1", "cp-2-0000a2", name=name)
                self.run_ok("cluster.yml", "ignore_assert_errors=yes")
                self.inventory_of("cp-2-0000a2", "cp-1-0000a1", name=name)
                self.run_ok("remove-node.yml", "node=cp-1-0000a1", "skip_confirmation=yes", "ignore_assert_errors=yes")
                model = self.model()  # cluster-info points at cp-2 (the executor's cluster-info step)
                model["clusters"]["10.0.0.10"]["configmaps"]["cluster-info"]["kubeconfig"] = "server: https://10.0.0.12:6443\n"
                self.save(model)
                self.inventory_of("cp-2-0000a2", "cp-3-0000a3", name=name)
                if name:
                    self.run_ok("cluster.yml", "ignore_assert_errors=yes")
                else:
                    self.run_refused("cluster.yml", "ignore_assert_errors=yes", text="its member name etcd2 is cp-2-0000a2's")

    def test_a_proxy_not_restarted_loses_the_api_when_its_only_upstream_leaves(self):
        self.inventory_of("cp-1-0000a1", "cp-2-0000a2")
        self.run_ok("cluster.yml", "ignore_assert_errors=yes")
        self.inventory_of("cp-2-0000a2", "cp-1-0000a1")
        self.run_ok("cluster.yml", "ignore_assert_errors=yes")
        self.run_ok("remove-node.yml", "node=cp-1-0000a1", "skip_confirmation=yes", "ignore_assert_errors=yes")
        cluster = self.model()["clusters"]["10.0.0.10"]
        self.assertEqual(["10.0.0.10"], cluster["nodes"][WORKER_HOST[0]]["proxy"], "still what it loaded at its join")
        self.assertFalse(self.ready_via("10.0.0.12")[WORKER_HOST[0]])
        self.run_ok(os.path.join(CONTROL_HOST, "playbooks", "restart-proxy.yml"), limit=WORKER_HOST[0])
        self.assertTrue(self.ready_via("10.0.0.12")[WORKER_HOST[0]])

    def test_a_join_after_the_first_node_left_needs_cluster_info_updated(self):
        self.inventory_of("cp-1-0000a1", "cp-2-0000a2")
        self.run_ok("cluster.yml", "ignore_assert_errors=yes")
        self.inventory_of("cp-2-0000a2", "cp-1-0000a1")
        self.run_ok("remove-node.yml", "node=cp-1-0000a1", "skip_confirmation=yes", "ignore_assert_errors=yes")
        model = self.model()
        model["running"].append("10.0.0.20")
        self.save(model)
        self.executor.control_plane = ["cp-2-0000a2"]
        self.inventory = self.executor.write_inventory({"cp-2-0000a2": (CONTROL_PLANE, "10.0.0.12"), WORKER_HOST[0]: (WORKER, WORKER_HOST[1]),
                                                        "worker-2-0000b2": (WORKER, "10.0.0.20")}, "hosts")
        self.run_ok("playbooks/facts.yml")
        self.run_refused("scale.yml", limit="worker-2-0000b2", text="couldn't validate the identity of the API Server")
        model = self.model()
        model["clusters"]["10.0.0.10"]["configmaps"]["cluster-info"]["kubeconfig"] = "server: https://10.0.0.12:6443\n"
        self.save(model)
        self.run_ok("scale.yml", limit="worker-2-0000b2")

    def ready_via(self, server):
        conf = os.path.join(self.root, "admin.conf")
        with open(conf, "w") as f:
            f.write(f"server: https://{server}:6443\n")
        env = dict(os.environ, KUBECONFIG=conf, STANDIN_STATE=self.state, STANDIN_CALLS=self.calls)
        out = subprocess.run([os.path.join(STANDINS, "kubectl"), "get", "nodes", "-o", "json"], env=env, capture_output=True, text=True)
        self.assertEqual(0, out.returncode, out.stdout + out.stderr)
        return {i["metadata"]["name"]: i["status"]["conditions"][0]["status"] == "True" for i in json.loads(out.stdout)["items"]}


if __name__ == "__main__":
    unittest.main()
