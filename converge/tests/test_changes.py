"""k8slab_converge.changes: the rules for a change of the cluster's settings, and the table on which the
preview's classification and the bastion planner's plan must agree."""
import ast
import io
import json
import os
import tempfile
import unittest
from unittest import mock

from k8slab_converge import changes, contract, model
from k8slab_converge.model import Cluster

import change_table
from lab import DEFAULTS, with_group_vars


def settings(**changed):
    return with_group_vars({**DEFAULTS, **changed})


def between(before, after):
    return changes.between(changes.of_settings(settings(**before)), changes.of_settings(settings(**after)))


def preview(before, after):
    """What the preview is told: the command line's JSON for these two settings."""
    out, err = io.StringIO(), io.StringIO()
    code = changes.main([], stdin=io.StringIO(json.dumps({"before": before, "after": after})), stdout=out, stderr=err)
    if code:
        raise AssertionError(err.getvalue())
    return json.loads(out.getvalue())


class PreviewAndBastionAgree(unittest.TestCase):
    maxDiff = None

    def test_the_table(self):
        for row in change_table.rows():
            with self.subTest(row["name"]):
                told = preview(row["before"], row["after"])
                expected = row["expected"]
                self.assertEqual(expected["verdict"], told["verdict"], told)
                self.assertEqual(expected["verdict"], row["bastion"]["verdict"])
                self.assertEqual([expected["rule"]] if expected["rule"] else [], [r["rule"] for r in told["refusals"]])
                # Refused with the same words: the preview's warning is the bastion's FAILURE.
                self.assertEqual([r["reason"] for r in told["refusals"]][:1], [row["bastion"]["reason"]] if row["bastion"]["reason"] else [])


class Versions(unittest.TestCase):
    def test_up_one_minor_or_a_patch_is_an_upgrade_anything_else_is_refused(self):
        table = [
            ("1.35.4", "1.35.4", "unchanged", None),
            ("1.34.7", "1.35.4", "upgrade", None),
            ("1.35.0", "1.35.4", "upgrade", None),
            ("1.35.4", "1.35.3", "refused", "downgrade"),
            ("1.35.4", "1.34.7", "refused", "downgrade"),
            ("2.0.0", "1.35.4", "refused", "downgrade"),
            ("1.33.11", "1.35.4", "refused", "skipped-minor"),
            ("1.35.4", "2.0.0", "refused", "major"),
            ("1.35.4", "2.1.0", "refused", "major"),
        ]
        for have, want, verdict, rule in table:
            with self.subTest(f"{have} -> {want}"):
                change = between({"kubernetes": have}, {"kubernetes": want})
                self.assertEqual((verdict, [rule] if rule else []), (change.verdict, [r.rule for r in change.refusals]))

    def test_a_skipped_minor_names_each_step(self):
        change = between({"kubernetes": "1.32.1"}, {"kubernetes": "1.35.4"})
        self.assertIn("upgrade one minor at a time: 1.33.x, then 1.34.x, then 1.35.4, a deploy each", change.refusals[0].reason)

    def test_a_major_version_change_names_the_way(self):
        reason = between({}, {"kubernetes": "2.0.0"}).refusals[0].reason
        self.assertTrue(reason.startswith("kubernetes.version 1.35.4 → 2.0.0 changes the major version, which the convergence refuses"), reason)
        self.assertIn("needs a new lab", reason)

    def test_a_version_that_names_no_version_is_no_upgrade_and_no_refusal(self):
        change = between({"kubernetes": "latest"}, {})
        self.assertEqual((False, []), (change.upgrade, change.refusals))
        self.assertEqual(["version latest → 1.35.4"], change.changes)

    def test_another_kubespray_is_an_upgrade(self):
        change = between({"kubespray": "v2.30.0"}, {})
        self.assertEqual(("upgrade", ["kubespray v2.30.0 → v2.31.0"]), (change.verdict, change.changes))


