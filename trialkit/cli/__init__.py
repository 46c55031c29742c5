"""``python -m trialkit …`` (contracts §4). Exit 0 on success whatever the verdict; exit 2 on bad input,
with a one-line reason on stderr.

Each sub-command lives in a module of this package exposing ``register(subparsers)``; the module sets
``func`` on its parser. The command line only parses and prints: every number comes from trialkit.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from trialkit.errors import TrialkitError

#: Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "trialkit.cli.catalog_cmd",
    "trialkit.cli.enrollment_cmd",
    "trialkit.cli.report_cmd",
    "trialkit.cli.cohort_cmd",
    "trialkit.cli.forecast_cmd",
    "trialkit.cli.check_cmd",
    "trialkit.cli.changes_cmd",
]


class UsageError(TrialkitError):
    """Bad input on the command line (exit 2)."""


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def resolve_trial(ref: str):
    """An NCT id from the catalog, or a path to an API v2 study JSON file."""
    from trialkit.catalog import default_catalog
    from trialkit.ctgov import NCT_ID, load_study

    if NCT_ID.match(ref):
        catalog = default_catalog()
        try:
            return catalog.load(ref)
        except KeyError:
            raise UsageError(f"{ref} is not in the catalog (see `python -m trialkit list`)") from None
    path = Path(ref)
    if path.suffix.lower() == ".json" or path.exists():
        return load_study(path)
    raise UsageError(f"{ref!r} is neither an NCT id (NCT + 8 digits) nor a .json file")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m trialkit", description="trialkit: explore clinical trials")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TrialkitError as exc:
        problems = getattr(exc, "problems", None)
        if problems:
            for p in problems:
                sys.stderr.write(f"{p}\n")
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        return 2
    except (FileNotFoundError, PermissionError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
