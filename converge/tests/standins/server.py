"""Serves the stand-ins warm: `python3 -S server.py DIR PID` listens on DIR/socket and makes DIR/kubectl
and DIR/ansible-playbook (the launcher, by those names), until PID (the test process) is gone; then it
removes DIR. Each call runs in this process, which has the interpreter started, the stand-ins' imports
done (PyYAML and the contract's reader included) and their code compiled: a cold call costs 60 to
100 ms of CPU here, most of it an interpreter starting and importing, and a scenario makes dozens to
hundreds of them. Not in a forked child either: a child's copied and freed pages made a call cost
about 30 ms of CPU where the scenarios run side by side; in the server it costs what the stand-in
does (warm.borrowed).

For the call the server borrows the caller's arguments, environment, working directory, stdin,
stdout and stderr (passed as fds), and its parent, the program, which a stand-in may kill; after
it, everything is the server's again (the stand-ins' model module is reset by its load()). Calls
are served one at a time, which the program's calls are anyway; a stand-in never waits for another.
The interpreter's own settings (PYTHONHASHSEED, PYTHONIOENCODING) are the server's; PYTHONUNBUFFERED
is the caller's. What it cannot be is the launcher's own process: a signal to the launcher does not
reach it (the program never signals a stand-in). The lab's fresh_interpreter runs every stand-in cold instead.
"""
import builtins
import gc
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
STANDINS = ("kubectl", "ansible-playbook")
sys.path.insert(0, os.path.dirname(HERE))  # converge/tests: interpreter.py, warm.py
import interpreter  # noqa: E402
import warm  # noqa: E402


def run(request, codes, model):
    """The stand-in, in this process borrowed for the caller (warm.serve); returns its exit code."""
    interpreter.streams(request["env"])
    model.PROGRAM = request["parent"]
    name = os.path.basename(sys.argv[0])
    scope = {"__name__": "__main__", "__file__": os.path.join(HERE, name), "__builtins__": builtins}
    return interpreter.run(lambda: exec(codes[name], scope))


def serve(folder, parent):
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))  # converge/: the contract's reader
    import cluster_model
    cluster_model.use_site_packages()
    import base64, hashlib, json, re, yaml  # noqa: E401,F401 (what the stand-ins import, once)
    from k8slab_converge import contract
    contract.kubespray()
    codes = {}
    launcher = warm.launcher()
    for name in STANDINS:
        with open(os.path.join(HERE, name)) as f:
            codes[name] = compile(f.read(), os.path.join(HERE, name), "exec")
        os.symlink(launcher, os.path.join(folder, name))
    gc.collect()
    gc.freeze()  # the calls' collections leave the server's own objects alone
    warm.serve(os.path.join(folder, "socket"), parent, lambda request, _: run(request, codes, cluster_model), fork=False)


if __name__ == "__main__":
    try:
        # The test process's pid, given: read here after the imports, getppid() could already be init's.
        serve(sys.argv[1], int(sys.argv[2]))
    finally:
        import shutil
        shutil.rmtree(sys.argv[1], True)
