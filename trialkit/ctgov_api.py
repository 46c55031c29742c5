"""The ClinicalTrials.gov API v2 over HTTP (contracts §7): fetch a study by NCT id, search, keep current.

* :class:`CtgovClient` talks to ``TRIALKIT_CTGOV_URL`` (default :data:`DEFAULT_BASE_URL`) with httpx:
  timeouts, a polite request rate shared by the whole process (:data:`MIN_INTERVAL`), retries with
  exponential backoff on 429 (honouring ``Retry-After``), 5xx, timeouts and cut-off bodies, and paging with
  ``pageToken`` / ``nextPageToken``. Every failure is a :class:`CtgovError` (a :class:`TrialkitError`,
  so the CLI exits 2 with its one line) that says what a person can do: offline, unknown id, server error.
* :func:`fetch_into_catalog` and :func:`refresh` store what they fetched through :meth:`Catalog.add`, the
  same validation and storage as an uploaded file; a new version only when the record changed
  (:func:`same_record`).
* :func:`search` follows pages until ``limit`` and returns :class:`SearchHit` rows.

Nothing here runs unless a person asks: no call at import time, no background refresh.
"""
from __future__ import annotations

import email.utils
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from trialkit.ctgov import NCT_ID, parse_bytes
from trialkit.errors import StudyFormatError, TrialkitError, with_source
from trialkit.geo import Place, distance_mi
from trialkit.message import Message

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
ENV_URL = "TRIALKIT_CTGOV_URL"
#: Seconds between two requests from this process: ClinicalTrials.gov asks for about 50 requests a minute.
MIN_INTERVAL = 1.2
#: Seconds before the first retry (doubling after each) when the server sends no Retry-After.
BACKOFF = 1.0
#: Statuses the API's ``filter.overallStatus`` accepts (the spec's ``Status`` enum).
STATUSES = ("ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
            "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
            "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN")
#: Phases (the spec's ``Phase`` enum), filtered with ``filter.advanced=AREA[Phase](…)``.
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")


class CtgovError(TrialkitError):
    """Talking to ClinicalTrials.gov failed; the message says why and what to do."""


class Offline(CtgovError):
    """The server could not be reached (no network, wrong TRIALKIT_CTGOV_URL, DNS, refused)."""


class StudyNotFound(CtgovError):
    """The registry has no study with that id."""


class MalformedId(CtgovError):
    """Not an NCT id (NCT followed by 8 digits)."""


class ServerError(CtgovError):
    """The server kept failing (5xx, 429, timeouts, cut-off answers) after every retry, or refused the request."""


def base_url() -> str:
    return (os.environ.get(ENV_URL) or DEFAULT_BASE_URL).rstrip("/")


def normalize_nct_id(text: str) -> str:
    """``" nct01234567 "`` -> ``"NCT01234567"``; anything else raises :class:`MalformedId`."""
    value = (text or "").strip().upper()
    if not NCT_ID.match(value):
        shown = (text or "").strip()[:40]
        raise MalformedId(Message("{value!r} is not an NCT id (NCT followed by 8 digits, e.g. NCT04267848)", value=shown))
    return value


# -- the rate limit, shared by every client in the process ------------------------------------------------------
_rate_lock = threading.Lock()
_last_request = [0.0]


