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

#: Sub-command -> the module that registers it, in the order ``--help`` lists them. Only the module of the
#: command being run is imported, so ``list`` does not pay for scipy (forecast) or Jinja (report).
COMMANDS = {
    "list": "trialkit.cli.catalog_cmd",
    "show": "trialkit.cli.catalog_cmd",
    "check": "trialkit.cli.check_cmd",
    "cohort": "trialkit.cli.cohort_cmd",
    "enrollment": "trialkit.cli.enrollment_cmd",
    "forecast": "trialkit.cli.forecast_cmd",
    "report": "trialkit.cli.report_cmd",
    "changes": "trialkit.cli.changes_cmd",
    "rules": "trialkit.cli.rules_cmd",
    "fetch": "trialkit.cli.fetch_cmd",
    "search": "trialkit.cli.search_cmd",
    "refresh": "trialkit.cli.refresh_cmd",
}
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))


class UsageError(TrialkitError):
    """Bad input on the command line (exit 2)."""


def print_json(obj) -> None:
    """The one JSON output point of the CLI: strict JSON (never the non-JSON tokens NaN or Infinity)."""
    try:
        text = json.dumps(obj, ensure_ascii=False, indent=2, default=str, allow_nan=False)
    except ValueError:
        raise TrialkitError("the result holds a number JSON cannot represent (NaN or Infinity)") from None
    sys.stdout.write(text + "\n")


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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for every sub-command, or only for ``command`` when it is a known one."""
    parser = _Parser(prog="python -m trialkit", description="trialkit: explore clinical trials")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """The reason of an error on one line: a database error's driver message without the SQL it ran."""
    orig = getattr(exc, "orig", None)  # sqlalchemy.exc.DBAPIError wraps the driver's exception
    text = str(orig if orig is not None else exc).strip().splitlines()
    return " ".join((text[0] if text else type(exc).__name__).split())


def _input_errors() -> tuple[type[BaseException], ...]:
    """Exception families that mean bad input or an unusable environment, not a bug: a file that cannot be
    read or written (missing folder, a directory, no permission), a CSV the csv module refuses, text that
    is not UTF-8, a database URL that cannot be parsed, a driver that is not installed, a server that
    cannot be reached. Each ends the command with exit 2 and one line."""
    import csv

    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    return (OSError, csv.Error, UnicodeError, ArgumentError, NoSuchModuleError, DBAPIError, ImportError)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
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
    except Exception as exc:  # noqa: BLE001 - only the families below are input errors; the rest re-raise
        if not isinstance(exc, _input_errors()):
            raise
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        return 2
