"""Opening an OMOP CDM source as an ibis connection, with one clear message for each way it can go wrong.

SOURCE (contracts §6): ``duckdb:///relative.duckdb`` / ``duckdb:////absolute.duckdb`` (SQLAlchemy's
convention), a PostgreSQL URL (``postgresql://…``, ``postgresql+psycopg://…``), or a folder of OMOP parquet
files (``person.parquet``, ``measurement.parquet``, …) read in place by an in-memory DuckDB, or by Spark in
local mode with ``spark:FOLDER`` (PySpark and a Java runtime needed)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trialkit.errors import TrialkitError, with_source
from trialkit.message import Message


class OmopSourceError(TrialkitError):
    """An OMOP source trialkit cannot read: unreachable, missing table, wrong schema, not OMOP."""


@dataclass
class OmopSource:
    con: object  # ibis backend
    kind: str  # "duckdb", "postgres", "parquet"
    label: str  # what to show (no password)
    schema: str | None = None

    def table(self, name: str):
        """A CDM table; a clear error when it is not there."""
        try:
            if self.schema and self.kind != "parquet":
                return self.con.table(name, database=self.schema)
            return self.con.table(name)
        except Exception as exc:  # noqa: BLE001  (each backend raises its own type)
            if self.schema:
                why = Message("no OMOP CDM table {name!r} in schema {schema!r} of this database ({error})",
                              name=name, schema=self.schema, error=type(exc).__name__)
            else:
                why = Message("no OMOP CDM table {name!r} in this database ({error})", name=name,
                              error=type(exc).__name__)
            raise OmopSourceError(with_source(self.label, why)) from None

    def has_table(self, name: str) -> bool:
        try:
            self.table(name)
            return True
        except OmopSourceError:
            return False


def _safe_label(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url.split("@")[-1]


#: DuckDB runs inside this process, so its buffers count in the process's memory: two threads (the
#: machines this runs on), a memory limit beyond which DuckDB spills to a temporary directory, and no
#: insertion order to keep (every query here is an aggregate). 400 MB keeps a 1M-person scan under 700 MB and a 10M-person one under 1 GB.
DUCKDB_SETTINGS = {"threads": 2, "memory_limit": "400MB", "preserve_insertion_order": False}


def _duckdb(path: str | None = None, **kw):
    import ibis

    import tempfile

    con = ibis.duckdb.connect(path, **kw) if path else ibis.duckdb.connect()
    spill = Path(tempfile.gettempdir()) / "trialkit_duckdb_spill"
    for k, v in {**DUCKDB_SETTINGS, "temp_directory": str(spill)}.items():
        con.raw_sql(f"SET {k} = {v if isinstance(v, (int, bool)) else repr(v)}")
    return con


def _spark():
    """A local-mode Spark session (PySpark + a JDK) behind ibis."""
    import ibis
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("trialkit-omop")
               .config("spark.sql.session.timeZone", "UTC").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    return ibis.pyspark.connect(session)


def _no_schema(schema: str) -> Message:
    return Message("no schema {schema!r} (give the CDM schema with --cdm-schema)", schema=schema)


def open_source(source: str, cdm_schema: str | None = None, engine: str | None = None) -> OmopSource:
    """``engine="spark"`` reads a parquet folder with Spark in local mode instead of DuckDB."""
    import ibis

    s = str(source).strip()
    if s.startswith("spark:"):  # spark:FOLDER: a folder of OMOP parquet files read by Spark in local mode
        s, engine = s[len("spark:"):], "spark"
    if s.startswith("duckdb://"):
        path = s[len("duckdb:///"):] if s.startswith("duckdb:///") else ""
        if not path:
            raise OmopSourceError(with_source(s, Message("write duckdb:///relative/path.duckdb or "
                                                         "duckdb:////absolute/path.duckdb")))
        if not Path(path).is_file():
            raise OmopSourceError(with_source(s, Message("no DuckDB file at {path}", path=path)))
        try:
            con = _duckdb(path, read_only=True)
        except Exception as exc:  # noqa: BLE001
            raise OmopSourceError(with_source(s, Message("cannot open as DuckDB ({error})",
                                                         error=str(exc).splitlines()[0]))) from None
        src = OmopSource(con, "duckdb", s, cdm_schema)
    elif s.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from sqlalchemy.engine import make_url

        u = make_url(s.replace("postgres://", "postgresql://", 1))
        label = _safe_label(s)
        try:
            con = ibis.postgres.connect(host=u.host or "localhost", port=u.port or 5432, user=u.username,
                                        password=u.password, database=u.database)
        except Exception as exc:  # noqa: BLE001
            raise OmopSourceError(with_source(label, Message("cannot connect ({error})",
                                                             error=str(exc).strip().splitlines()[0]))) from None
        src = OmopSource(con, "postgres", label, cdm_schema)
        if cdm_schema and cdm_schema not in set(con.list_databases()):
            raise OmopSourceError(with_source(label, _no_schema(cdm_schema)))
    else:
        folder = Path(s)
        if not folder.is_dir():
            raise OmopSourceError(with_source(s, Message("not a duckdb:/// URL, a PostgreSQL URL or a folder of OMOP "
                                                         "parquet files")))
        files = {p.stem.lower(): p for p in folder.glob("*.parquet") if not p.name.startswith("._")}
        if "person" not in files:
            raise OmopSourceError(with_source(s, Message("not an OMOP folder (no person.parquet among {n} parquet "
                                                         "file(s))", n=len(files))))
        if engine == "spark":
            try:
                con = _spark()
            except ImportError:
                raise OmopSourceError(with_source(f"spark:{s}", Message(
                    "PySpark is not installed (pip install pyspark; it needs a Java runtime)"))) from None
            except Exception as exc:  # noqa: BLE001  (no Java: PySpark's gateway error)
                raise OmopSourceError(with_source(f"spark:{s}", Message(
                    "Spark cannot start ({error})", error=str(exc).strip().splitlines()[0]))) from None
        else:
            con = _duckdb()
        for name, p in files.items():
            con.read_parquet(str(p), table_name=name)
        src = OmopSource(con, "parquet", f"{folder.name}/ (OMOP parquet{', Spark' if engine == 'spark' else ''})",
                         None)
    if src.kind == "duckdb" and cdm_schema:
        if cdm_schema not in set(src.con.list_databases()):
            raise OmopSourceError(with_source(src.label, _no_schema(cdm_schema)))
    src.table("person")
    return src
