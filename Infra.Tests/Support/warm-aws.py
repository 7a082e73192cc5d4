"""A warm AWS CLI (v1) for the tests: one process pays for the imports and the JSON service models once.

  serve SOCKET        listen on a Unix socket; each call runs `aws ARGS` with the caller's stdin,
                      stdout, stderr, environment and working directory: in the server itself,
                      borrowed for the call (warm.borrowed), or for the calls that may run for long or
                      start processes (FORKED), in a forked child. The caller is SOCKET's folder/aws,
                      written here: a shell script that runs the warm servers' launcher
                      (converge/tests/warm.py) with WARM_SERVER=SOCKET.

A cold `aws` call costs about 1.2 s, almost all of it imports and botocore parsing its service
models; the server has done both. A call in the server makes a driver of its own with the warm
loader (about 0.034 s of CPU), where a forked child's copied and freed pages cost about 0.15 s. A
forked child runs the driver made in the server (its session, plugins and command tables) when the
caller's environment agrees with the server's on everything a driver reads as it is made
(made_with: the config and credentials files, the profile, the data path, HOME); region,
credentials and endpoint are read later, from the caller's environment, when the command makes its
client. Otherwise it makes a fresh driver from the caller's environment and shares only the data
loader (the parsed models).
"""
import gc
import os
import stat
import sys
import weakref

# converge/tests/warm.py: the launcher, its request and the loop that forks.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "converge", "tests"))
import warm  # noqa: E402

# Clients created (and discarded) in the server so that their models, endpoint rule sets,
# paginators and waiters are in the loader's cache: the services the scripts and tests call.
SERVICES = ("ec2", "ssm", "s3", "sts", "resourcegroupstaggingapi", "cloudformation")
WARM_REGION = "eu-west-1"


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
    each operation (EC2: about 760, 0.3 s); both depend only on the model files, and no call changes
    them (a forked child could change only its copy; a call in the server would change them for every
    later call).
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


def remember_handler_signatures():
    """botocore checks that each event handler takes **kwargs when it is registered (inspect: about
    400 handlers a driver, 30 ms a call). The answer depends on the function alone, so it is kept
    per function: a bound method's is its function's, as its varkw is."""
    import botocore.hooks
    check = botocore.hooks.accepts_kwargs
    known = weakref.WeakKeyDictionary()  # per function, not keeping it: each driver makes closures of its own

    def accepts_kwargs(func):
        key = getattr(func, "__func__", func)
        try:
            return known[key]
        except KeyError:
            known[key] = answer = check(func)
            return answer
        except TypeError:  # not hashable, or not weakly referable: asked each time
            return check(func)

    botocore.hooks.accepts_kwargs = accepts_kwargs


# What a driver reads as it is made and its commands are built (create_clidriver: the config and
# credentials files, the profile and the plugins they name, the data path; HOME for "~"): every
# AWS_ variable but those the CLI reads only when a command makes its client or its request.
READ_LATER = frozenset({"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_EC2_METADATA_DISABLED"})
# The CLI's commands for SERVICES, whose operation tables the ready driver builds ahead.
COMMANDS = ("ec2", "ssm", "s3api", "sts", "resourcegroupstaggingapi", "cloudformation")


def made_with(environ):
    """The part of an environment that a driver made in it depends on: its variables, and the config
    and credentials files it names as they are now (botocore reads each once, as the driver is made)."""
    made = {k: v for k, v in environ.items() if k == "HOME" or (k.startswith("AWS_") and k not in READ_LATER)}
    for variable, default in (("AWS_CONFIG_FILE", "~/.aws/config"), ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")):
        path = environ.get(variable, default)
        if path.startswith("~"):
            path = environ.get("HOME", "") + path[1:]
        try:
            status = os.stat(path)
            # A file's contents by its size and time; a device (/dev/null) is its number.
            made[f"file {variable}"] = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns) \
                if stat.S_ISREG(status.st_mode) else (status.st_dev, status.st_ino, status.st_rdev)
        except OSError:
            made[f"file {variable}"] = None
    return made


def warm_loader():
    """(loader, driver): the parsed models, and a driver made here with its command tables built,
    which a child whose environment agrees (made_with) uses instead of making its own (about 0.1 s)."""
    import awscli.clidriver
    import botocore.session

    driver = awscli.clidriver.create_clidriver()
    # Builds every customization's commands: imports what a call would import lazily.
    table = driver._get_command_table()
    for command in COMMANDS:
        table[command]._get_command_table()
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
    return loader, driver


def run_child(request, fds, loader, loader_path, ready):
    """In a forked child: become the caller's `aws` process, run the CLI; returns its exit code.
    The driver made in the server serves when the caller's environment agrees (made_with): the
    child's copy of it is thrown away after the call."""
    warm.become(request, fds)
    sys.argv = list(request["argv"])
    return run_cli(loader, loader_path, ready)


