"""A local stand-in for the ClinicalTrials.gov API v2, for tests only (no network anywhere).

It serves the real recorded study records in ``../shared/ctgov/*.json`` (see SOURCES.md there):
``GET /api/v2/studies/{nctId}`` returns the file's bytes unchanged (404 as text otherwise), and
``GET /api/v2/studies`` searches them (``query.cond``/``query.term``/``query.locn`` as substrings,
``filter.overallStatus``, ``filter.geo=distance(lat,lon,Nmi)``, ``filter.advanced=AREA[Phase](A OR B)``)
and pages the matches with ``pageToken``/``nextPageToken``, never more than ``page_cap`` a page (as the real
server may send fewer than ``pageSize``).

Scripted faults for the next requests: ``standin.fail_next(503)``, ``fail_next(429, retry_after="1")``,
``truncate_next()`` (a body cut off mid-way: the connection closes before ``Content-Length`` bytes),
``delay_next(seconds)`` (for timeouts). ``standin.requests`` logs ``(path, args)`` of every request.

``many(n)`` makes ``n`` search entries for paging tests by cycling the real records under test-only ids
``NCT990000xx``; they exist only inside this stand-in and are never stored as real studies.
"""
from __future__ import annotations

import copy
import json
import math
import re
import threading
import time
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov"  # ../shared, as tests/conftest.py
PREFIX = "/api/v2"


def recorded() -> dict[str, bytes]:
    """The real recorded studies, nctId -> the file's bytes."""
    return {p.stem: p.read_bytes() for p in sorted(SHARED.glob("NCT*.json"))}


def many(n: int) -> list[dict]:
    """``n`` search entries for paging tests (test-only ids NCT99000001…, real records' content)."""
    real = [json.loads(b) for b in recorded().values()]
    out = []
    for i in range(n):
        s = copy.deepcopy(real[i % len(real)])
        s["protocolSection"]["identificationModule"]["nctId"] = f"NCT99{i + 1:06d}"
        out.append(s)
    return out


def _miles(lat1, lon1, lat2, lon2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 3958.7613 * math.asin(min(1.0, math.sqrt(a)))


class StandIn:
    def __init__(self, records: dict[str, bytes] | None = None, *, pool: list[dict] | None = None,
                 page_cap: int = 10):
        self.records = dict(records if records is not None else recorded())
        self.pool = pool if pool is not None else [json.loads(b) for b in self.records.values()]
        self.page_cap = page_cap
        self.requests: list[tuple[str, dict]] = []
        self._faults: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self.server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
        self.server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._handle)

    # -- life cycle -----------------------------------------------------------------------------------------
    def start(self) -> "StandIn":
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.clear_assertions()
            self.server.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{PREFIX}"

    # -- faults ---------------------------------------------------------------------------------------------
    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None, body: str = "") -> None:
        with self._lock:
            self._faults += [("status", (status, retry_after, body))] * times

    def truncate_next(self, times: int = 1) -> None:
        with self._lock:
            self._faults += [("truncate", None)] * times

    def delay_next(self, seconds: float, times: int = 1) -> None:
        with self._lock:
            self._faults += [("delay", seconds)] * times

    # -- serving --------------------------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        args = {k: request.args.get(k) for k in request.args}
        with self._lock:
            self.requests.append((request.path, args))
            fault = self._faults.pop(0) if self._faults else None
        if fault and fault[0] == "status":
            status, retry_after, body = fault[1]
            headers = {"Retry-After": retry_after} if retry_after else {}
            return Response(body or f"stand-in error {status}", status=status, headers=headers,
                            content_type="text/plain")
        if fault and fault[0] == "delay":
            time.sleep(float(fault[1]))
        response = self._route(request.path, args)
        if fault and fault[0] == "truncate":
            body = response.get_data()
            cut = Response(body[: len(body) // 2], status=200, content_type="application/json")
            cut.headers["Content-Length"] = str(len(body))  # promises more than it sends
            cut.headers["Connection"] = "close"
            return cut
        return response

    def _route(self, path: str, args: dict) -> Response:
        if not path.startswith(PREFIX + "/studies"):
            return Response("not found", status=404, content_type="text/plain")
        rest = path[len(PREFIX + "/studies"):].strip("/")
        if rest:
            raw = self.records.get(rest)
            if raw is None:
                return Response(f"Study {rest} not found", status=404, content_type="text/plain")
            return Response(raw, status=200, content_type="application/json")
        return self._search(args)

    def _search(self, args: dict) -> Response:
        matches = [s for s in self.pool if self._matches(s, args)]
        size = int(args.get("pageSize") or 10) or 10
        size = min(size, self.page_cap)
        token = args.get("pageToken")
        start = int(token[1:]) if token and token.startswith("p") else 0
        page = {"studies": matches[start:start + size]}
        if start + size < len(matches):
            page["nextPageToken"] = f"p{start + size}"
        if not token and (args.get("countTotal") or "").lower() == "true":
            page["totalCount"] = len(matches)
        return Response(json.dumps(page), status=200, content_type="application/json")

    @staticmethod
    def _matches(study: dict, args: dict) -> bool:
        ps = study.get("protocolSection", {})
        locs = ps.get("contactsLocationsModule", {}).get("locations", [])
        cond = (args.get("query.cond") or "").casefold()
        if cond:
            hay = " ".join(ps.get("conditionsModule", {}).get("conditions", [])
                           + ps.get("conditionsModule", {}).get("keywords", [])
                           + [ps.get("identificationModule", {}).get("briefTitle", "")]).casefold()
            if cond not in hay:
                return False
        term = (args.get("query.term") or "").casefold()
        if term and term not in json.dumps(ps, ensure_ascii=False).casefold():
            return False
        locn = (args.get("query.locn") or "").casefold()
        if locn and not any(locn in " ".join(str(v) for k, v in loc.items() if k != "geoPoint").casefold()
                            for loc in locs):
            return False
        statuses = args.get("filter.overallStatus")
        if statuses and ps.get("statusModule", {}).get("overallStatus") not in re.split(r"[|,]", statuses):
            return False
        adv = args.get("filter.advanced") or ""
        m = re.fullmatch(r"AREA\[Phase\]\((.*)\)", adv)
        if m:
            wanted = set(m.group(1).split(" OR "))
            if not wanted & set(ps.get("designModule", {}).get("phases", [])):
                return False
        geo = args.get("filter.geo")
        if geo:
            g = re.fullmatch(r"distance\((-?[\d.]+),(-?[\d.]+),([\d.]+)mi\)", geo)
            if not g:
                return False
            lat, lon, radius = map(float, g.groups())
            if not any("geoPoint" in loc and _miles(lat, lon, loc["geoPoint"]["lat"], loc["geoPoint"]["lon"]) <= radius
                       for loc in locs):
                return False
        return True
