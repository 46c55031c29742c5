"""Where trialkit keeps its files. ``TRIALKIT_DATA_DIR`` moves the whole data folder (tests use it)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("TRIALKIT_DATA_DIR") or PROJECT_ROOT / "data")


def trials_dir() -> Path:
    """The shipped trials (the two seeds), one API v2 study JSON per file."""
    return Path(os.environ.get("TRIALKIT_TRIALS_DIR") or data_dir() / "trials")


def imported_dir() -> Path:
    """Studies imported by users: ``imported/NCTxxxxxxxx/<UTC time>-<sha>.json``, every version kept."""
    return data_dir() / "imported"


def rules_dir() -> Path:
    """Reviewed eligibility rules, one ``NCTxxxxxxxx.json`` per trial (data, not code)."""
    return Path(os.environ.get("TRIALKIT_RULES_DIR") or PROJECT_ROOT / "data" / "rules")
