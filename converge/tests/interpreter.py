"""What a fresh interpreter does at its start and its end, for code that plays one without starting
it (the program forked by lab.run_program, the stand-ins run in standins/server.py): the standard streams on fds 0-2 as
CPython makes them (Python/pylifecycle.c, create_stdio) and the exit code it ends with
(Python/pythonrun.c, handle_system_exit; a failed final flush of stdout is 120, Python/pylifecycle.c)."""
import io
import os
import sys
import traceback


def streams(environ):
    """New sys.stdin, stdout and stderr on fds 0, 1 and 2: stdout line-buffered on a terminal, stderr by
    line and never failing on an odd character; both unbuffered with PYTHONUNBUFFERED in environ (a
    print to a closed pipe then fails at once, else at the final flush)."""
    unbuffered = bool(environ.get("PYTHONUNBUFFERED"))

    def writer(fd, line_buffering, errors):
        raw = io.FileIO(fd, "w", closefd=False)
        return io.TextIOWrapper(raw if unbuffered else io.BufferedWriter(raw), errors=errors,
                                line_buffering=line_buffering, write_through=unbuffered)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = writer(1, os.isatty(1), "strict")
    sys.stderr = writer(2, True, "backslashreplace")


def run(main):
    """main() as a fresh interpreter runs its script; returns the exit code, with sys.exit's message or
    the traceback written to stderr as the interpreter writes them."""
    code = 1
    try:
        main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, (int, type(None))):
            print(e.code, file=sys.stderr)  # sys.exit("why")
    except BaseException:  # noqa: B902 (an uncaught exception ends a fresh interpreter with 1)
        traceback.print_exc()
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: B902 (the final flush failed: 120)
        traceback.print_exc()
        code = 120
    try:
        sys.stderr.flush()
    except BaseException:  # noqa: B902 (nowhere left to say it)
        pass
    return code & 0xFF
