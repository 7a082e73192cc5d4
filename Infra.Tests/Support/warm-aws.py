"""A warm AWS CLI (v1) for the tests: one process pays for the imports and the JSON service models once.

  serve SOCKET        listen on a Unix socket; each request runs `aws ARGS` in a forked child
  call SOCKET ARGS... run `aws ARGS` through the server with this process's stdin, stdout, stderr,
                      environment and working directory; exit with the CLI's exit code

A cold `aws` call costs about 1.2 s, almost all of it imports and botocore parsing its service
models; a forked child of a warm process starts with both done. The child builds a fresh driver and
session from the caller's environment (its region, credentials, config file and plugins), so only
the data loader (the parsed models, the same files whatever the environment) is shared.
"""
import gc
import json
import os
import signal
import socket
import struct
import sys

# Clients created (and discarded) in the server so that their models, endpoint rule sets,
# paginators and waiters are in the loader's cache: the services the scripts and tests call.
SERVICES = ("ec2", "ssm", "s3", "sts", "resourcegroupstaggingapi", "cloudformation")
WARM_REGION = "eu-west-1"
HEADER = struct.Struct("!I")


def data_path(environ):
    """AWS_DATA_PATH as `import awscli` sets it for this environment (it decides the loader's search path)."""
    import awscli
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in environ["AWS_DATA_PATH"].split(os.pathsep)] \
        if "AWS_DATA_PATH" in environ else []
    paths.append(os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data"))
    return os.pathsep.join(paths)


def share_service_models(loader):
    """Clients made with the warm loader share one ServiceModel per service and API version.

    botocore builds a fresh ServiceModel for each client, and a client's class an OperationModel for
    each operation (EC2: about 760, 0.3 s); both depend only on the model files. A child may change
    its copy (fork), never the server's.
    """
    import botocore.client
    load = botocore.client.ClientCreator._load_service_model
    models = {}

    def shared(self, service_name, api_version=None):
        if self._loader is not loader:
            return load(self, service_name, api_version)
        key = (service_name, api_version)
        if key not in models:
            models[key] = load(self, service_name, api_version)
        return models[key]

    botocore.client.ClientCreator._load_service_model = shared


def warm_loader():
    import awscli.clidriver
    import botocore.session

    driver = awscli.clidriver.create_clidriver()
    # Builds every customization's commands: imports what a call would import lazily.
    driver._get_command_table()
    driver.session.get_data("cli")
    loader = driver.session.get_component("data_loader")
    share_service_models(loader)
    session = botocore.session.Session()
    session.register_component("data_loader", loader)
    for service in SERVICES:
        # Explicit keys: the server never looks for credentials (the child reads the caller's).
        client = session.create_client(service, region_name=WARM_REGION, aws_access_key_id="warm",
                                       aws_secret_access_key="warm")
        # Loads the paginators (any operation name does) and the waiters.
        client.can_paginate(next(iter(client._PY_TO_OP_NAME)))
        client.waiter_names
    for name in ("_retry", "endpoints", "partitions", "sdk-default-configuration"):
        loader.load_data(name)
    return loader


def run_child(conn, request, fds, loader, loader_path):
    """In the forked child: become the caller's `aws` process, run the CLI, report its exit code."""
    rc = 255
    try:
        # The server's dispositions are not the CLI's: with SIGCHLD ignored it could not wait for
        # its own subprocesses (ssm start-session's plugin).
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        # New text streams on the caller's fds: buffering follows them (a terminal or a pipe), as in a fresh process.
        sys.stdin = open(0, "r", encoding=sys.stdin.encoding, errors=sys.stdin.errors, closefd=False)
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding=sys.stdout.encoding,
                          errors=sys.stdout.errors, closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding=sys.stderr.encoding, errors=sys.stderr.errors, closefd=False)
        os.chdir(request["cwd"])
        # argparse names the program after sys.argv[0] in its errors ("aws: error: ...").
        sys.argv = ["aws", *request["argv"]]
        os.environ.clear()
        os.environ.update(request["env"])
        # What bin/aws and `import awscli` do to the environment at startup.
        if os.environ.get("LC_CTYPE", "") == "UTF-8":
            os.environ["LC_CTYPE"] = "en_US.UTF-8"
        os.environ["AWS_DATA_PATH"] = data_path(os.environ)
        import awscli.clidriver
        driver = awscli.clidriver.create_clidriver()
        # The warm loader only if this caller's search path is the server's (else its own, cold one).
        if os.environ["AWS_DATA_PATH"] == loader_path:
            driver.session.register_component("data_loader", loader)
        if os.environ.get("WARM_AWS_PROFILE"):
            import cProfile
            profile = cProfile.Profile()
            rc = profile.runcall(driver.main, request["argv"])
            profile.dump_stats(os.environ["WARM_AWS_PROFILE"])
        else:
            rc = driver.main(request["argv"])
        awscli.clidriver.HISTORY_RECORDER.record("CLI_RC", rc, "CLI")
    except SystemExit as e:  # argparse's errors exit (252 for the CLI's own parser)
        if e.code is None or isinstance(e.code, int):
            rc = e.code or 0
        else:  # as the interpreter does with sys.exit("message")
            print(e.code, file=sys.stderr)
            rc = 1
    except BaseException:
        import traceback
        traceback.print_exc()
        rc = 255
    finally:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        try:
            conn.sendall(f"{rc}\n".encode())
        finally:
            os._exit(rc & 0xFF)


