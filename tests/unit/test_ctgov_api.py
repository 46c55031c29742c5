"""The ClinicalTrials.gov API v2 client, fetch/search/refresh and their CLI, against a local stand-in server
replaying the real recorded records in ../shared/ctgov (tests/ctgov_standin.py). No network anywhere."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import ROOT
from tests.ctgov_standin import StandIn, many, recorded
from trialkit import ctgov_api
from trialkit.catalog import Catalog, trial_summary
from trialkit.ctgov_api import (CtgovClient, MalformedId, Offline, SearchQuery, ServerError, StudyNotFound,
                                fetch_into_catalog, refresh, same_record, search)
from trialkit.geo import resolve_place

STUDY = "NCT04267848"  # 1,148 locations, 369 kB: the largest recorded answer


@pytest.fixture
def standin():
    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture
def fast(monkeypatch):
    """No polite pause and short backoff, so the in-process CLI tests do not sleep for seconds."""
    monkeypatch.setattr(ctgov_api, "MIN_INTERVAL", 0.0)
    monkeypatch.setattr(ctgov_api, "BACKOFF", 0.01)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(standin, **kw) -> CtgovClient:
    kw.setdefault("min_interval", 0)
    kw.setdefault("sleep", Sleeps())
    return CtgovClient(standin.url, **kw)


def cli(*args, standin=None, url=None):
    """``python -m trialkit …`` in-process: (exit code, stdout, stderr)."""
    import contextlib
    import io

    from trialkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("TRIALKIT_CTGOV_URL")
    os.environ["TRIALKIT_CTGOV_URL"] = url or standin.url
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        if old is None:
            del os.environ["TRIALKIT_CTGOV_URL"]
        else:
            os.environ["TRIALKIT_CTGOV_URL"] = old
    return code, out.getvalue(), err.getvalue()


def files(data_dir) -> list[str]:
    return sorted(str(p.relative_to(data_dir)) for p in data_dir.rglob("*.json"))


# -- the client ---------------------------------------------------------------------------------------------
def test_base_url_from_the_environment(monkeypatch):
    monkeypatch.delenv("TRIALKIT_CTGOV_URL", raising=False)
    assert ctgov_api.base_url() == "https://clinicaltrials.gov/api/v2"
    monkeypatch.setenv("TRIALKIT_CTGOV_URL", "http://mirror.example/api/v2/")
    assert CtgovClient().url == "http://mirror.example/api/v2"


def test_fetch_returns_the_recorded_bytes_unchanged(standin):
    with client(standin) as c:
        assert c.study_bytes(STUDY) == recorded()[STUDY]
    assert standin.requests == [(f"/api/v2/studies/{STUDY}", {"format": "json"})]


def test_paging_follows_next_page_token_three_pages_for_25_results():
    s = StandIn(pool=many(25), page_cap=10).start()
    try:
        with client(s) as c:
            result = search(SearchQuery(term="a"), limit=30, client=c)
        assert result.total == 25 and result.pages == 3
        assert [h.nct_id for h in result.hits] == [f"NCT99{i:06d}" for i in range(1, 26)]
        tokens = [args.get("pageToken") for _, args in s.requests]
        assert tokens == [None, "p10", "p20"]
    finally:
        s.stop()


def test_paging_stops_at_the_limit():
    s = StandIn(pool=many(25), page_cap=10).start()
    try:
        with client(s) as c:
            result = search(SearchQuery(term="a"), limit=12, client=c)
        assert len(result.hits) == 12 and result.pages == 2 and len(s.requests) == 2
    finally:
        s.stop()


def test_429_with_retry_after_is_honoured_then_succeeds(standin):
    standin.fail_next(429, retry_after="7")
    sleeps = Sleeps()
    with client(standin, sleep=sleeps) as c:
        assert c.study_bytes(STUDY) == recorded()[STUDY]
    assert sleeps == [7.0] and len(standin.requests) == 2


def test_retry_after_as_an_http_date():
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert 25 <= ctgov_api._retry_after(format_datetime(when, usegmt=True)) <= 31
    assert ctgov_api._retry_after("soon") is None


def test_two_503s_then_success_with_growing_backoff(standin):
    standin.fail_next(503, times=2)
    sleeps = Sleeps()
    with client(standin, sleep=sleeps, backoff=0.5) as c:
        assert c.study_bytes(STUDY) == recorded()[STUDY]
    assert sleeps == [0.5, 1.0] and len(standin.requests) == 3


def test_5xx_every_time_is_a_server_error_after_the_retries(standin):
    standin.fail_next(502, times=10)
    with client(standin, retries=2) as c, pytest.raises(ServerError, match=r"after 3 attempts \(last: HTTP 502"):
        c.study_bytes(STUDY)
    assert len(standin.requests) == 3


def test_polite_rate_waits_between_requests(standin):
    sleeps = Sleeps()
    with client(standin, min_interval=5.0, sleep=sleeps) as c:
        c.study_bytes("NCT00973089")
        c.study_bytes("NCT00973089")
    assert len(sleeps) == 1 and 4.0 < sleeps[0] <= 5.0


def test_404_is_an_unknown_study(standin):
    with client(standin) as c, pytest.raises(StudyNotFound, match="has no study NCT00000001"):
        c.study_bytes("NCT00000001")
    assert len(standin.requests) == 1  # not retried


def test_cut_off_body_is_retried(standin):
    standin.truncate_next()
    with client(standin) as c:
        assert c.study_bytes(STUDY) == recorded()[STUDY]
    assert len(standin.requests) == 2


def test_cut_off_body_every_time_is_an_error_and_nothing_is_stored(standin, data_dir):
    standin.truncate_next(times=10)
    cat = Catalog()
    with client(standin, retries=1) as c, pytest.raises(ServerError, match="cut off"):
        fetch_into_catalog(STUDY, cat, c)
    assert cat.versions(STUDY) == []


def test_timeout_is_retried_then_reported(standin):
    standin.delay_next(1.5, times=2)
    with client(standin, timeout=0.3, retries=1) as c, pytest.raises(ServerError, match="no answer within 0.3 s"):
        c.study_bytes("NCT00973089")


def test_unreachable_server_says_offline():
    c = CtgovClient("http://127.0.0.1:9/api/v2", min_interval=0, sleep=Sleeps())
    with pytest.raises(Offline, match="cannot reach ClinicalTrials.gov at http://127.0.0.1:9/api/v2"):
        c.study_bytes(STUDY)


@pytest.mark.parametrize("text", ["NCT123", "banana", "", "NCT0426784X", "NCT042678481"])
def test_malformed_ids_are_refused_before_any_request(standin, text):
    with client(standin) as c, pytest.raises(MalformedId, match="is not an NCT id"):
        c.study_bytes(text)
    assert standin.requests == []


def test_ids_are_normalized():
    assert ctgov_api.normalize_nct_id("  nct04267848 ") == "NCT04267848"


# -- search -------------------------------------------------------------------------------------------------
def test_search_rows_carry_status_phase_sponsor_sites(standin):
    with client(standin) as c:
        result = search(SearchQuery(cond="cancer", statuses=("COMPLETED", "RECRUITING", "ACTIVE_NOT_RECRUITING")),
                        client=c)
    args = standin.requests[0][1]
    assert args["query.cond"] == "cancer" and args["filter.overallStatus"] == "COMPLETED|RECRUITING|ACTIVE_NOT_RECRUITING"
    big = next(h for h in result.hits if h.nct_id == STUDY)
    study = json.loads(recorded()[STUDY])["protocolSection"]
    assert big.n_locations == len(study["contactsLocationsModule"]["locations"]) == 1148
    assert big.sponsor == study["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    assert big.phases == study["designModule"]["phases"]
    assert big.as_json().keys() == {"nct_id", "title", "status", "phases", "conditions", "n_locations"}


@pytest.mark.parametrize("city", ["Shanghai", "Guangzhou"])
def test_search_near_a_chinese_city_sends_filter_geo_and_measures_distance(standin, city):
    place = resolve_place(city)
    with client(standin) as c:
        result = search(SearchQuery(near=place, radius_mi=25), client=c)
    geo = standin.requests[0][1]["filter.geo"]
    assert geo == f"distance({place.latitude:.5f},{place.longitude:.5f},25mi)"
    assert result.hits, f"the recorded studies have sites in {city}"
    for h in result.hits:
        assert h.distance_mi is not None and h.distance_mi <= 25
        assert any(s.city and city.casefold() in s.city.casefold() for s in h.sites)


def test_search_phase_filter(standin):
    with client(standin) as c:
        result = search(SearchQuery(term="a", phases=("PHASE1",)), client=c)
    assert standin.requests[0][1]["filter.advanced"] == "AREA[Phase](PHASE1)"
    assert result.hits and all("PHASE1" in h.phases for h in result.hits)


def test_search_needs_something_to_look_for(standin):
    with client(standin) as c, pytest.raises(ctgov_api.CtgovError, match="say what to look for"):
        search(SearchQuery(statuses=("RECRUITING",)), client=c)


def test_search_page_that_is_not_json_is_an_error(standin):
    standin.fail_next(200, body="{\"studies\": [")
    with client(standin) as c, pytest.raises(ServerError, match="not complete JSON"):
        search(SearchQuery(term="a"), client=c)


# -- fetch into the catalog, refresh ------------------------------------------------------------------------
def test_fetch_adds_then_unchanged_then_updated(standin, data_dir):
    cat = Catalog()
    with client(standin) as c:
        first = fetch_into_catalog("NCT00973089", cat, c)
        assert first.change == "added" and len(cat.versions("NCT00973089")) == 1
        again = fetch_into_catalog("NCT00973089", cat, c)
        assert again.change == "unchanged" and len(cat.versions("NCT00973089")) == 1
        data = json.loads(standin.records["NCT00973089"])
        data["derivedSection"]["miscInfoModule"]["versionHolder"] = "2030-01-01"  # a new data release only
        standin.records["NCT00973089"] = json.dumps(data).encode()
        assert fetch_into_catalog("NCT00973089", cat, c).change == "unchanged"
        data["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
        standin.records["NCT00973089"] = json.dumps(data).encode()
        later = fetch_into_catalog("NCT00973089", cat, c)
    assert later.change == "updated" and later.trial.overall_status == "RECRUITING"
    assert len(cat.versions("NCT00973089")) == 2
    assert cat.load("NCT00973089").overall_status == "RECRUITING"


def test_same_record_ignores_formatting_and_data_release_date():
    raw = recorded()["NCT00973089"]
    data = json.loads(raw)
    assert same_record(raw, json.dumps(data, indent=4).encode())
    data["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    assert not same_record(raw, json.dumps(data).encode())


def test_refresh_stores_only_changed_records_and_reports_the_missing(standin, data_dir):
    cat = Catalog()
    with client(standin) as c:
        for i in ("NCT00973089", "NCT03064438"):
            fetch_into_catalog(i, cat, c)
        data = json.loads(standin.records["NCT03064438"])
        data["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] += "\n* a new criterion"
        standin.records["NCT03064438"] = json.dumps(data).encode()
        seen = []
        lines = refresh(cat, client=c, progress=lambda line, done, total: seen.append((done, total)))
    by_id = {line.nct_id: line.change for line in lines}
    # the two seed trials are not on the stand-in: reported, the others still checked
    assert by_id == {"NCT00973089": "unchanged", "NCT03064438": "updated",
                     "NCT06610773": "failed", "NCT07176143": "failed"}
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(cat.versions("NCT03064438")) == 2 and len(cat.versions("NCT00973089")) == 1


def test_changes_module_sees_the_new_version(standin, data_dir):
    from trialkit.changes import diff_trials

    cat = Catalog()
    with client(standin) as c:
        fetch_into_catalog("NCT00973089", cat, c)
        data = json.loads(standin.records["NCT00973089"])
        data["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
        standin.records["NCT00973089"] = json.dumps(data).encode()
        refresh(cat, ["NCT00973089"], client=c)
    from trialkit.ctgov import load_study

    old, new = (load_study(v.path) for v in cat.versions("NCT00973089"))
    assert [(f.old, f.new) for f in diff_trials(old, new).fields if f.new == "RECRUITING"] == [("WITHDRAWN",
                                                                                                "RECRUITING")]


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_fetch_then_list_shows_it_subprocess(standin, data_dir):
    """The issue's "done when", as a user runs it: a real process, TRIALKIT_CTGOV_URL=<stand-in>."""
    env = dict(os.environ, TRIALKIT_CTGOV_URL=standin.url, TRIALKIT_DATA_DIR=str(data_dir))
    out = subprocess.run([sys.executable, "-m", "trialkit", "fetch", "NCT03377387"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("NCT03377387: added to the catalog.")
    listed = subprocess.run([sys.executable, "-m", "trialkit", "list", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    rows = {r["nct_id"]: r for r in json.loads(listed.stdout)}
    assert rows["NCT03377387"]["origin"] == "imported"


def test_cli_fetch_json_prints_what_show_json_prints(standin, data_dir, fast):
    code, out, err = cli("fetch", "NCT05147467", "--json", standin=standin)
    assert code == 0, err
    code2, shown, _ = cli("show", "NCT05147467", "--json", standin=standin)
    assert json.loads(out) == json.loads(shown) == trial_summary(Catalog().load("NCT05147467"))


@pytest.mark.parametrize("args, message", [
    (("fetch", "NCT00000001"), "error: ClinicalTrials.gov has no study NCT00000001"),
    (("fetch", "NCT123"), "error: 'NCT123' is not an NCT id"),
    (("refresh", "NCT00000001"), "error: NCT00000001 is not in the catalog"),
    (("search", "--near", "Xyzzyville", "--json"), "error: no city called 'Xyzzyville'"),
])
def test_cli_bad_input_exits_2_with_one_line_and_changes_nothing(standin, data_dir, fast, args, message):
    before = files(data_dir)
    code, out, err = cli(*args, standin=standin)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(message), err
    assert files(data_dir) == before


def test_cli_unreachable_server_exits_2_with_one_line(data_dir, fast):
    before = files(data_dir)
    for args in (("fetch", STUDY), ("search", "--cond", "asthma", "--json"), ("refresh",)):
        code, out, err = cli(*args, url="http://127.0.0.1:9/api/v2")
        assert code == 2 and err.count("\n") == 1 and err.startswith("error: cannot reach ClinicalTrials.gov"), err
    assert files(data_dir) == before


def test_cli_server_error_after_retries_exits_2(standin, data_dir, fast):
    standin.fail_next(503, times=10)
    code, _, err = cli("fetch", STUDY, standin=standin)
    assert code == 2 and err.count("\n") == 1 and "did not deliver study NCT04267848 after 4 attempts" in err
    assert Catalog().versions(STUDY) == []


def test_cli_search_json_three_pages(data_dir, fast):
    s = StandIn(pool=many(25), page_cap=10).start()
    try:
        code, out, err = cli("search", "--term", "a", "--limit", "25", "--json", standin=s)
    finally:
        s.stop()
    assert code == 0, err
    got = json.loads(out)
    assert got["total"] == 25 and len(got["studies"]) == 25 and len(s.requests) == 3
    assert set(got["studies"][0]) == {"nct_id", "title", "status", "phases", "conditions", "n_locations"}


def test_cli_search_near_guangzhou(standin, data_dir, fast):
    code, out, err = cli("search", "--near", "Guangzhou", "--radius", "30", "--status", "RECRUITING",
                         "COMPLETED", "ACTIVE_NOT_RECRUITING", "--json", standin=standin)
    assert code == 0, err
    got = json.loads(out)
    assert got["near"]["place"] == "Guangzhou, China" and got["studies"]
    assert all(r["distance_mi"] <= 30 for r in got["studies"])


def test_cli_refresh_one_study(standin, data_dir, fast):
    assert cli("fetch", "NCT00973089", standin=standin)[0] == 0
    code, out, err = cli("refresh", "NCT00973089", standin=standin)
    assert code == 0, err
    assert "[1/1] NCT00973089: no change" in out and "1 unchanged" in out
    data = json.loads(standin.records["NCT00973089"])
    data["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    standin.records["NCT00973089"] = json.dumps(data).encode()
    code, out, err = cli("refresh", "NCT00973089", standin=standin)
    assert code == 0 and "1 updated" in out
    assert len(Catalog().versions("NCT00973089")) == 2


# -- the Find-trials table and map --------------------------------------------------------------------------
def test_hits_frame_and_sites_frame_within_the_radius(standin):
    from trialkit.enrollment.charts import site_map_figure

    place = resolve_place("Shanghai")
    with client(standin) as c:
        result = search(SearchQuery(near=place, radius_mi=50), client=c)
    table = ctgov_api.hits_frame(result.hits)
    assert list(table.columns) == ["NCT id", "Title", "Status", "Phase", "Sponsor", "Sites", "Distance (mi)"]
    assert list(table["NCT id"]) == [h.nct_id for h in result.hits]
    everywhere = ctgov_api.sites_frame(result.hits)
    near = ctgov_api.sites_frame(result.hits, near=place, radius_mi=50)
    assert 0 < len(near) < len(everywhere)
    assert set(near["city"]) == {"Shanghai"} and near["studies"].sum() >= 1
    fig = site_map_figure(near, label="label", size="studies", title="Sites")
    assert list(fig.data[0].x) == list(near["longitude"]) and list(fig.data[0].y) == list(near["latitude"])
    assert "Shanghai, China" in fig.data[0].text[0]


def test_sites_frame_counts_studies_per_place():
    hits = [ctgov_api.hit_from_study(json.loads(recorded()[i])) for i in ("NCT03934567", "NCT05147467")]
    frame = ctgov_api.sites_frame(hits)
    both = frame[frame["city"] == "Guangzhou"]
    assert len(both) >= 1 and both["studies"].max() == 2  # both studies have a site in Guangzhou
    assert frame["studies"].is_monotonic_decreasing
