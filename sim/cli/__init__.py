"""The command line: ``negsim`` (also ``python -m sim``).

Exit status: 0 done; 2 bad input (usage, scenario, parameter), with one line
per problem on stderr and no traceback; 130 interrupted; 1 only for an
internal fault.

Run as the program (``main()`` with no arguments), the command owns the process's Ctrl-C:
the first stops the work, and any further one is ignored, since it could only interrupt
the stopping (killing workers, closing a cluster) or the interpreter's exit, and turn a
prompt exit 130 into a traceback or a death by signal.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from types import FrameType

from sim._version import __version__
from sim.cli.common import EXIT_FAULT, EXIT_INTERRUPTED, Parser, UsageError
from sim.cli.terminal import bad_argument, plain, underlying
from sim.errors import NegsimError, one_line

__all__ = ["build_parser", "main"]


def build_parser() -> Parser:
    """The ``negsim`` parser with every command."""
    parser = Parser(
        prog="negsim",
        description="negsim: a discrete-event simulator of multi-party diplomacy. Its reference "
        "case is the 2013 push to convene the Geneva-2 conference on Syria.",
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    commands.required = True
    from sim.cli import (
        backtest_cmd,
        calibrate_cmd,
        compare_cmd,
        discover_cmd,
        params_cmd,
        play,
        report_cmd,
        run_cmd,
        sensitivity_cmd,
        sweep_cmd,
        trace_cmd,
        validate_cmd,
    )

    for module in (
        run_cmd,
        compare_cmd,
        trace_cmd,
        validate_cmd,
        params_cmd,
        sweep_cmd,
        sensitivity_cmd,
        discover_cmd,
        play,
        report_cmd,
        calibrate_cmd,
        backtest_cmd,
    ):
        module.register(commands)
    return parser


def _first_ctrl_c(signum: int, frame: FrameType | None) -> None:
    """Stop the command (KeyboardInterrupt), and ignore every later Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _own_ctrl_c() -> None:
    """Answer Ctrl-C with :func:`_first_ctrl_c`, unless someone else set its handler."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _first_ctrl_c)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``negsim`` with ``argv`` (default: the process's arguments); return the exit status.

    What it prints goes through :class:`~sim.cli.terminal.PlainText`: no control
    character from a file or an argument reaches the terminal raw. With no ``argv``, as
    the program, it also owns the process's Ctrl-C (see above).
    """
    if argv is None:
        _own_ctrl_c()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = plain(stdout), plain(stderr)
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _main(argv: list[str]) -> int:
    try:
        bad = bad_argument(argv)
        if bad is not None:
            raise UsageError(f"the argument '{one_line(bad[0])}' {bad[1]}")
        args = build_parser().parse_args(argv)
        status: int = args.handler(args)
        sys.stdout.flush()
        return status
    except NegsimError as exc:
        for line in exc.lines():
            print(f"negsim: {line}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("negsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (negsim trace | head): nothing more to say.
        underlying(sys.stderr).close()
        return 0
    except Exception:
        print("negsim: internal error; please report it with the traceback below", file=sys.stderr)
        traceback.print_exc()
        return EXIT_FAULT