class Network(unittest.TestCase):
    def test_each_network_key_rebuilds_and_needs_allow_rebuild(self):
        for key, value in (("networkPlugin", "flannel"), ("podCidr", "10.100.0.0/16"), ("serviceCidr", "10.96.0.0/16"),
                           ("nodePrefix", 25)):
            with self.subTest(key):
                refused = between({}, {key: value})
                self.assertEqual([(key, str(DEFAULTS[key]), str(value))], refused.rebuild)
                self.assertEqual(["rebuild-not-allowed"], [r.rule for r in refused.refusals])
                self.assertIn("kubernetes.allowRebuild is not true", refused.refusals[0].reason)
                # A plugin's port rules are the Nodes stack's: they roll back with the refusal.
                self.assertEqual(key == "networkPlugin", refused.refusals[0].reason.endswith(
                    "(flannel's port rules, in the Nodes stack, roll back with the refusal; calico's stay open)"))
                allowed = between({}, {key: value, "allowRebuild": True})
                self.assertEqual(("rebuild", []), (allowed.verdict, allowed.refusals))

    def test_a_rebuild_makes_a_new_cluster_at_any_version(self):
        for version in ("1.33.0", "2.0.0"):
            with self.subTest(version):
                change = between({}, {"networkPlugin": "cilium", "kubernetes": version, "allowRebuild": True})
                self.assertEqual(("rebuild", False), (change.verdict, change.upgrade))
        # Without allowRebuild, the switch is what to say: with it the version would be no refusal.
        change = between({}, {"networkPlugin": "cilium", "kubernetes": "1.34.7"})
        self.assertEqual(["rebuild-not-allowed"], [r.rule for r in change.refusals])


class Variables(unittest.TestCase):
    def test_addons_and_the_switch_re_converge_or_change_nothing(self):
        change = between({"addons": ["helm"]}, {"addons": ["metricsServer"], "allowRebuild": True})
        self.assertEqual((["addons +metricsServer -helm", "allowRebuild false → true"], "re-converge"), (change.changes, change.verdict))
        change = between({}, {"allowRebuild": True})
        self.assertEqual((["allowRebuild false → true"], "unchanged"), (change.changes, change.verdict))

    def test_other_group_variables_re_converge(self):
        before = settings()
        after = dict(before, groupVars=dict(before["groupVars"], calico_vxlan_port=4790))
        change = changes.between(changes.of_settings(before), changes.of_settings(after))
        self.assertEqual((["kubespray group variables"], "re-converge"), (change.changes, change.verdict))

    def test_a_side_without_group_variables_is_told_by_its_addons(self):
        old = dict(change_table.BEFORE_THE_SECTION)
        self.assertEqual("unchanged", changes.between(changes.of_settings(old), changes.of_settings(settings())).verdict)
        self.assertEqual("re-converge", changes.between(changes.of_settings(old), changes.of_settings(settings(addons=["helm"]))).verdict)


