"""warm.py and launcher.c, the part both warm servers share: whatever a call returns or raises, its
launcher gets an exit code as sys.exit would give it, and the server serves on; a caller with a
closed standard stream or no server gets a launcher error, not a hang or a signal."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import warm

HERE = os.path.dirname(os.path.abspath(__file__))

# A server whose call does what its first argument says.
SERVER = textwrap.dedent("""
    import sys
    import warm

    def call(request, fds):
        warm.become(request, fds)
        what = request["argv"][1]
        if what == "none":
            return None
        if what == "text":
            return "not a code"
        if what == "raise":
            raise RuntimeError("the call broke")
        return int(what)

    warm.serve(sys.argv[1], int(sys.argv[2]), call)
""")


class Warm(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="k8slab-warm-test-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.socket = os.path.join(self.folder, "socket")
        env = dict(os.environ, PYTHONPATH=HERE)
        self.server = subprocess.Popen([sys.executable, "-c", SERVER, self.socket, str(os.getpid())], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop)
        self.assertEqual("ready", self.server.stdout.readline().strip(), self.server.stderr.read() if self.server.poll() is not None else "")
        self.launcher = warm.launcher()

    def stop(self):
        self.server.terminate()
        self.server.communicate(timeout=10)

    def call(self, *args, env=None, **kwargs):
        return subprocess.run([self.launcher, *args], env=dict(env or os.environ, WARM_SERVER=self.socket),
                              capture_output=True, text=True, timeout=30, **kwargs)

    def test_each_return_is_an_exit_code_as_sys_exit_makes_it_and_the_server_serves_on(self):
        for what, code in (("none", 0), ("3", 3), ("300", 300 & 0xFF), ("text", 1), ("raise", 1), ("0", 0)):
            proc = self.call(what)
            self.assertEqual(code, proc.returncode, f"{what}: {proc.stderr}")
            self.assertTrue(os.path.exists(self.socket), f"after {what}, the server's socket is gone")
        self.assertIn("RuntimeError: the call broke", self.call("raise").stderr)

    def test_a_closed_stdin_is_not_taken_for_the_socket(self):
        proc = subprocess.run(["sh", "-c", '"$0" 5 <&-', self.launcher], env=dict(os.environ, WARM_SERVER=self.socket),
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(127, proc.returncode, proc.stderr)
        self.assertIn("launcher: send: Bad file descriptor", proc.stderr)
        self.assertEqual(4, self.call("4").returncode)

    def test_without_a_server_the_launcher_says_so(self):
        missing = os.path.join(self.folder, "none")
        proc = subprocess.run([self.launcher, "0"], env=dict(os.environ, WARM_SERVER=missing),
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(127, proc.returncode)
        self.assertIn(f"{missing}: No such file or directory", proc.stderr)


if __name__ == "__main__":
    unittest.main()
