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

# A server whose call does what its first argument says; forked, or in the server (fork=False).
SERVER = textwrap.dedent("""
    import os
    import sys
    import warm

    fork = sys.argv[3] == "fork"

    def call(request, fds):
        if fork:
            warm.become(request, fds)
        what = request["argv"][1]
        if what == "none":
            return None
        if what == "text":
            return "not a code"
        if what == "raise":
            raise RuntimeError("the call broke")
        if what == "where":  # what the call sees of the process
            print(os.getcwd(), os.environ.get("WARM_TEST"), len(sys.path), flush=True)
            return 0
        if what == "leave":  # a call that leaves its marks, and output it cannot flush (a closed pipe)
            sys.path.append("/nowhere")
            os.environ["WARM_TEST"] = "left"
            os.chdir("/")
            sys.stdout = open(1, "w", closefd=False)
            sys.stdout.write("never flushed")
            return 0
        return int(what)

    warm.serve(sys.argv[1], int(sys.argv[2]), call, fork=fork)
""")


class Warm(unittest.TestCase):
    mode = "fork"

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="k8slab-warm-test-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.socket = os.path.join(self.folder, "socket")
        env = dict(os.environ, PYTHONPATH=HERE)
        self.server = subprocess.Popen([sys.executable, "-c", SERVER, self.socket, str(os.getpid()), self.mode], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop)
        self.assertEqual("ready", self.server.stdout.readline().strip(), self.server.stderr.read() if self.server.poll() is not None else "")
        self.launcher = warm.launcher()

    def stop(self):
        self.server.terminate()
        return self.server.communicate(timeout=10)

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


class InTheServer(Warm):
    """The same, each call run in the server itself (the stand-ins' server), where a call that kept
    the caller's fds would hang its caller (no end of its output); and whatever a call changes of the
    process (sys.path, the directory, the environment), the next one finds the server as it was."""
    mode = "in-process"

    def test_a_call_leaves_nothing_for_the_next(self):
        read, write = os.pipe()
        os.close(read)  # the call's stdout: a pipe nobody reads
        left = subprocess.run([self.launcher, "leave"], env=dict(os.environ, WARM_SERVER=self.socket), stdout=write, timeout=30)
        os.close(write)
        self.assertEqual(0, left.returncode)
        before = self.call("where", cwd=self.folder)
        self.assertEqual(0, before.returncode, before.stderr)
        first = before.stdout.split()
        self.assertEqual([os.path.realpath(self.folder), "None"], first[:2])
        self.assertEqual(first, self.call("where", cwd=self.folder).stdout.split())
        self.call("leave", cwd=self.folder)
        after = self.call("where", cwd=self.folder).stdout
        self.assertEqual(first, after.split(), "sys.path, cwd or environment left by a call")
        out, _ = self.stop()
        self.assertEqual("", out, "a call's output reached the server's own stdout")


if __name__ == "__main__":
    unittest.main()