def receive(conn):
    """One request: a 4-byte length, the JSON, and the caller's three fds with its first bytes."""
    head, fds, _, _ = socket.recv_fds(conn, HEADER.size, 3)
    if not head and not fds:
        return None, []  # a probe: the fixture connects to learn that the server is up
    while len(head) < HEADER.size:
        more = conn.recv(HEADER.size - len(head))
        if not more:
            raise EOFError("request header cut short")
        head += more
    (length,) = HEADER.unpack(head)
    body = bytearray()
    while len(body) < length:
        more = conn.recv(min(1 << 20, length - len(body)))
        if not more:
            raise EOFError("request cut short")
        body += more
    return json.loads(body), fds


def serve(path):
    parent = os.getppid()
    # `import awscli` extends AWS_DATA_PATH in os.environ: the path a fresh `aws` would have is the one from before.
    loader_path = data_path(dict(os.environ))
    loader = warm_loader()
    # The warm heap (the parsed models) is left out of the children's garbage collections: a full
    # one would walk, and so copy on write, all of it (about 0.4 s a call).
    gc.collect()
    gc.freeze()
    # Children are never waited for: the caller learns their exit code over the socket.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    # Polls for its parent (the test run): an orphaned server stops instead of lingering.
    server.settimeout(1.0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
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
                if request is None:
                    continue
                conn.settimeout(None)
                if len(fds) != 3:
                    raise ValueError(f"{len(fds)} fds, not 3")
                if os.fork() == 0:
                    try:  # the child never returns to this loop, whatever happens
                        server.close()
                        run_child(conn, request, fds, loader, loader_path)
                    finally:
                        os._exit(255)
            except Exception as e:  # a bad client must not stop the server
                print(f"warm-aws: dropped a request: {e}", file=sys.stderr, flush=True)
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


def call(path, argv):
    request = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(path)
    except OSError as e:
        print(f"warm-aws: no server at {path}: {e}", file=sys.stderr)
        return 255
    # The fds ride with the header; the body may be larger than one send or receive.
    socket.send_fds(client, [HEADER.pack(len(request))], [0, 1, 2])
    client.sendall(request)
    # Only the child writes on this socket: its exit code, then the connection closes.
    reply = b""
    while not reply.endswith(b"\n"):
        more = client.recv(16)
        if not more:
            break
        reply += more
    try:
        return int(reply)
    except ValueError:
        return 255  # the server or the child died before answering


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "call":
        sys.exit(call(sys.argv[2], sys.argv[3:]))
    else:
        sys.exit("usage: warm-aws.py serve SOCKET | call SOCKET ARGS...")
