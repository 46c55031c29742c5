"""Cached loaders, keyed by small values (trial id, file fingerprint), never by a large DataFrame."""
from __future__ import annotations

import streamlit as st

from trialkit.catalog import Catalog, CatalogScan, default_catalog
from trialkit.criteria.ruleset import Ruleset, load_ruleset, rules_path
from datetime import date

from trialkit.db import default_url
from trialkit.enrollment import storage
from trialkit.enrollment.metrics import site_table as _site_table_of
from trialkit.models import Trial


@st.cache_resource(show_spinner=False, max_entries=8)
def _database(url: str):
    """Once per process and database (``url`` is the key): every table, and the simulated demo logs when it
    is the embedded default (:func:`trialkit.enrollment.storage.open_database` decides)."""
    return storage.open_database(None)


def engine():
    """The app's database engine: enrollment logs, audit trail, notes, shares."""
    return _database(default_url())


def catalog() -> Catalog:
    return default_catalog()


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _scan(fingerprint: tuple) -> CatalogScan:
    return default_catalog().scan()


def catalog_scan() -> CatalogScan:
    return _scan(catalog().fingerprint())


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _trial(nct_id: str, fingerprint: tuple) -> Trial:
    return default_catalog().load(nct_id)


def trial(nct_id: str) -> Trial:
    cat = catalog()
    versions = tuple((str(v.path), v.path.stat().st_mtime) for v in cat.versions(nct_id))
    return _trial(nct_id, versions)


def rules_fingerprint(trial: Trial) -> tuple:
    """What the trial's ruleset is made from: its criteria, structured sex and ages, the rules file's time."""
    path = rules_path(trial.nct_id)
    e = trial.eligibility
    return (hash(tuple((c.id, c.text) for c in trial.criteria)), e.sex, e.minimum_age_years, e.maximum_age_years,
            path.stat().st_mtime if path.exists() else None)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=3600)
def _ruleset(nct_id: str, fingerprint: tuple, _trial: Trial) -> Ruleset:
    return load_ruleset(_trial)  # shared, not copied: nothing changes a Ruleset (apply_overrides makes a new one)


def ruleset(trial: Trial) -> Ruleset:
    """The trial's ruleset, loaded once per :func:`rules_fingerprint` (the what-if and cohort pages)."""
    return _ruleset(trial.nct_id, rules_fingerprint(trial), trial)


def log_fingerprint(nct_id: str) -> tuple:
    """A small key that changes with every write to the trial's enrollment log (cheap: three count queries)."""
    return storage.log_fingerprint(engine(), nct_id)


@st.cache_data(show_spinner=False, max_entries=16, ttl=3600)
def _site_table(nct_id: str, fingerprint: tuple, as_of: date):
    log = storage.read_log(engine(), nct_id)
    return _site_table_of(log.participants, log.sites, as_of)


def site_table(nct_id: str, as_of: date):
    """The Sites page's table (:func:`trialkit.enrollment.metrics.site_table`: up to 40 model fits), computed
    once per state of the log (:func:`log_fingerprint`) and day, not on every page load."""
    return _site_table(nct_id, log_fingerprint(nct_id), as_of)