def _wait_turn(min_interval: float, sleep: Callable[[float], None]) -> None:
    if min_interval <= 0:
        return
    with _rate_lock:
        wait = _last_request[0] + min_interval - time.monotonic()
        if wait > 0:
            sleep(wait)
        _last_request[0] = time.monotonic()


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class CtgovClient:
    """One connection pool to the API. ``sleep`` and ``transport`` are there for tests.

    ``retries`` is the number of extra attempts after the first; the wait before attempt *n* is
    ``backoff * 2**(n-1)`` seconds, or the server's ``Retry-After`` when it sends one (capped at
    ``max_wait``).
    """

    def __init__(self, url: str | None = None, *, timeout: float = 20.0, retries: int = 3, backoff: float | None = None,
                 max_wait: float = 60.0, min_interval: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None):
        self.url = (url or base_url()).rstrip("/")
        self.retries, self.max_wait = retries, max_wait
        self.backoff = BACKOFF if backoff is None else backoff
        self.min_interval = MIN_INTERVAL if min_interval is None else min_interval
        self.sleep = sleep
        self.timeout = timeout
        self.requests = 0  # how many HTTP requests were sent (tests and progress messages)
        self._http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                                  transport=transport, headers={"Accept": "application/json",
                                                                "User-Agent": "trialkit (ClinicalTrials.gov API v2 client)"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "CtgovClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one request, with retries --------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any] | None = None, *, what: object) -> httpx.Response:
        url = f"{self.url}/{path.lstrip('/')}"
        last: object = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(min(self.max_wait, wait))
            _wait_turn(self.min_interval, self.sleep)
            self.requests += 1
            try:
                response = self._http.get(url, params=params)
                response.read()  # the whole body now, so a cut-off body fails here and is retried
            except httpx.ConnectError as exc:
                raise Offline(Message("cannot reach ClinicalTrials.gov at {url} ({reason}); check the network "
                                      "connection or {setting}", url=self.url, reason=_reason(exc),
                                      setting=ENV_URL)) from None
            except httpx.ConnectTimeout:
                raise Offline(Message("cannot reach ClinicalTrials.gov at {url} (no connection within {seconds:g} "
                                      "s); check the network connection or {setting}", url=self.url,
                                      seconds=min(self.timeout, 10.0), setting=ENV_URL)) from None
            except httpx.TimeoutException:
                last, wait = Message("no answer within {seconds:g} s", seconds=self.timeout), self.backoff * 2 ** attempt
                continue
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                last, wait = Message("the answer was cut off ({reason})", reason=_reason(exc)), self.backoff * 2 ** attempt
                continue
            except httpx.HTTPError as exc:
                raise Offline(Message("cannot talk to ClinicalTrials.gov at {url} ({reason})", url=self.url,
                                      reason=_reason(exc))) from None
            status = response.status_code
            if status == 429 or status >= 500:
                last = Message("HTTP {status} (too many requests)", status=status) if status == 429 else f"HTTP {status}"
                told = _retry_after(response.headers.get("Retry-After"))
                wait = told if told is not None else self.backoff * 2 ** attempt
                continue
            if status == 404:
                raise StudyNotFound(Message("ClinicalTrials.gov has no {what}", what=what))
            if status >= 400:
                detail = " ".join(response.text.split())[:200]
                raise ServerError(Message("ClinicalTrials.gov refused the request for {what}: HTTP {status} ({detail})",
                                          what=what, status=status, detail=detail) if detail else
                                  Message("ClinicalTrials.gov refused the request for {what}: HTTP {status}", what=what,
                                          status=status))
            return response
        raise ServerError(Message("ClinicalTrials.gov did not deliver {what} after {n} attempts (last: {last}); try "
                                  "again later", what=what, n=self.retries + 1, last=last))

    # -- endpoints -----------------------------------------------------------------------------------------
    def study_bytes(self, nct_id: str) -> bytes:
        """``GET /studies/{nctId}``: the study's JSON exactly as sent."""
        nct_id = normalize_nct_id(nct_id)
        return self._get(f"studies/{nct_id}", {"format": "json"}, what=Message("study {nct_id}", nct_id=nct_id)).content

    def pages(self, params: dict[str, Any]) -> Iterator[dict]:
        """``GET /studies`` page after page, following ``nextPageToken`` until the last page."""
        token = None
        n = 0
        while True:
            n += 1
            query = dict(params, **({"pageToken": token} if token else {}))
            response = self._get("studies", query, what=Message("page {n} of the search results", n=n))
            try:
                page = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ServerError(Message("ClinicalTrials.gov sent page {n} of the search results that is not "
                                          "complete JSON; try again later", n=n)) from None
            if not isinstance(page, dict) or not isinstance(page.get("studies", []), list):
                raise ServerError(Message("page {n} of the search results is not a list of studies (field "
                                          "'studies')", n=n))
            yield page
            token = page.get("nextPageToken")
            if not token:
                return


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


# -- search ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteLocation:
    facility: str | None
    city: str | None
    country: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class SearchHit:
    nct_id: str
    title: str | None
    status: str | None
    phases: list[str]
    conditions: list[str]
    sponsor: str | None
    sites: list[SiteLocation]
    #: Miles from the searched point to the nearest site with coordinates (None without a point or coordinates).
    distance_mi: float | None = None

    @property
    def n_locations(self) -> int:
        return len(self.sites)

    def as_json(self) -> dict:
        """The row of ``search --json`` (contracts §7)."""
        return {"nct_id": self.nct_id, "title": self.title, "status": self.status, "phases": self.phases,
                "conditions": self.conditions, "n_locations": self.n_locations}


@dataclass(frozen=True)
class SearchQuery:
    cond: str | None = None
    term: str | None = None
    locn: str | None = None
    #: A point and radius (miles): the API's ``filter.geo=distance(lat,lon,Nmi)``.
    near: Place | None = None
    radius_mi: float = 50.0
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()

    def params(self, page_size: int) -> dict[str, Any]:
        p: dict[str, Any] = {"format": "json", "countTotal": "true", "pageSize": page_size}
        for key, value in (("query.cond", self.cond), ("query.term", self.term), ("query.locn", self.locn)):
            if value and value.strip():
                p[key] = value.strip()
        if self.near is not None:
            p["filter.geo"] = f"distance({self.near.latitude:.5f},{self.near.longitude:.5f},{self.radius_mi:g}mi)"
        if self.statuses:
            bad = [s for s in self.statuses if s not in STATUSES]
            if bad:
                raise CtgovError(Message("unknown status {value!r}; one of {allowed}", value=bad[0],
                                         allowed=", ".join(STATUSES)))
            p["filter.overallStatus"] = "|".join(self.statuses)
        if self.phases:
            bad = [s for s in self.phases if s not in PHASES]
            if bad:
                raise CtgovError(Message("unknown phase {value!r}; one of {allowed}", value=bad[0],
                                         allowed=", ".join(PHASES)))
            p["filter.advanced"] = f"AREA[Phase]({' OR '.join(self.phases)})"
        if not any(k in p for k in ("query.cond", "query.term", "query.locn", "filter.geo")):
            raise CtgovError(Message("say what to look for: a condition, free text, a location or a place"))
        if self.radius_mi <= 0:
            raise CtgovError(Message("the radius must be more than 0 miles, not {radius:g}", radius=self.radius_mi))
        return p


@dataclass
class SearchResult:
    total: int | None
    hits: list[SearchHit] = field(default_factory=list)
    pages: int = 0

    def as_json(self) -> dict:
        return {"total": self.total, "studies": [h.as_json() for h in self.hits]}


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, (str, int, float))] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def hit_from_study(study: dict, near: Place | None = None) -> SearchHit:
    """One study of a search page as a :class:`SearchHit` (fields may be missing: the API requires none)."""
    ps = study.get("protocolSection") if isinstance(study, dict) else None
    ps = ps if isinstance(ps, dict) else {}
    nct_id = _get(ps, "identificationModule", "nctId")
    if not isinstance(nct_id, str) or not NCT_ID.match(nct_id):
        raise ServerError(Message("a study in the search results has no valid {field} ({value!r})", field="nctId",
                                  value=str(nct_id)[:40]))
    sites = []
    for loc in _get(ps, "contactsLocationsModule", "locations") or []:
        if not isinstance(loc, dict):
            continue
        gp = loc.get("geoPoint") if isinstance(loc.get("geoPoint"), dict) else {}
        sites.append(SiteLocation(loc.get("facility"), loc.get("city"), loc.get("country"),
                                  _number(gp.get("lat")), _number(gp.get("lon"))))
    dist = None
    if near is not None:
        ds = [distance_mi(near.latitude, near.longitude, s.latitude, s.longitude) for s in sites
              if s.latitude is not None and s.longitude is not None]
        dist = round(min(ds), 1) if ds else None
    title = _get(ps, "identificationModule", "briefTitle") or _get(ps, "identificationModule", "officialTitle")
    return SearchHit(nct_id=nct_id, title=title if isinstance(title, str) else None,
                     status=_get(ps, "statusModule", "overallStatus"),
                     phases=_texts(_get(ps, "designModule", "phases")),
                     conditions=_texts(_get(ps, "conditionsModule", "conditions")),
                     sponsor=_get(ps, "sponsorCollaboratorsModule", "leadSponsor", "name"),
                     sites=sites, distance_mi=dist)


