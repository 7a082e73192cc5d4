"""The inventory and group variables the executor writes, read by ansible itself (ansible-inventory):
the kubernetes: section's variables reach every cluster host from group_vars/k8s_cluster next to the
inventory, with their types (booleans stay booleans, numbers numbers)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from k8slab_converge.execute import Executor, Settings
from k8slab_converge.model import CONTROL_PLANE, WORKER, DesiredNode, Request
from lab import group_vars


class GroupVars(unittest.TestCase):
    def setUp(self):
        if shutil.which("ansible-inventory") is None:
            raise AssertionError("ansible-inventory is not on PATH (the ansible package): it reads the inventory as kubespray's ansible does")
        self.root = tempfile.mkdtemp(prefix="k8slab-inventory-")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.settings = Settings({"LAB_ENVIRONMENT": "dev", "AWS_REGION": "eu-west-1", "CONVERGE_PARAMETER": "/k8slab/dev/converge-request",
                                  "KUBESPRAY_VERSION": "v2.31.0", "KUBESPRAY_DIR": self.root, "ANSIBLE_VENV": self.root,
                                  "STATE_DIR": os.path.join(self.root, "state"), "LOG_DIR": self.root})

    def write(self, request):
        executor = Executor(self.settings, request, lambda *a, **k: None)
        path = executor.write_inventory({"cp-1-0000a1": (CONTROL_PLANE, "10.0.0.10"), "worker-1-0000b1": (WORKER, "10.0.0.11")}, "hosts")
        executor.write_group_vars()
        return path

    def hostvars(self, path):
        proc = subprocess.run(["ansible-inventory", "-i", path, "--list"], capture_output=True, text=True,
                              env=dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_WARNING="False"))
        self.assertEqual(0, proc.returncode, proc.stderr)
        return json.loads(proc.stdout)["_meta"]["hostvars"]

    def test_every_cluster_host_gets_the_group_vars_with_their_types(self):
        variables = group_vars("1.34.6", "cilium", ("helm", "metricsServer"), "10.100.0.0/16", "10.101.0.0/18", 25)
        request = Request(id="r1", signal="http://s", nodes=(DesiredNode("cp-1", CONTROL_PLANE, "i-a1"),), kubespray="v2.31.0",
                          kubernetes="1.34.6", network_plugin="cilium", pod_cidr="10.100.0.0/16", service_cidr="10.101.0.0/18",
                          node_prefix=25, addons=("helm", "metricsServer"), given_group_vars=variables)
        path = self.write(request)
        self.assertEqual(os.path.join(os.path.dirname(path), "group_vars", "k8s_cluster", "k8slab.yml"), self.settings.group_vars_file)
        hostvars = self.hostvars(path)
        for host in ("cp-1-0000a1", "worker-1-0000b1"):
            seen = {k: hostvars[host][k] for k in variables}
            self.assertEqual(variables, seen, host)
            self.assertIs(True, hostvars[host]["helm_enabled"])
            self.assertIs(False, hostvars[host]["local_path_provisioner_enabled"])
            self.assertEqual(25, hostvars[host]["kube_network_node_prefix"])
            self.assertIs(False, hostvars[host]["download_run_once"])  # the inventory's own, still in all.vars

    def test_the_inventory_no_longer_sets_them(self):
        request = Request(id="r2", signal="http://s", nodes=(), kubespray="v2.31.0", kubernetes="1.35.4")
        path = self.write(request)
        with open(path) as f:
            inventory_vars = json.load(f)["all"]["vars"]
        self.assertEqual({"download_run_once", "download_localhost"}, set(inventory_vars))
        # A request from before the kubernetes: section: the version and ranges still reach kubespray.
        self.assertEqual("1.35.4", self.hostvars(path)["worker-1-0000b1"]["kube_version"])


if __name__ == "__main__":
    unittest.main()