class Defaults(unittest.TestCase):
    """What a request or record from before the kubernetes: section lacks is kubespray's default."""

    class Other:
        """A kubespray whose defaults are not the lab's: they must come from the contract, not from literals."""
        defaults = {"kube_network_plugin": "flannel", "kube_pods_subnet": "10.1.0.0/16",
                    "kube_service_addresses": "10.2.0.0/16", "kube_network_node_prefix": 25}

        def default(self, variable):
            return self.defaults[variable]

    def test_a_request_without_the_keys_means_the_contracts_defaults(self):
        with mock.patch.object(contract, "kubespray", return_value=self.Other()):
            given = changes.of_settings({"kubespray": "v2.31.0", "kubernetes": "1.35.4"})
        self.assertEqual({"networkPlugin": "flannel", "podCidr": "10.1.0.0/16", "serviceCidr": "10.2.0.0/16", "nodePrefix": "25"},
                         dict(given.network))

    def test_a_record_without_them_has_kubesprays_plugin_and_service_range_and_the_requests_pod_range_and_prefix(self):
        request = change_table.request_of(settings(podCidr="10.100.0.0/16", nodePrefix=25))
        with mock.patch.object(contract, "kubespray", return_value=self.Other()):
            was = changes.recorded_network(request, Cluster(via="i-1", kubernetes="1.35.4"))
        self.assertEqual({"networkPlugin": "flannel", "serviceCidr": "10.2.0.0/16", "podCidr": "10.100.0.0/16", "nodePrefix": "25"}, was)
        recorded = {"networkPlugin": "cilium", "podCidr": "10.3.0.0/16", "serviceCidr": "10.4.0.0/16", "nodePrefix": "24"}
        self.assertEqual(recorded, changes.recorded_network(request, Cluster(via="i-1", network=recorded)))

    def test_the_request_parser_defaults_to_the_same(self):
        # model.parse_request fills a request from before the section with these: they must be kubespray's too.
        k = contract.kubespray()
        self.assertEqual((k.default("kube_network_plugin"), k.default("kube_pods_subnet"), k.default("kube_service_addresses"),
                          k.default("kube_network_node_prefix")),
                         (model.DEFAULT_PLUGIN, model.DEFAULT_POD_CIDR, model.DEFAULT_SERVICE_CIDR, model.DEFAULT_NODE_PREFIX))


class CommandLine(unittest.TestCase):
    def run_main(self, args, stdin=""):
        out, err = io.StringIO(), io.StringIO()
        return changes.main(args, stdin=io.StringIO(stdin), stdout=out, stderr=err), out.getvalue(), err.getvalue()

    def test_two_files_or_standard_input(self):
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for name, value in (("before", settings(kubernetes="1.34.7")), ("after", settings())):
                paths.append(os.path.join(folder, name + ".json"))
                with open(paths[-1], "w") as f:
                    json.dump(value, f)
            code, out, _ = self.run_main(paths)
        self.assertEqual(0, code)
        self.assertEqual({"verdict": "upgrade", "changes": ["version 1.34.7 → 1.35.4"], "upgrade": True, "rebuild": [], "refusals": [],
                          "statements": [changes.what_the_convergence_does([], between(dict(kubernetes="1.34.7"), {}), 1).lines[0]],
                          "refused": False},
                         json.loads(out))
        code, out, _ = self.run_main([], json.dumps({"before": settings(kubernetes="1.34.7"), "after": settings()}))
        self.assertEqual((0, "upgrade"), (code, json.loads(out)["verdict"]))

    def test_mistakes_are_named(self):
        code, _, err = self.run_main(["one.json"])
        self.assertEqual(2, code)
        self.assertIn("usage: python3 -m k8slab_converge.changes", err)
        code, _, err = self.run_main([], json.dumps({"before": {"kubespray": "v2.31.0"}, "after": settings()}))
        self.assertEqual((1, "k8slab_converge.changes: the settings name no Kubernetes version (kubernetes)\n"), (code, err))
        code, _, err = self.run_main([], "not json")
        self.assertEqual(1, code)
        self.assertIn("Expecting value", err)

    def test_the_preview_can_run_it_with_python_3_8(self):
        # The preview runs on the user's python3: no syntax newer than 3.8 in what `-m k8slab_converge.changes` imports.
        package = os.path.dirname(changes.__file__)
        for name in ("changes.py", "model.py", "contract.py", "__init__.py"):
            with self.subTest(name), open(os.path.join(package, name)) as f:
                ast.parse(f.read(), name, feature_version=(3, 8))


def nodes(**groups):
    """nodes(replaced="cp-1 worker-1", added="worker-3") as NodeChanges, the role from the name."""
    return [changes.NodeChange(name, "control-plane" if name.startswith("cp-") else "worker", change)
            for change, names in groups.items() for name in names.split()]


