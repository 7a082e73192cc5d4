"""The stand-ins served warm (standins/server.py, which the scenarios use through lab.standin_server)
answer as they do cold, in a fresh interpreter: the same exit code, stdout, stderr, model and log of
calls from the same model; and a stand-in's kill hits the program that called it, not the server."""
import json
import os
import subprocess
import unittest

from lab import STANDINS, standin_server
from test_playbooks import CP, Fixture


class WarmAndCold(Fixture):
    def setUp(self):
        super().setUp()
        self.socket = os.path.join(standin_server(), "socket")
        self.kubeconfig = os.path.join(self.root, "admin.conf")
        with open(self.kubeconfig, "w") as f:
            f.write(f"server: https://{CP[1]}:6443\n")
        self.logs = os.path.join(self.root, "log")
        os.makedirs(self.logs)

    def files(self):
        """The stand-ins' model, its history and the log of calls, as text (absent: None)."""
        texts = []
        for path in (self.state, self.state + ".history", self.calls):
            if os.path.exists(path):
                with open(path) as f:
                    texts.append(f.read())
            else:
                texts.append(None)
        return texts

    def restore(self, texts):
        for path, text in zip((self.state, self.state + ".history", self.calls), texts):
            if text is None:
                if os.path.exists(path):
                    os.remove(path)
            else:
                with open(path, "w") as f:
                    f.write(text)

    def call(self, name, args, warm, stdin=None, program=None, environ=(), stdout=subprocess.PIPE):
        """A stand-in as the program runs it, cold (the script) or warm (the server's launcher);
        program: a shell command line around it ("$0" is the stand-in), as the calling program."""
        env = dict(os.environ, KUBESPRAY_DIR=self.checkout, STANDIN_STATE=self.state, STANDIN_CALLS=self.calls,
                   KUBECONFIG=self.kubeconfig, LOG_DIR=self.logs, **dict(environ))
        env.pop("WARM_SERVER", None)
        if warm:
            env["WARM_SERVER"] = self.socket
        command = os.path.join(os.path.dirname(self.socket) if warm else STANDINS, name)
        argv = ["sh", "-c", program, command, *args] if program else [command, *args]
        return subprocess.run(argv, cwd=self.checkout, env=env, input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                              text=True, timeout=60)

    def assert_alike(self, name, *args, stdin=None, last_line=False):
        """The call from the same files cold and warm: equal outputs and files afterwards.
        last_line: of stderr, only its last line (a traceback's frames differ: warm, the server's come first)."""
        start = self.files()
        seen = []
        for warm in (False, True):
            self.restore(start)
            proc = self.call(name, args, warm, stdin)
            stderr = proc.stderr.strip().splitlines()[-1:] if last_line else proc.stderr
            seen.append((proc.returncode, proc.stdout, stderr, self.files()))
        self.assertEqual(seen[0], seen[1], f"{name} {' '.join(args)}: cold, then warm")
        return seen[1]

    def test_ansible_playbook_warm_is_ansible_playbook_cold(self):
        self.assertEqual(1, self.assert_alike("ansible-playbook", "-i", self.inventory, "facts.yml")[0])
        self.assertEqual(2, self.assert_alike("ansible-playbook", "-i", self.inventory, "-b", "reset.yml",
                                              "-e", "reset_confirmation=yes", "-e", f"node={CP[0]}")[0])
        self.assertEqual(0, self.assert_alike("ansible-playbook", "-i", self.inventory, "-b", "--forks", "5",
                                              "playbooks/facts.yml")[0])
        self.assertEqual(0, self.assert_alike("ansible-playbook", "-i", self.inventory, "-b", "cluster.yml",
                                              "-e", "kubeconfig_localhost=true")[0])

    def test_kubectl_warm_is_kubectl_cold(self):
        self.assertEqual(0, self.call("ansible-playbook", ["-i", self.inventory, "-b", "cluster.yml"], warm=False).returncode)
        code, out, _, _ = self.assert_alike("kubectl", "get", "nodes", "-o", "json")
        self.assertEqual(0, code)
        self.assertEqual(2, len(json.loads(out)["items"]))
        configmap = {"metadata": {"name": "k8slab"}, "data": {"a": "b"}}
        self.assertEqual(0, self.assert_alike("kubectl", "apply", "-f", "-", stdin=json.dumps(configmap))[0])
        self.assertEqual(1, self.assert_alike("kubectl", "get", "configmap", "-n", "kube-system", "nothing")[0])
        self.assertEqual(2, self.assert_alike("kubectl", "version")[0])
        # An error of the stand-in's own (no arguments): a traceback and Python's exit code.
        self.assertEqual(1, self.assert_alike("kubectl", last_line=True)[0])
        os.remove(self.kubeconfig)
        self.assertEqual((1, "error: no kubeconfig\n"), self.assert_alike("kubectl", "get", "nodes")[:2])

    def test_output_to_a_closed_pipe_ends_as_in_a_fresh_interpreter(self):
        # Buffered, the print succeeds and the final flush fails (exit code 120); unbuffered
        # (PYTHONUNBUFFERED), the print itself raises (exit code 1).
        self.assertEqual(0, self.call("ansible-playbook", ["-i", self.inventory, "-b", "cluster.yml"], warm=False).returncode)
        for unbuffered, expected in (("", 120), ("1", 1)):
            for warm in (False, True):
                read, write = os.pipe()
                os.close(read)  # nobody reads: a write to the pipe fails (EPIPE)
                proc = self.call("kubectl", ["get", "nodes", "-o", "json"], warm, environ={"PYTHONUNBUFFERED": unbuffered},
                                 stdout=write)
                os.close(write)
                where = f"{'warm' if warm else 'cold'}, PYTHONUNBUFFERED={unbuffered!r}: {proc.stderr}"
                self.assertEqual(expected, proc.returncode, where)
                self.assertIn("BrokenPipeError", proc.stderr, where)

    def test_a_kill_hits_the_calling_program_and_the_server_serves_on(self):
        self.assertEqual(0, self.call("ansible-playbook", ["-i", self.inventory, "-b", "cluster.yml"], warm=False).returncode)
        with open(os.path.join(self.logs, "converge.log"), "w") as f:
            f.write("2026-12-05 step 1/2: drain worker-1\n")
        start = self.files()
        for warm in (False, True):
            model = json.loads(start[0])
            model["triggers"] = [{"at": 1, "kill": True}]
            self.restore([json.dumps(model), *start[1:]])
            proc = self.call("kubectl", ["get", "nodes", "-o", "json"], warm, program='"$0" "$@"; echo survived')
            self.assertEqual(-9, proc.returncode, ("warm" if warm else "cold") + proc.stdout + proc.stderr)
            self.assertNotIn("survived", proc.stdout)
        self.restore(start)
        self.assertEqual(0, self.call("kubectl", ["get", "nodes", "-o", "json"], warm=True).returncode)


if __name__ == "__main__":
    unittest.main()
