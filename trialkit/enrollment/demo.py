"""Simulated demo logs for the two seed trials, so the dashboards have something to show.

SIMULATED DEMO DATA, NOT REAL: no participant in these logs exists. The process is the Poisson–gamma
recruitment model (Anisimov & Fedorov 2007): each site draws a screening rate λᵢ ~ Gamma(α, β) and, once
active, screens people as a Poisson process with that rate up to the "as of" date. Each screening then gets
an outcome; screen failures name real criterion ids of that trial. A fixed seed gives the same log for the
same as-of date.

Honest limits, stated wherever the data are shown:

* NCT07176143 lists no locations, so its sites are called "Simulated site 1…5" with no city or
  country; its enrolled participants are allocated 1:1 to the trial's two arm groups in
  permuted blocks of four, and the
  per-site targets add up to the registry's estimated enrollment (60). Site 4 is simulated as slow so that
  the silent-site flag has something to flag.
* NCT06610773's registry record (as transcribed) gives no arm groups and no enrollment target: its demo
  log has the one listed location and puts every enrolled participant in a single group labelled
  ``"Simulated single group"``, a label that is not in the registry. No target is invented.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from trialkit.enrollment.schema import NCOMPLT_TERMS, ParticipantRow, SiteRow
from trialkit.i18n import N_
from trialkit.message import Message
from trialkit.models import Trial

DEMO_TRIALS = ("NCT06610773", "NCT07176143")
DEMO_SEED = 20250829
SINGLE_GROUP_LABEL = N_("Simulated single group")  # N_: translated where shown

_REASON_WEIGHTS = {"WITHDRAWAL BY SUBJECT": 4, "LOST TO FOLLOW-UP": 3, "ADVERSE EVENT": 2,
                   "PHYSICIAN DECISION": 1, "PROTOCOL DEVIATION": 1, "PREGNANCY": 0, "OTHER": 1}


@dataclass
class DemoLog:
    participants: list[ParticipantRow]
    sites: list[SiteRow]
    seed: int
    as_of: date
    note: str


@dataclass
class _SitePlan:
    site_id: str
    name: str
    status: str
    start_days_ago: int | None  # activation, days before as_of (None: not active yet)
    planned_offset: int  # planned activation minus actual (days); for PLANNED: days from as_of
    target: int | None
    rate_multiplier: float = 1.0


def _plans(trial: Trial) -> list[_SitePlan]:
    if trial.nct_id == "NCT07176143":
        return [_SitePlan("S01", "Simulated site 1", "ACTIVE", 320, -14, 20),
                _SitePlan("S02", "Simulated site 2", "ACTIVE", 250, -30, 15),
                _SitePlan("S03", "Simulated site 3", "ACTIVE", 170, -45, 10),
                _SitePlan("S04", "Simulated site 4", "ACTIVE", 340, -20, 10, rate_multiplier=0.02),
                _SitePlan("S05", "Simulated site 5", "PLANNED", None, 40, 5)]
    facility = trial.locations[0].facility if trial.locations and trial.locations[0].facility else "Site 1"
    return [_SitePlan("SITE01", facility, "ACTIVE", 210, -10, None, rate_multiplier=2.5)]


def _criterion_weights(trial: Trial) -> tuple[list[str], np.ndarray]:
    ids = [c.id for c in trial.criteria]
    # Criteria with a measurable condition fail more often in screening than consent-type criteria.
    w = np.array([3.0 if (c.rules or any(ch.isdigit() for ch in c.text)) else 1.0 for c in trial.criteria])
    return ids, w / w.sum()


def demo_log(trial: Trial, *, as_of: date | None = None, seed: int = DEMO_SEED) -> DemoLog:
    """The simulated log of one seed trial, ending at ``as_of`` (default today)."""
    if trial.nct_id not in DEMO_TRIALS:
        raise ValueError(Message("no simulated demo log for {nct_id}", nct_id=trial.nct_id))
    as_of = as_of or date.today()
    rng = np.random.default_rng([seed, int(trial.nct_id[3:])])
    arms = trial.arm_labels or [SINGLE_GROUP_LABEL]
    target_total = trial.enrollment.count
    crit_ids, crit_w = _criterion_weights(trial)
    alpha, mean_per_day = 3.0, 2.2 / 30.44  # about 2.2 screenings per site-month on average
    beta = alpha / mean_per_day

    sites: list[SiteRow] = []
    participants: list[ParticipantRow] = []
    enrolled = 0
    # Allocation in permuted blocks of 2 × the number of arms (balanced, as a real 1:1 trial would be).
    allocation = [arms[i] for _ in range(200) for i in rng.permutation(np.repeat(np.arange(len(arms)), 2))]
    events = []
    for plan in _plans(trial):
        if plan.start_days_ago is None:
            sites.append(SiteRow(site_id=plan.site_id, site_name=plan.name, status=plan.status,
                                 planned_activation_date=as_of + timedelta(days=plan.planned_offset),
                                 target=plan.target))
            continue
        activation = as_of - timedelta(days=plan.start_days_ago)
        sites.append(SiteRow(site_id=plan.site_id, site_name=plan.name, status=plan.status,
                             planned_activation_date=activation + timedelta(days=plan.planned_offset),
                             activation_date=activation, target=plan.target))
        lam = rng.gamma(alpha, 1 / beta) * plan.rate_multiplier
        n = rng.poisson(lam * plan.start_days_ago)
        days = np.sort(rng.uniform(0, plan.start_days_ago, size=n)).astype(int)
        for k, d in enumerate(days, start=1):
            events.append((activation + timedelta(days=int(d)), plan.site_id, k))
    events.sort()
    for screening, site_id, k in events:
        subject = f"{site_id}-{k:03d}"
        u = rng.uniform()
        consent = screening + timedelta(days=int(rng.integers(0, 4)))
        row = dict(subject_id=subject, site_id=site_id, screening_date=screening)
        age = (as_of - screening).days
        if age < 21 and u < 0.8 or consent > as_of:
            row.update(screen_outcome="IN_SCREENING", consent_date=consent if consent <= as_of else None)
        elif u < 0.08:
            row.update(screen_outcome="DECLINED")
        elif u < 0.45:
            n_fail = 1 if rng.uniform() < 0.8 else 2
            failed = sorted(rng.choice(len(crit_ids), size=n_fail, replace=False, p=crit_w))
            row.update(screen_outcome="SCREEN_FAILURE", consent_date=consent,
                       screen_fail_criteria=[crit_ids[i] for i in failed])
        else:
            enroll = consent + timedelta(days=int(rng.integers(7, 29)))
            full = target_total is not None and enrolled >= target_total
            if enroll > as_of:
                row.update(screen_outcome="IN_SCREENING", consent_date=consent)
            elif full or rng.uniform() < 0.12:
                row.update(screen_outcome="ELIGIBLE", consent_date=consent)  # eligible, not enrolled
            else:
                enrolled += 1
                row.update(screen_outcome="ELIGIBLE", consent_date=consent, enrollment_date=enroll,
                           arm=allocation[enrolled - 1])
                followed = (as_of - enroll).days
                if followed > 10 and rng.uniform() < 0.14:
                    reasons = list(_REASON_WEIGHTS)
                    w = np.array([_REASON_WEIGHTS[r] for r in reasons], float)
                    reason = reasons[int(rng.choice(len(reasons), p=w / w.sum()))]
                    assert reason in NCOMPLT_TERMS
                    row.update(status="DISCONTINUED", discontinuation_reason=reason,
                               discontinuation_date=enroll + timedelta(days=int(rng.integers(5, followed))))
                elif followed > 180:
                    row.update(status="COMPLETED")
                else:
                    row.update(status="ONGOING")
        participants.append(ParticipantRow(**row))
    note = ("Simulated demo data, not real participants: a seeded Poisson–gamma recruitment process "
            f"(seed {seed}), ending {as_of.isoformat()}.")
    if not trial.arm_labels:
        note += (f" The registry record gives no arm groups, so every simulated enrolled participant is in one "
                 f"group labelled '{SINGLE_GROUP_LABEL}'.")
    if not trial.locations:
        note += " The registry record lists no locations, so the sites are simulated too."
    return DemoLog(participants=participants, sites=sites, seed=seed, as_of=as_of, note=note)
