"""Warm servers (the stand-ins' standins/server.py, Infra.Tests' warm-aws.py): one process pays for
the imports once and runs each call for its caller: in a forked child, which becomes the caller's
process, or in itself, borrowed for the call (the stand-ins', and the AWS CLI's but for the calls that
may run for long). This module is what
they share: the launcher a caller runs (launcher.c, compiled here), the request it sends, and the
loop that accepts calls."""
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "launcher.c")
STANDINS = os.path.join(HERE, "standins")


def launcher():
    """The launcher, compiled once (about 0.3 s) for this checkout and kept in a folder of this user's
    in the temporary folder, under a hash of its source and flags (the stand-ins' folder it falls back
    to among them), so that every test process shares it. Needs a C compiler; the README's test command installs gcc where none is."""
    flags = ["-O2", "-Wall", "-Werror", f'-DSTANDINS="{STANDINS}"']
    with open(SOURCE, "rb") as f:
        source = f.read()
    key = hashlib.sha256(source + b"\0" + "\0".join(flags).encode()).hexdigest()[:16]
    # A folder of this user's own, that nobody else may write: what is run from it is what was built.
    folder = os.path.join(tempfile.gettempdir(), f"k8slab-launcher-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    owner = os.stat(folder)
    if owner.st_uid != os.getuid() or owner.st_mode & 0o022:
        raise AssertionError(f"{folder} is not this user's alone: remove it")
    binary = os.path.join(folder, key)
    if os.access(binary, os.X_OK):
        return binary
    compiler = shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise AssertionError(f"no C compiler (cc) for the warm servers' launcher, {SOURCE}: install gcc (scripts/test.sh does)")
    partial = f"{binary}.{os.getpid()}"
    built = subprocess.run([compiler, *flags, "-o", partial, SOURCE], capture_output=True, text=True)
    if built.returncode != 0:
        raise AssertionError(f"{compiler} could not compile {SOURCE}:\n{built.stderr}")
    os.replace(partial, binary)  # whole or absent: builds in parallel race harmlessly
    return binary


def receive(conn):
    """One call as launcher.c sends it: (request, fds), the request a dict of cwd, parent (pid), argv
    and env; (None, []) for a probe (a connection closed at once, to learn that the server is up)."""
    head, fds, _, _ = socket.recv_fds(conn, 4, 3)
    if not head and not fds:
        return None, []
    try:
        while len(head) < 4:
            more = conn.recv(4 - len(head))
            if not more:
                raise EOFError("request header cut short")
            head += more
        length = int.from_bytes(head, "big")
        body = bytearray()
        while len(body) < length:
            more = conn.recv(min(1 << 20, length - len(body)))
            if not more:
                raise EOFError("request cut short")
            body += more
        fields = [os.fsdecode(f) for f in bytes(body).split(b"\0")[:-1]]
        argc = int(fields[2])
        env = {}
        for entry in fields[3 + argc:]:
            if "=" in entry:  # the first of a name that appears twice, as os.environ keeps it
                env.setdefault(*entry.split("=", 1))
        if len(fds) != 3:
            raise ValueError(f"{len(fds)} fds, not 3")
        return {"cwd": fields[0], "parent": int(fields[1]), "argv": fields[3:3 + argc], "env": env}, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def become(request, fds):
    """In the forked child: the caller's stdin, stdout and stderr, working directory and environment,
    and the default dispositions of SIGCHLD and SIGTERM (the server's are not the caller's: with
    SIGCHLD ignored, a child could not wait for its own subprocesses)."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    take(request, fds)
    for fd in fds:
        os.close(fd)


def take(request, fds):
    """The caller's fds on 0-2, its working directory and its environment, in this process."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])


@contextlib.contextmanager
def borrowed(request, fds):
    """In the server itself: the caller's stdin, stdout and stderr on fds 0-2, working directory,
    environment and argv for the length of the block; then the server's own again, sys.path and the
    standard streams included. No fork, no new process: what a call allocates is the server's heap,
    reused by the next call, where a forked child's pages are copied, then freed with it (freed
    memory goes back to this machine kind's hypervisor, and costs a fault to take again)."""
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    cwd, environ, argv, path = os.getcwd(), dict(os.environ), sys.argv, list(sys.path)
    streams = sys.stdin, sys.stdout, sys.stderr
    try:
        take(request, fds)
        sys.argv = list(request["argv"])
        yield
    finally:
        # The call's own streams (interpreter.streams) are freed here, while fds 0-2 are still the
        # caller's: what they could not flush (a closed pipe) never reaches the server's.
        sys.stdin, sys.stdout, sys.stderr = streams
        for target, fd in enumerate(saved):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(environ)
        sys.argv, sys.path[:] = argv, path


def serve(path, parent, call, fork=True):
    """Accepts calls on the Unix socket PATH until PARENT (the test process) is gone or SIGTERM; each
    runs call(request, fds) in a forked child (call becomes the caller: become), or with fork=False
    in this process, one call at a time, borrowed for the caller (fork may be a function of the
    request that says which for each call); its return value is the launcher's
    exit code as sys.exit would make it (None 0, an int itself, anything else 1; whatever it raises, 1,
    with the traceback on the caller's standard error)."""
    # Children are never waited for: the launcher learns the exit code over the socket.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    server.settimeout(1.0)  # polls for the parent: an orphaned server stops instead of lingering
    print("ready", flush=True)
    try:
        while os.getppid() == parent:
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            fds = []
            try:
                conn.settimeout(10)
                request, fds = receive(conn)
                conn.settimeout(None)
                if request is not None and not (fork(request) if callable(fork) else fork):
                    with borrowed(request, fds):
                        code = exit_code(call, request, fds)
                    conn.sendall(f"{code}\n".encode())
                elif request is not None and os.fork() == 0:
                    code = 1
                    try:  # the child never returns to this loop, whatever call returns or raises
                        server.close()
                        code = exit_code(call, request, fds)
                        conn.sendall(f"{code}\n".encode())
                    finally:
                        os._exit(code & 0xFF)
            except Exception as e:  # noqa: B902 (one bad call never stops the server)
                print(f"warm server {path}: dropped a call: {e!r}", file=sys.stderr, flush=True)
            finally:
                for fd in fds:
                    os.close(fd)
                conn.close()
    finally:
        server.close()
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def exit_code(call, request, fds):
    """call(request, fds) as sys.exit(its result) would end: None 0, an int itself, anything else 1;
    whatever it raises, 1, with the traceback on the standard error it has then."""
    try:
        result = call(request, fds)
        return 0 if result is None else result if isinstance(result, int) else 1
    except BaseException:  # noqa: B902 (the launcher still gets a code)
        traceback.print_exc()
        return 1
