"""Reading the enrollment log for the forecast: a cheap fingerprint for caches, and the log itself."""
from __future__ import annotations

from sqlalchemy import func, select


def log_fingerprint(engine, nct_id: str) -> tuple:
    """(source, last write time, participant rows, max participant row id, site rows): changes whenever the
    trial's log changes (every write updates ``enrollment_logs.updated_at``), costs three small queries."""
    from trialkit.db import init_db
    from trialkit.enrollment.storage import logs, participants_table, sites_table

    init_db(engine)
    with engine.connect() as conn:
        head = conn.execute(select(logs.c.source, logs.c.updated_at).where(logs.c.nct_id == nct_id)).first()
        p = conn.execute(select(func.count(), func.max(participants_table.c.id))
                         .where(participants_table.c.nct_id == nct_id)).first()
        s = conn.execute(select(func.count()).select_from(sites_table).where(sites_table.c.nct_id == nct_id)).scalar()
    return (head[0] if head else None, str(head[1]) if head else None, int(p[0]), p[1], int(s or 0))