def search(query: SearchQuery, *, limit: int = 20, client: CtgovClient | None = None,
           progress: Callable[[int, int], None] | None = None) -> SearchResult:
    """The first ``limit`` matches in the API's order, following ``nextPageToken`` as needed.

    ``progress(found, pages)`` is called after each page.
    """
    if limit < 1:
        raise CtgovError(Message("{option} must be at least 1, not {limit}", option="--limit", limit=limit))
    own = client is None
    client = client or CtgovClient()
    try:
        result = SearchResult(total=None)
        for page in client.pages(query.params(page_size=min(limit, 100))):
            result.pages += 1
            if result.pages == 1 and isinstance(page.get("totalCount"), int):
                result.total = page["totalCount"]
            for study in page.get("studies") or []:
                if len(result.hits) < limit:
                    result.hits.append(hit_from_study(study, query.near))
            if progress:
                progress(len(result.hits), result.pages)
            if len(result.hits) >= limit:
                break
        return result
    finally:
        if own:
            client.close()


def hits_frame(hits: list[SearchHit]) -> "pd.DataFrame":
    """The Find-trials table: one row per study, in the API's order."""
    import pandas as pd

    return pd.DataFrame([{"NCT id": h.nct_id, "Title": h.title, "Status": h.status,
                          "Phase": ", ".join(h.phases) or None, "Sponsor": h.sponsor, "Sites": h.n_locations,
                          "Distance (mi)": h.distance_mi} for h in hits],
                        columns=["NCT id", "Title", "Status", "Phase", "Sponsor", "Sites", "Distance (mi)"])


