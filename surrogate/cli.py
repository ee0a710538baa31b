"""The ``surrogate`` command: a thin layer over the Python API.

Each subcommand lives in :mod:`surrogate.commands` as a module with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``; this file only wires them up, configures
logging and turns domain errors into one-line messages (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

#: Subcommand modules under surrogate.commands, in the order --help lists them.
COMMANDS = (
    "sample",
    "demo",
    "generate",
    "pilot",
    "fit",
    "evaluate",
    "tune",
    "assemble",
    "search",
    "propose",
    "study",
    "query",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="surrogate",
        description="Surrogate benchmarks for cell search spaces (DARTS, NAS-Bench-201, generic cells): "
        "query, fit, assemble, generate, study.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in (importlib.import_module(f"surrogate.commands.{name}") for name in COMMANDS):
        p = sub.add_parser(
            mod.NAME,
            help=mod.HELP,
            description=(mod.__doc__ or mod.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter
            if getattr(mod, "RAW_HELP", False)
            else argparse.ArgumentDefaultsHelpFormatter,
        )
        p.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="show tracebacks and debug logging (also accepted before the command)",
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt as err:
        if args.debug:
            raise
        why = "SIGTERM" if isinstance(err, Terminated) else "Ctrl-C"
        print(f"surrogate {args.command}: interrupted ({why}); what was written so far is kept", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    except (ValueError, OSError, RuntimeError) as err:  # OSError: a path that cannot be read or written
        if args.debug:
            raise
        print(f"surrogate {args.command}: error: {err}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every command stops the same way."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
