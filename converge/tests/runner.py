"""Runs the unittest cases named on stdin (MODULE.CLASS.TEST, one a line), each in a child forked
from this process, and answers each with one JSON line on stdout: {"test", "ok", "skipped", "output"}.

Infra.Tests' scenario classes run their share through one runner (ScenarioRunner.cs): a scenario in a
fresh interpreter first spends about 1.2 s of CPU on imports (boto3, the program, botocore's models)
and starts its own stand-in server; here the modules, the models (lab.warm_models), the stand-in
server and the loopback certificate are made once, before the first fork. Each case is still a
process of its own: what one scenario leaves behind (a crash, a global, a thread) never reaches the next.
"""
import gc
import importlib
import json
import os
import sys
import tempfile
import traceback
import unittest

import lab


def warm(modules):
    """What every case would otherwise make for itself, made here once (the children inherit it)."""
    for module in modules:
        importlib.import_module(module)
    lab.warm_models()
    lab.standin_server()
    lab.loopback_certificate()
    gc.collect()
    gc.freeze()  # the children's collections leave the warm heap (and its pages) alone


def run(test):
    """One case in a forked child: (ok, skipped, output)."""
    with tempfile.TemporaryFile() as output:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 2
            try:
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # the names of the next cases are not its input
                os.dup2(output.fileno(), 1)
                os.dup2(output.fileno(), 2)
                stream = os.fdopen(2, "w", buffering=1, closefd=False)
                sys.stdout = sys.stderr = stream
                suite = unittest.defaultTestLoader.loadTestsFromName(test)
                result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
                code = 0 if result.wasSuccessful() and result.testsRun == 1 else 1
                if code == 0 and result.skipped:
                    code = 3
                stream.flush()
            except BaseException:  # noqa: B902 (outside the case itself: said, and a failure)
                traceback.print_exc()
                sys.stderr.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        output.seek(0)
        text = output.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 3):
        text += f"\nrunner: the case's process ended with {code} (a signal when negative) before its result\n"
    return code == 0, code == 3, text


def main():
    # The modules of the cases this runner will be asked for: given as arguments, imported before any fork.
    warm(sys.argv[1:])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        test = line.strip()
        if not test:
            continue
        ok, skipped, output = run(test)
        print(json.dumps({"test": test, "ok": ok, "skipped": skipped, "output": output}), flush=True)


if __name__ == "__main__":
    main()