def run_here(request, fds, loader, loader_path):
    """In the server, borrowed for the call (warm.borrowed): the caller's `aws`, with a driver of its
    own, since a driver keeps what a call sets (--region, --output: the session's config); then what
    a call changes in the process put back: the loggers (each call adds a handler, set_stream_logger,
    on a stream of its own) and the history recorder (a config with cli_history enables it)."""
    import logging
    from botocore.history import get_global_history_recorder

    def loggers():
        return [logging.getLogger()] + [v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger)]
    saved = [(log, log.level, list(log.handlers), log.propagate, log.disabled) for log in loggers()]
    history = get_global_history_recorder()
    recording = history._enabled, list(history._handlers)
    try:
        return run_cli(loader, loader_path, None)
    finally:
        known = {id(log) for log, *_ in saved}
        for log in loggers():  # a logger the call made keeps only the NullHandler its module gave it on import
            if id(log) not in known:
                log.handlers[:] = [h for h in log.handlers if isinstance(h, logging.NullHandler)]
        for log, level, handlers, propagate, disabled in saved:
            log.setLevel(level)
            log.handlers[:] = handlers
            log.propagate, log.disabled = propagate, disabled
        history._enabled, history._handlers[:] = recording
        # The call's clients and their connections to the emulator, held in reference cycles.
        gc.collect()


def run_cli(loader, loader_path, ready):
    """Run the caller's `aws ARGS` with fds 0-2, directory and environment already the caller's;
    returns its exit code. ready: (driver, made_with) from the server, or None for a fresh driver."""
    rc = 255
    try:
        # The launcher's address is the wrapper's, not the caller's.
        os.environ.pop("WARM_SERVER", None)
        # New text streams on the caller's fds: buffering follows them (a terminal or a pipe), as in a fresh process.
        sys.stdin = open(0, "r", encoding=sys.stdin.encoding, errors=sys.stdin.errors, closefd=False)
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, encoding=sys.stdout.encoding,
                          errors=sys.stdout.errors, closefd=False)
        sys.stderr = open(2, "w", buffering=1, encoding=sys.stderr.encoding, errors=sys.stderr.errors, closefd=False)
        # argparse names the program after sys.argv[0] in its errors ("aws: error: ...").
        argv = sys.argv[1:]
        sys.argv = ["aws", *argv]
        # What bin/aws and `import awscli` do to the environment at startup.
        if os.environ.get("LC_CTYPE", "") == "UTF-8":
            os.environ["LC_CTYPE"] = "en_US.UTF-8"
        os.environ["AWS_DATA_PATH"] = data_path(os.environ)
        import awscli.clidriver
        driver, made_in = ready or (None, None)
        if made_with(os.environ) != made_in:
            driver = awscli.clidriver.create_clidriver()
            # The warm loader only if this caller's search path is the server's (else its own, cold one).
            if os.environ["AWS_DATA_PATH"] == loader_path:
                driver.session.register_component("data_loader", loader)
        if os.environ.get("WARM_AWS_PROFILE"):
            import cProfile
            profile = cProfile.Profile()
            rc = profile.runcall(driver.main, argv)
            profile.dump_stats(os.environ["WARM_AWS_PROFILE"])
        else:
            rc = driver.main(argv)
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
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    return rc


# Calls that run in a forked child rather than in the server: a command that may run for long or
# start processes (a session's plugin, a waiter, help's pager), which would hold the server (and,
# with its SIGCHLD ignored, could not wait for them), and --debug, whose loggers print as the call runs.
# The server runs one call at a time: a caller that reads one call's output while it makes another
# (aws ... | while read; do aws ...; done) waits on itself once the first call's output fills the
# pipe (64 KiB). The scripts' pipelines print far less; a command that prints more belongs here.
FORKED = frozenset({"start-session", "wait", "help", "--debug"})


def forks(request):
    return any(arg in FORKED for arg in request["argv"][1:])


def serve(path):
    parent = os.getppid()
    # `import awscli` extends AWS_DATA_PATH in os.environ: the path a fresh `aws` would have is the one from before.
    loader_path = data_path(dict(os.environ))
    wrapper = os.path.join(os.path.dirname(path), "aws")
    with open(wrapper, "w") as f:
        f.write(f"#!/bin/sh\nexport WARM_SERVER='{path}'\nexec '{warm.launcher()}' \"$@\"\n")
    os.chmod(wrapper, 0o700)
    remember_handler_signatures()
    loader, driver = warm_loader()
    ready = driver, made_with(os.environ)
    # The warm heap (the parsed models) is left out of the children's garbage collections: a full
    # one would walk, and so copy on write, all of it (about 0.4 s a call).
    gc.collect()
    gc.freeze()
    warm.serve(path, parent, lambda request, fds: run_child(request, fds, loader, loader_path, ready) if forks(request)
               else run_here(request, fds, loader, loader_path), fork=forks)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit("usage: warm-aws.py serve SOCKET")
