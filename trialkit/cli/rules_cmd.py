"""``rules draft``: drafted rules for criterion lines, for outside scripts (contracts §9).

    python -m trialkit rules draft --jsonl criteria.jsonl      # lines {"id", "kind", "text"}; "-" = stdin

Prints one JSON line per input line: ``{"id", "rules": [{"kind": "range", "field", "unit", "minimum",
"maximum", "minimum_inclusive", "maximum_inclusive", "source_text", "span", "or_group", "reviewed"}],
"error": null}``. ``unit`` is the field's canonical unit as pint parses it (``10^9/L``, ``g/L``, ``%``,
``mmHg``, ``year``), ``x ULN`` for a bound relative to the upper limit of normal (``field`` is then the
analyte, e.g. ``alt``), ``""`` for scores. ``or_group`` > 0 marks alternatives ("creatinine ≤ 1.5 mg/dL *or*
clearance ≥ 60 mL/min" in an inclusion), and ``has_exception`` a bound the criterion relaxes under a
condition ("≤ 5 × ULN with liver metastases"): the app executes neither. It never raises: a line it cannot
read gets ``"rules": []``; a malformed input line gets ``"error"`` and the command goes on. A file that
cannot be opened: exit 2, one line on stderr.
"""
from __future__ import annotations

import json
import sys

from trialkit.cli import UsageError
from trialkit.criteria import uln
from trialkit.criteria.extract import draft_thresholds
from trialkit.criteria.fields import FIELDS

_PINT_SPELLING = {"1/nL": "10^9/L", "kg/m**2": "kg/m^2", "percent": "%", "1/uL": "1/uL", "1/min": "1/min"}


def contract_unit(field_name: str) -> str:
    """The unit contracts §9 prints for a field's canonical unit."""
    if field_name in uln.RATIOS:
        return uln.UNIT
    spec = FIELDS[field_name]
    if spec.pint_unit is None:
        return "%" if spec.unit == "%" else ""  # HbA1c: % (NGSP) without pint conversions; scores: unitless
    return _PINT_SPELLING.get(spec.pint_unit, spec.pint_unit)


def draft_line(obj) -> dict:
    """One input object -> one output object (never raises)."""
    if not isinstance(obj, dict):
        return {"id": None, "rules": [], "error": "not a JSON object"}
    cid = obj.get("id")
    kind, text = obj.get("kind"), obj.get("text")
    if kind not in ("inclusion", "exclusion"):
        return {"id": cid, "rules": [], "error": f"kind {kind!r}: write \"inclusion\" or \"exclusion\""}
    if not isinstance(text, str):
        return {"id": cid, "rules": [], "error": "text: not a string"}
    rules = []
    for t in draft_thresholds(text, kind):
        r = t.rule
        rules.append({"kind": "range", "field": uln.analyte_of(r.field) or r.field, "unit": contract_unit(r.field),
                      "minimum": r.minimum, "maximum": r.maximum, "minimum_inclusive": r.minimum_inclusive,
                      "maximum_inclusive": r.maximum_inclusive, "source_text": r.source_text,
                      "span": list(r.span) if r.span else None, "or_group": t.or_group,
                      "has_exception": t.has_exception, "reviewed": False})
    return {"id": cid, "rules": rules, "error": None}


def cmd_draft(args) -> int:
    try:
        stream = sys.stdin if args.jsonl == "-" else open(args.jsonl, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"{args.jsonl}: cannot read ({exc.strerror or exc})") from None
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                out = {"id": None, "rules": [], "error": f"line {n}: not JSON ({exc.msg})"}
            else:
                out = draft_line(obj)
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def register(sub) -> None:
    p = sub.add_parser("rules", help="drafted rules for criterion texts (contracts §9)")
    rsub = p.add_subparsers(dest="rules_command", required=True)
    d = rsub.add_parser("draft", help="draft rules for JSON lines {id, kind, text}")
    d.add_argument("--jsonl", required=True, metavar="FILE", help='JSON lines file ("-" reads stdin)')
    d.set_defaults(func=cmd_draft)