class WhatTheConvergenceDoes(unittest.TestCase):
    """The statements the preview prints, from the nodes' instances and the settings' classification."""
    maxDiff = None
    UNCHANGED = staticmethod(lambda: between({}, {}))

    def does(self, node_changes, change=None, surge=1):
        result = changes.what_the_convergence_does(node_changes, change or self.UNCHANGED(), surge)
        return result.lines, result.refused

    def test_a_re_pinned_image_rolls_the_control_plane_first_then_the_workers(self):
        self.assertEqual((["rolled: cp-1..3 (etcd members replaced one at a time, snapshot first)",
                           "rolled: worker-1..4 (surge 2: successors join before each predecessor drains)"], False),
                         self.does(nodes(replaced="worker-1 worker-2 worker-3 worker-4 cp-1 cp-2 cp-3"), surge=2))

    def test_control_plane_count_up_and_down_adds_and_removes_etcd_members(self):
        self.assertEqual(["rolled: cp-2..3 (etcd members added one at a time, snapshot first)"], self.does(nodes(added="cp-2 cp-3"))[0])
        self.assertEqual(["rolled: cp-2..3 (etcd members removed one at a time, snapshot first)"], self.does(nodes(removed="cp-3 cp-2"))[0])

    def test_workers_added_removed_and_replaced(self):
        self.assertEqual(["drained and removed: worker-5", "joined: worker-3..4",
                          "rolled: worker-1..2 (surge 1: successors join before each predecessor drains)"],
                         self.does(nodes(added="worker-3 worker-4", removed="worker-5", replaced="worker-1 worker-2", unchanged="cp-1"))[0])

    def test_nothing_to_do_says_nothing(self):
        self.assertEqual(([], False), self.does(nodes(unchanged="cp-1 worker-1")))

    def test_a_refused_change_is_all_it_says_and_is_refused(self):
        lines, refused = self.does(nodes(replaced="worker-1"), between({}, dict(networkPlugin="cilium")))
        self.assertTrue(refused)
        self.assertEqual(1, len(lines))
        self.assertTrue(lines[0].startswith("refused: networkPlugin calico → cilium rebuilds the running cluster"), lines[0])

    def test_a_rebuild_and_an_upgrade_and_a_re_convergence(self):
        self.assertEqual((["REBUILD: every workload is lost (kubernetes.allowRebuild)"], False),
                         self.does([], between({}, dict(networkPlugin="cilium", allowRebuild=True))))
        lines, _ = self.does(nodes(replaced="cp-1 worker-1"), between(dict(kubernetes="1.34.7"), {}))
        self.assertEqual(["rolled: cp-1 (", "upgraded: version 1.34.7 → 1.35.4 (", "rolled: worker-1 ("], [line[:line.index("(") + 1] for line in lines])
        self.assertEqual(["re-converged: addons +helm (cluster.yml with the new group variables, no node drained)"],
                         self.does([], between({}, dict(addons=["helm"])))[0])

    def test_names_are_compacted_as_the_preview_compacts_them(self):
        # Groups in the order they first come, as NodeNames.Compact's GroupBy keeps them.
        self.assertEqual("worker-1,3,5..6 cp-1..3", changes.compact(["worker-6", "cp-2", "cp-1", "worker-1", "cp-3", "worker-3", "worker-5"]))

    def test_the_command_line_takes_the_nodes_and_says_refused(self):
        given = {"before": settings(), "after": settings(maxSurge=3),
                 "nodes": [{"name": "worker-1", "role": "worker", "change": "replaced"}]}
        out = io.StringIO()
        self.assertEqual(0, changes.main([], stdin=io.StringIO(json.dumps(given)), stdout=out, stderr=io.StringIO()))
        answer = json.loads(out.getvalue())
        self.assertEqual((["rolled: worker-1 (surge 3: successors join before each predecessor drains)"], False),
                         (answer["statements"], answer["refused"]))


if __name__ == "__main__":
    unittest.main()
