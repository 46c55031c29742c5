"""Hardening of the domain layer: hostile study files are read as data, kept whole but inert, and
upload names never become paths."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from trialkit.catalog import Catalog
from trialkit.ctgov import MAX_STUDY_BYTES, parse_bytes
from trialkit.errors import StudyFormatError
from ui.text import md_escape

_spec = importlib.util.spec_from_file_location("trialkit_tests_hostile", Path(__file__).parents[1] / "hostile.py")
hostile = sys.modules.setdefault("trialkit_tests_hostile", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(hostile)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.fixture(scope="module")
def raw() -> bytes:
    return hostile.hostile_study_bytes()


@pytest.fixture(scope="module")
def trial(raw):
    return parse_bytes(raw, source="hostile.json")


def test_hostile_study_is_read_whole(trial):
    assert trial.nct_id == hostile.HOSTILE_ID
    assert len(trial.locations) == hostile.N_LOCATIONS
    assert [c.id for c in trial.inclusion] == ["I1", "I2", "I3", "I4", "I5"]
    assert [c.id for c in trial.exclusion] == ["E1", "E2", "E3"]
    assert max(len(c.text) for c in trial.criteria) >= hostile.BIG_CRITERION_CHARS
    # Markup is kept verbatim as text (not stripped, not interpreted): the page must show it inert.
    assert "<script>" in trial.title and "javascript:alert(1)" in trial.title
    assert hostile.SCRIPT in trial.inclusion[1].text
    assert hostile.JS_LINK in trial.inclusion[2].text


def test_hostile_study_carries_no_control_characters(trial):
    texts = [trial.title, trial.official_title or "", trial.brief_summary or "", *(c.text for c in trial.criteria),
             *(l.facility or "" for l in trial.locations[:60]), *(a.description or "" for a in trial.arm_groups)]
    bad = [t[:80] for t in texts if CONTROL.search(t)]
    assert not bad, f"control characters survive into display text: {bad[:3]}"


@pytest.mark.parametrize("field", ["title", "criterion", "summary"])
def test_md_escape_leaves_no_live_markup(trial, field):
    text = {"title": trial.title, "criterion": trial.inclusion[0].text, "summary": trial.brief_summary}[field]
    out = md_escape(text)
    assert not re.search(r"(?<!\\)<(script|img|a)\b", out, re.I)
    assert not re.search(r"(?<!\\)\]\(", out), "a Markdown link or image would be live"
    assert not re.search(r"(?<!\\)!\[", out)


def test_add_stores_under_the_nct_id_never_the_upload_name(tmp_path, raw):
    cat = Catalog(trials_dir=tmp_path / "trials", imported_dir=tmp_path / "imported")
    (tmp_path / "trials").mkdir()
    before = set(tmp_path.parent.iterdir())
    evil = "../../../../tmp/evil<script>.json"
    trial, version, is_new = cat.add(raw, source_name=evil)
    assert is_new and trial.nct_id == hostile.HOSTILE_ID
    assert version.path.parent == tmp_path / "imported" / hostile.HOSTILE_ID
    assert re.fullmatch(r"\d{8}T\d{12}Z-[0-9a-f]{12}\.json", version.path.name)
    assert "evil" not in str(version.path)
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    lock = tmp_path / "imported" / f".{hostile.HOSTILE_ID}.lock"  # the trial's writer lock, named by its NCT id too
    assert written == sorted([version.path, lock])
    assert set(tmp_path.parent.iterdir()) == before
    assert not Path("/tmp/evil<script>.json").exists()
    # the same bytes again: nothing new
    assert cat.add(raw, source_name="x")[2] is False
    assert cat.load(hostile.HOSTILE_ID).nct_id == hostile.HOSTILE_ID


@pytest.mark.parametrize("nct", ["../../etc/passwd", "NCT1234/../../x", "nct12345678\n", "NCT123456789"])
def test_add_refuses_an_id_that_could_be_a_path(tmp_path, nct):
    cat = Catalog(trials_dir=tmp_path / "trials", imported_dir=tmp_path / "imported")
    data = hostile.hostile_study_dict()
    data["protocolSection"]["identificationModule"]["nctId"] = nct
    with pytest.raises(StudyFormatError):
        cat.add(json.dumps(data).encode(), source_name="upload.json")
    assert not (tmp_path / "imported").exists() or not any((tmp_path / "imported").rglob("*"))


@pytest.mark.parametrize("payload,why", [
    (b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.", "a pickle"),
    (b"!!python/object/apply:os.system ['true']", "YAML tags"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", "XML"),
    (b'{"protocolSection": ' * 5000 + b"{}" + b"}" * 5000, "deep nesting"),
    (b"[]", "not an object"),
], ids=["pickle", "yaml", "xml", "deep-nesting", "array"])
def test_uploads_are_parsed_as_data_only(tmp_path, payload, why):
    cat = Catalog(trials_dir=tmp_path / "trials", imported_dir=tmp_path / "imported")
    with pytest.raises(StudyFormatError) as exc:
        cat.add(payload, source_name="upload.json")
    assert "upload.json" in str(exc.value)
    assert not (tmp_path / "imported").exists() or not any((tmp_path / "imported").rglob("*.json"))


def test_oversized_upload_is_refused_before_parsing(tmp_path):
    cat = Catalog(trials_dir=tmp_path / "trials", imported_dir=tmp_path / "imported")
    too_big = b" " * (MAX_STUDY_BYTES + 1)
    with pytest.raises(StudyFormatError, match="limit"):
        cat.add(too_big, source_name="big.json")
    assert not (tmp_path / "imported").exists()


def test_upload_limits_are_consistent():
    """The server's upload cap (config.toml) is at least the study limit, and both are bounded."""
    import tomllib

    cfg = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    server_mb = cfg["server"]["maxUploadSize"]
    assert 1 <= server_mb <= 200
    assert MAX_STUDY_BYTES <= server_mb * 2**20


