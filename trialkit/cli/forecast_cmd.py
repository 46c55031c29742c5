"""``forecast``: when will the trial reach its target (contracts §4).

    python -m trialkit forecast NCTID --target N [--as-of YYYY-MM-DD] [--by YYYY-MM-DD] [--db URL] --json

Prints at least ``{"median_date", "p10_date", "p90_date"}``, plus the model used and why, the probability of
reaching the target by ``--by``, expectations by arm, screenings still needed, and with ``--backtest`` the
share of past forecasts whose 80% band held. ``--as-of`` cuts the log at that date and the simulation is
seeded (``--seed``), so the same command gives the same answer. No log for the trial: exit 2.
"""
from __future__ import annotations

import datetime as dt

from trialkit.cli import UsageError, print_json
from trialkit.enrollment.storage import DEMO_LABEL, open_database, read_log
from trialkit.forecast.model import DAYS_PER_MONTH
from trialkit.forecast.predict import (DEFAULT_SEED, DEFAULT_SIMS, AddedSite, ForecastError, MovedActivation,
                                       WhatIf, forecast, plan_from_trial)


def _date(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag}: {value!r} is not a date (YYYY-MM-DD)") from None


def _what_if(args) -> WhatIf:
    adds = []
    for i, spec in enumerate(args.add_site or [], 1):
        date_s, _, name = spec.partition(":")
        adds.append(AddedSite(name=name.strip() or f"New site {i}", planned_start=_date(date_s.strip(), "--add-site")))
    moves = []
    for spec in args.move_site or []:
        site, sep, date_s = spec.partition("=")
        if not sep or not site.strip():
            raise UsageError(f"--move-site: {spec!r} is not SITE_ID=YYYY-MM-DD")
        moves.append(MovedActivation(site_id=site.strip(), planned_start=_date(date_s.strip(), "--move-site")))
    return WhatIf(add_sites=tuple(adds), move=tuple(moves))


def load_log(nct_id: str, db_url: str | None):
    """The trial's log (participants, sites, source). On the embedded default database the simulated demo
    logs of the seed trials are loaded on first use, as the app does."""
    return read_log(open_database(db_url), nct_id)


def cmd_forecast(args) -> int:
    from trialkit.catalog import default_catalog
    from trialkit.ctgov import NCT_ID

    nct = args.trial.strip().upper()
    if not NCT_ID.match(nct):
        raise UsageError(f"{args.trial!r} is not an NCT id (NCT + 8 digits)")
    try:
        trial = default_catalog().load(nct)
    except (KeyError, ValueError):
        trial = None
    target = args.target if args.target is not None else (trial.enrollment.count if trial else None)
    if target is None:
        raise UsageError(f"{nct}: give --target N (the registry states no enrollment target)")
    if target <= 0:
        raise UsageError(f"--target must be a positive number of patients, got {target}")
    as_of = _date(args.as_of, "--as-of") if args.as_of else None
    by = _date(args.by, "--by") if args.by else None
    if args.sims < 100:
        raise UsageError("--sims must be at least 100")
    log = load_log(nct, args.db)
    if len(log.sites) == 0 and len(log.participants) == 0:
        raise UsageError(f"{nct} has no enrollment log in this database "
                         f"(import one with `python -m trialkit enrollment import`)")
    plan = plan_from_trial(trial, target,
                           planned_days=args.planned_months * DAYS_PER_MONTH if args.planned_months else None)
    arms = trial.arm_labels if trial else None
    try:
        f = forecast(log.participants, log.sites, target=target, as_of=as_of, arms=arms, plan=plan,
                     what_if=_what_if(args), by_date=by, n_sims=args.sims, seed=args.seed)
    except ForecastError as exc:
        raise UsageError(f"{nct}: {exc}") from None
    out = {"trial": nct, **f.to_json(fan=args.fan),
           "data": DEMO_LABEL if log.source == "demo" else (log.source or "unknown")}
    if args.backtest:
        from trialkit.forecast.backtest import backtest

        b = backtest(log.participants, log.sites, target=target, arms=arms, plan=plan, seed=args.seed)
        out["backtest"] = b.to_json()
    if args.json:
        print_json(out)
    else:
        data = " (simulated demo data)" if log.source == "demo" else ""
        print(f"{nct}{data}: {f.enrolled} of {target} enrolled as of {f.as_of}; {f.model_label}")
        print(f"  why: {f.reason}")
        if f.remaining:
            print(f"  target reached: median {f.date_text(f.median_date)}, 80% band "
                  f"{f.date_text(f.p10_date)} to {f.date_text(f.p90_date)}")
        if f.by_date:
            print(f"  P(target by {f.by_date}) = {f.prob_by_date:.0%}; expected enrolled then {f.expected_by_date:.1f}")
        s = f.screening
        if s.needed_at_observed_rate is not None:
            print(f"  screenings still needed: {s.needed_at_observed_rate} at the observed rate "
                  f"(80% band {s.needed_p10}–{s.needed_p90})")
        for a in f.by_arm:
            print(f"  {a.arm}: {a.enrolled} now, {a.expected_at_target:.1f} expected at target")
        for n in f.notes:
            print(f"  note: {n}")
        if args.backtest:
            b = out["backtest"]
            print(f"  backtest: {b['held']} of {b['checks']} past 80% bands held" if b["checks"]
                  else f"  backtest: {b['message']}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("forecast", help="when the trial will reach its enrollment target (with uncertainty)")
    p.add_argument("trial", metavar="NCTID")
    p.add_argument("--target", type=int, help="patients to reach (default: the registry's enrollment count)")
    p.add_argument("--as-of", help="cut the log at this date (YYYY-MM-DD; default: the last date in the log)")
    p.add_argument("--by", help="also give the probability of reaching the target by this date (YYYY-MM-DD)")
    p.add_argument("--db", help="SQLAlchemy URL of the database (default: the embedded SQLite under data/)")
    p.add_argument("--add-site", action="append", metavar="YYYY-MM-DD[:NAME]",
                   help="what-if: add a site planned to open on this date (repeatable)")
    p.add_argument("--move-site", action="append", metavar="SITE_ID=YYYY-MM-DD",
                   help="what-if: move a planned site's activation to this date (repeatable)")
    p.add_argument("--planned-months", type=float,
                   help="planned recruitment duration for the early-trial prior (default: from the registry)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"simulation seed (default {DEFAULT_SEED})")
    p.add_argument("--sims", type=int, default=DEFAULT_SIMS, help=f"simulations (default {DEFAULT_SIMS})")
    p.add_argument("--backtest", action="store_true", help="also refit at past dates and report the bands held")
    p.add_argument("--fan", action="store_true", help="include the fan chart's quantile paths in the JSON")
    p.add_argument("--json", action="store_true", help="print JSON (contracts §4)")
    p.set_defaults(func=cmd_forecast)
