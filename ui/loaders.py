"""Cached loaders, keyed by small values (trial id, file fingerprint), never by a large DataFrame."""
from __future__ import annotations

import streamlit as st

from trialkit.catalog import Catalog, CatalogScan, default_catalog
from trialkit.db import default_url
from trialkit.enrollment.storage import open_database
from trialkit.models import Trial


@st.cache_resource(show_spinner=False, max_entries=8)
def _database(url: str):
    """Once per process and database (``url`` is the key): every table, and the simulated demo logs when it
    is the embedded default (:func:`trialkit.enrollment.storage.open_database` decides)."""
    return open_database(None)


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
