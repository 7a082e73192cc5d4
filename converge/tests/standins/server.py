"""Serves the stand-ins warm: `python3 -S server.py DIR PID` listens on DIR/socket and makes DIR/kubectl
and DIR/ansible-playbook (the launcher, by those names), until PID (the test process) is gone; then it
removes DIR. Each call runs in a child forked from this
process, which has the interpreter started, the stand-ins' imports done (PyYAML and the contract's
reader included) and their code compiled: a cold call costs 60 to 100 ms of CPU here, most of it
an interpreter starting and importing, and a scenario makes dozens to hundreds of them.

The child becomes the caller's process: its arguments, environment, working directory, stdin,
stdout and stderr (passed as fds), and its parent, the program, which a stand-in may kill.
The interpreter's own settings (PYTHONHASHSEED, PYTHONIOENCODING) are the server's; PYTHONUNBUFFERED
is the caller's. What it cannot be is the launcher's own process: a signal to the launcher does not reach it (the
program never signals a stand-in). The lab's fresh_interpreter runs every stand-in cold instead.
"""
import builtins
import gc
import marshal
import os
import signal
import socket
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = ("kubectl", "ansible-playbook")
sys.path.insert(0, os.path.dirname(HERE))  # converge/tests: interpreter.py
import interpreter  # noqa: E402


def receive(conn):
    """A call: a 4-byte length with the caller's three fds, then the marshalled request."""
    head, fds, _, _ = socket.recv_fds(conn, 4, 3)
    while len(head) < 4:
        more = conn.recv(4 - len(head))
        if not more:
            raise EOFError("request header cut short")
        head += more
    length = int.from_bytes(head, "big")
    body = bytearray()
    while len(body) < length:
        more = conn.recv(length - len(body))
        if not more:
            raise EOFError("request cut short")
        body += more
    return marshal.loads(bytes(body)), fds


def run(conn, request, fds, codes, model):
    """In the forked child: the stand-in as the caller's process; its exit code to the launcher."""
    argv, environ, cwd, program = request
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        interpreter.streams(environ)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        sys.argv = list(argv)
        model.PROGRAM = program
        name = os.path.basename(argv[0])
        scope = {"__name__": "__main__", "__file__": os.path.join(HERE, name), "__builtins__": builtins}
        code = interpreter.run(lambda: exec(codes[name], scope))
    except BaseException:  # noqa: B902 (the call could not be set up: the launcher still gets a code)
        traceback.print_exc()
    finally:
        try:
            conn.sendall(str(code).encode())
        finally:
            os._exit(code)


def serve(folder, parent):
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # converge/: the contract's reader
    import cluster_model
    cluster_model.use_site_packages()
    import base64, hashlib, json, re, yaml  # noqa: E401,F401 (what the stand-ins import, once)
    from k8slab_converge import contract
    contract.kubespray()
    codes = {}
    for name in STANDINS:
        with open(os.path.join(HERE, name)) as f:
            codes[name] = compile(f.read(), os.path.join(HERE, name), "exec")
        os.symlink(os.path.join(HERE, "launcher"), os.path.join(folder, name))
    gc.collect()
    gc.freeze()  # the children's collections leave the server's objects (and their pages) alone
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are never waited for
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(os.path.join(folder, "socket"))
    server.listen(64)
    server.settimeout(1.0)
    print("ready", flush=True)
    while os.getppid() == parent:  # an orphaned server (its test process killed) stops
        try:
            conn, _ = server.accept()
        except socket.timeout:
            continue
        fds = []
        try:
            conn.settimeout(10)
            request, fds = receive(conn)
            conn.settimeout(None)
            if len(fds) != 3:
                raise ValueError(f"{len(fds)} fds, not 3")
            if os.fork() == 0:
                try:  # the child never returns to this loop (nor to the folder's removal)
                    server.close()
                    run(conn, request, fds, codes, cluster_model)
                finally:
                    os._exit(1)
        except Exception:  # noqa: B902 (one bad call never stops the server; the launcher reports it)
            traceback.print_exc()
        finally:
            for fd in fds:
                os.close(fd)
            conn.close()


if __name__ == "__main__":
    try:
        # The test process's pid, given: read here after the imports, getppid() could already be init's.
        serve(sys.argv[1], int(sys.argv[2]))
    finally:
        import shutil
        shutil.rmtree(sys.argv[1], True)