def sites_frame(hits: list[SearchHit], *, near: Place | None = None,
                radius_mi: float | None = None) -> "pd.DataFrame":
    """The sites of the hits with coordinates, one row per place (city, country, point) with the number of
    matching studies there (``studies``) and a ``label``; only those within ``radius_mi`` of ``near``
    when both are given. Columns: latitude, longitude, city, country, studies, label."""
    import pandas as pd

    rows: dict[tuple, set[str]] = {}
    for h in hits:
        for s in h.sites:
            if s.latitude is None or s.longitude is None:
                continue
            if near is not None and radius_mi is not None and \
                    distance_mi(near.latitude, near.longitude, s.latitude, s.longitude) > radius_mi:
                continue
            rows.setdefault((s.city or "city not stated", s.country or "", s.latitude, s.longitude),
                            set()).add(h.nct_id)
    frame = pd.DataFrame([{"city": c, "country": k, "latitude": lat, "longitude": lon, "studies": len(ids),
                           "label": f"{c}, {k}" if k else c} for (c, k, lat, lon), ids in rows.items()],
                         columns=["city", "country", "latitude", "longitude", "studies", "label"])
    return frame.sort_values(["studies", "label"], ascending=[False, True], ignore_index=True)


# -- fetch into the catalog, keep current ---------------------------------------------------------------------
#: Parts of a record that change on every data release without the study changing (API v2:
#: ``derivedSection.miscInfoModule.versionHolder`` is the date of the registry's data snapshot).
_VOLATILE = (("derivedSection", "miscInfoModule", "versionHolder"),)