def test_streamlit_config_is_production_minded():
    import tomllib

    cfg = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["enableCORS"] is True
    assert cfg["server"].get("enableStaticServing", False) is False
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] in ("none", False)
    assert cfg["client"].get("showErrorLinks") is False
    assert cfg["client"]["toolbarMode"] in ("viewer", "minimal")
    assert "cookieSecret" not in cfg["server"], "secrets belong in secrets.toml, which is never committed"


# -- static checks over the UI code ----------------------------------------------------------------------
_UI_FILES = sorted([Path(__file__).parents[2] / "app.py",
                    *(Path(__file__).parents[2] / "pages").glob("*.py"),
                    *(Path(__file__).parents[2] / "ui").glob("*.py")])


def _calls(tree, names: set[str]):
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name in names:
                yield node


@pytest.mark.parametrize("path", _UI_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_ui_never_hands_html_to_the_browser_from_data(path):
    """No ``unsafe_allow_html=True``; ``st.html`` / components only with a constant written in the code."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                 for t in n.targets if isinstance(t, ast.Name)}
    for call in _calls(tree, {"markdown", "write", "caption", "html", "components_html"}):
        for kw in call.keywords:
            if kw.arg == "unsafe_allow_html":
                assert isinstance(kw.value, ast.Constant) and kw.value.value is False, \
                    f"{path.name}:{call.lineno} passes unsafe_allow_html"
    for call in _calls(tree, {"html"}):
        arg = call.args[0] if call.args else None
        assert isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name) and arg.id in constants), \
            f"{path.name}:{call.lineno}: st.html with something other than a constant written in the code"


@pytest.mark.parametrize("path", [p for p in _UI_FILES if "file_uploader" in p.read_text(encoding="utf-8")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_uploader_has_a_size_limit(path):
    """Each uploader is capped: ``max_upload_size=`` on the widget, or a byte limit the page checks."""
    import ast

    src = path.read_text(encoding="utf-8")
    tree = ast.parse(src)
    for call in _calls(tree, {"file_uploader"}):
        has_kw = any(kw.arg == "max_upload_size" for kw in call.keywords)
        checks_bytes = bool(re.search(r"MAX_\w*BYTES", src)) and bool(re.search(r"\.size\b|len\(\w+\)|getvalue\(\)", src))
        assert has_kw or checks_bytes, f"{path.name}:{call.lineno}: an uploader with no size limit"
