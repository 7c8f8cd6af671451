"""Run a command with every process's wall clock moved: `python -m tests.clock_shift +400d pytest ...`.

libfaketime is preloaded (LD_PRELOAD), so the moto server, the emulator, subprocesses and Node see the
same moved clock as the tests; the monotonic clock stays real (a faked one was seen to hang sleeps).
A test that builds fixed dates while the code reads the clock fails under it.
"""

import os
import re
import sys

import libfaketime

SHIFT = re.compile(r"[+-]\d+[dhm]")


def main(argv: list[str]) -> None:
    if len(argv) < 2 or not SHIFT.fullmatch(argv[0]):
        sys.exit("usage: python -m tests.clock_shift +400d|-100d COMMAND [ARGS...] (a shift in d, h or m)")
    _, variables = libfaketime.get_reload_information()
    environment = {**os.environ, **variables, "FAKETIME": argv[0], "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    os.execvpe(argv[1], argv[1:], environment)  # noqa: S606 - the command line make test-clock gives


if __name__ == "__main__":
    main(sys.argv[1:])