def _comparable(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    data = json.loads(json.dumps(data))  # a deep copy
    for path in _VOLATILE:
        node = data
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return data


def same_record(a: bytes, b: bytes) -> bool:
    """Whether two study JSON files hold the same record (formatting and the data-release date ignored)."""
    try:
        return _comparable(json.loads(a.decode("utf-8-sig"))) == _comparable(json.loads(b.decode("utf-8-sig")))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return a == b


@dataclass(frozen=True)
class FetchOutcome:
    nct_id: str
    #: "added" (first version), "updated" (a new version beside earlier ones) or "unchanged".
    change: str
    trial: Any  # trialkit.models.Trial
    raw: bytes = field(repr=False, default=b"")
    earlier_versions: int = 0

    @property
    def stored(self) -> bool:
        return self.change in ("added", "updated")


def download(nct_id: str, client: CtgovClient | None = None) -> tuple[Any, bytes]:
    """Fetch and validate one study (nothing stored). Returns (trial, raw bytes)."""
    nct_id = normalize_nct_id(nct_id)
    own = client is None
    client = client or CtgovClient()
    try:
        raw = client.study_bytes(nct_id)
    finally:
        if own:
            client.close()
    source = Message("the ClinicalTrials.gov answer for {nct_id}", nct_id=nct_id)
    try:
        trial = parse_bytes(raw, source=source)
    except StudyFormatError as exc:
        raise ServerError(Message("{reason}; nothing was stored (try again: the answer may have been cut off)",
                                  reason=exc.args[0])) from None
    return trial, raw


def store(catalog, nct_id: str, trial, raw: bytes) -> FetchOutcome:
    """Store a fetched record through :meth:`Catalog.add` unless it equals the newest version there."""
    versions = catalog.versions(trial.nct_id)
    if versions:
        try:
            newest = versions[-1].path.read_bytes()
        except OSError:
            newest = b""
        if same_record(newest, raw):
            return FetchOutcome(trial.nct_id, "unchanged", trial, raw, len(versions))
    stored_trial, _version, is_new = catalog.add(raw, source_name=Message("the ClinicalTrials.gov answer for {nct_id}",
                                                                          nct_id=nct_id))
    change = ("updated" if versions else "added") if is_new else "unchanged"
    return FetchOutcome(stored_trial.nct_id, change, stored_trial, raw, len(versions))


def fetch_into_catalog(nct_id: str, catalog, client: CtgovClient | None = None) -> FetchOutcome:
    """Fetch one study and add it to the catalog (a new version if it changed). Nothing is stored on error."""
    trial, raw = download(nct_id, client)
    return store(catalog, nct_id, trial, raw)


@dataclass(frozen=True)
class RefreshLine:
    nct_id: str
    change: str  # "updated", "unchanged" or "failed"
    message: str  # a Message: English in the command line, said in the reader's language on a page


def refresh(catalog, nct_ids: list[str] | None = None, *, client: CtgovClient | None = None,
            progress: Callable[[RefreshLine, int, int], None] | None = None) -> list[RefreshLine]:
    """Check the given studies (default: every study in the catalog) for a newer registry record.

    A study the registry no longer has, or whose answer is broken, is reported and the others are still
    checked; no network at all (:class:`Offline`) stops the whole run. ``progress(line, done, total)``.
    """
    ids = [normalize_nct_id(i) for i in nct_ids] if nct_ids else catalog.scan().ids
    for i in ids:
        if not catalog.versions(i):
            raise CtgovError(Message("{nct_id} is not in the catalog; add it with {command}", nct_id=i,
                                     command=f"`python -m trialkit fetch {i}`"))
    own = client is None
    client = client or CtgovClient()
    lines: list[RefreshLine] = []
    try:
        for n, i in enumerate(ids, 1):
            try:
                outcome = fetch_into_catalog(i, catalog, client)
            except Offline:
                raise
            except TrialkitError as exc:  # this study only: unknown id, broken answer, refused by the catalog
                line = RefreshLine(i, "failed", exc.args[0] if len(exc.args) == 1 else str(exc))
            else:
                line = (RefreshLine(i, "updated", with_source(i, Message(
                    "the record changed; stored a new version (now {n} versions)", n=outcome.earlier_versions + 1)))
                        if outcome.stored else RefreshLine(i, "unchanged", with_source(i, Message("no change"))))
            lines.append(line)
            if progress:
                progress(line, n, len(ids))
        return lines
    finally:
        if own:
            client.close()
