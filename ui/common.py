"""The frame every page shares: page config, navigation that carries ``?trial=``, the trial chooser.

Routing: the user's ``pages/`` folder (Streamlit's pages directory), with no ``st.navigation`` anywhere,
so the server and the browser always agree on the page list and a deep link such as
``/Criteria?trial=NCT07176143`` opens directly (tests/browser/test_pages.py opens one as a fresh server's
first request). An ``st.navigation`` router was considered (issue 13, item 6) and not adopted this round:
each run already executes exactly one page script, whose first line, :func:`page`, resolves the frame
(trial, demo mode, sign-in; the language next) once; a router would move the Home content out of app.py and
change every page's first line while the pages are being translated, and ``st.navigation`` has had a
"Page not found" on a first deep link (streamlit issues 8860, 9992). The built-in sidebar navigation is hidden
(``client.showSidebarNavigation = false``) and replaced by ``st.page_link``s that pass the chosen trial
along, because a page switch otherwise drops query parameters.
"""
from __future__ import annotations

import getpass
from pathlib import Path

import streamlit as st

from trialkit import db
from trialkit.ctgov import NCT_ID
from trialkit.disclosure import Count
from trialkit.models import Trial
from trialkit.i18n import N_, _
from trialkit.message import said
from ui import auth, language, loaders  # issue 18: language
from ui.text import md_escape

# -- page paths: the one place they are spelled (use these names, not string literals) -----------------
HOME = "app.py"
OVERVIEW = "pages/1_Overview.py"
CRITERIA = "pages/2_Criteria.py"
WHAT_IF = "pages/3_What_if.py"
COHORT = "pages/4_Cohort.py"
ENROLLMENT = "pages/5_Enrollment.py"
SITES = "pages/6_Sites.py"
FORECAST = "pages/7_Forecast.py"
IMPORT = "pages/8_Import.py"
ABOUT_TRIALS = "pages/9_About_trials.py"
SHARED = "pages/10_Shared.py"
CHANGES = "pages/11_Changes.py"
FIND_TRIALS = "pages/12_Find_trials.py"

#: (script path, label, icon) in the order the sidebar lists them. Adding a page = its file in pages/ plus
#: ONE line here (a constant above is optional); the sidebar, the page-load bench and the demo-mode walk
#: (tests/app/test_demo_no_hidden_shares.py) all read this list.
PAGES = [
    (HOME, N_("Home"), ":material/home:"),
    (OVERVIEW, N_("Overview"), ":material/description:"),
    (CRITERIA, N_("Criteria"), ":material/checklist:"),
    (WHAT_IF, N_("What if"), ":material/rule:"),
    (COHORT, N_("Cohort what-if"), ":material/groups:"),
    (FORECAST, N_("Forecast"), ":material/timeline:"),
    (ENROLLMENT, N_("Enrollment"), ":material/monitoring:"),
    (SITES, N_("Sites"), ":material/location_on:"),
    (IMPORT, N_("Import a study"), ":material/upload_file:"),
    (FIND_TRIALS, N_("Find trials"), ":material/travel_explore:"),
    (ABOUT_TRIALS, N_("About clinical trials"), ":material/help:"),
    (SHARED, N_("Shared notes"), ":material/share:"),
    (CHANGES, N_("What changed"), ":material/difference:"),
]

def url_path(script: str) -> str:
    """The URL path Streamlit serves a page script at: "pages/3_What_if.py" -> "What_if", "app.py" -> ""."""
    if script == "app.py":
        return ""
    stem = Path(script).stem
    return stem.split("_", 1)[1] if stem.split("_", 1)[0].isdigit() else stem


def is_open(container) -> bool:
    """Whether a lazy tab, expander or popover (made with ``key=…, on_change="rerun"``) should build its content
    in this run: True when it is open, and when Streamlit tracks no open state (``.open`` is None)."""
    return container.open is not False


#: The query parameter that keeps a page's open lazy tab (``?tab=map``): a stable English slug, the same in every
#: language, so a shared link opens the same tab whatever language it is read in.
TAB_PARAM = "tab"


def lazy_tabs(tabs, *, key: str):
    """``st.tabs`` whose content is built only while open (check each with :func:`is_open`), the open tab kept in
    the page's link. ``tabs`` is ``[(slug, label), ...]``, the first being the default (it leaves no parameter).

    The tab comes from the session while the page is open, else from ``?tab=``: so a link opens its tab, a
    switch of language (the labels change) keeps it, and an unknown value is said and dropped. A tab carries
    no further than its page: the sidebar's links carry only :func:`carried_params`."""
    slugs, labels = [s for s, _l in tabs], [label for _s, label in tabs]
    wanted = st.query_params.get(TAB_PARAM)
    if st.session_state.get(key) not in labels:
        if wanted in slugs:
            st.session_state[key] = labels[slugs.index(wanted)]
        elif wanted is not None:
            st.warning(_("The link's tab value \u201c{value}\u201d is not a tab of this page ({known}); showing "
                         "\u201c{first}\u201d.").format(value=md_escape(wanted, limit=60), known=", ".join(slugs),
                                                      first=labels[0]), icon=":material/link_off:")
    out = st.tabs(labels, key=key, on_change="rerun")
    current = st.session_state.get(key)
    slug = slugs[labels.index(current)] if current in labels else slugs[0]
    if slug == slugs[0]:
        if wanted is not None:
            del st.query_params[TAB_PARAM]
    elif wanted != slug:
        st.query_params[TAB_PARAM] = slug
    return out


TRIAL_KEY = "trial"  # session key of the chosen trial (not a widget key: it survives page switches)
_WIDGET_KEY = "_trial_chooser"


#: A local favicon: a Material or emoji icon would make the browser fetch it from a font or emoji CDN.
FAVICON = str(Path(__file__).with_name("favicon.png"))


def setup(title: str) -> None:
    st.set_page_config(page_title=f"{title} · trialkit", page_icon=FAVICON, layout="wide")


DEMO_KEY = "demo"


def carried_params() -> dict[str, str]:
    """Query parameters every link carries to the next page (the trial, and demo mode when on)."""
    out = {}
    trial = st.session_state.get(TRIAL_KEY)
    if trial:
        out["trial"] = trial
    if is_demo():
        out["demo"] = "1"
    out.update(language.params())  # issue 18: ?lang= travels with the links (contracts §10)
    return out


# -- demo mode ------------------------------------------------------------------------------------
def is_demo() -> bool:
    """Demo mode (``?demo=1`` or the sidebar switch): larger type, no participant-level tables,
    counts below 5 shown as "<5". Pages must check this before drawing participant-level data."""
    return bool(st.session_state.get(DEMO_KEY, False))


def count(n) -> Count:
    """A count under this session's disclosure policy (:class:`trialkit.disclosure.Count`): prints "<5" in
    demo mode for 1-4, and gives no share (``.share``/``.rate`` -> None) of a hidden count."""
    return Count(n, suppress=is_demo())


def show_count(n) -> str:
    """A count as the page should print it (suppressed below 5 in demo mode)."""
    return str(count(n))


_DEMO_WIDGET = "_demo_toggle"
_TRUE = {"1", "true", "yes", "on"}


def _resolve_demo() -> None:
    """``?demo=1`` (or true/yes/on) turns demo mode on, ``?demo=0`` off; no parameter keeps the session's
    choice (a page switch without the parameter does not turn it off)."""
    qp = st.query_params.get("demo")
    if qp is not None:
        st.session_state[DEMO_KEY] = qp.strip().lower() in _TRUE


def _on_demo_toggle() -> None:
    on = bool(st.session_state[_DEMO_WIDGET])
    st.session_state[DEMO_KEY] = on
    if on:
        st.query_params["demo"] = "1"
    elif "demo" in st.query_params:
        del st.query_params["demo"]


def demo_switch(container) -> None:
    """The sidebar switch for demo mode, bound to the session key and kept in the URL as ``?demo=1``."""
    st.session_state[_DEMO_WIDGET] = is_demo()
    container.toggle(_("Demo mode"), key=_DEMO_WIDGET, on_change=_on_demo_toggle,
                     help=_("Larger type, a plain-language summary first, no participant-level tables, "
                            "and every count below 5 shown as \u201c<5\u201d (also in downloaded reports). "
                            "The link keeps it: ?demo=1."))
    if is_demo():
        container.caption(_("Demo mode: counts below 5 shown as \u201c<5\u201d; participant-level tables hidden."))
        if st.query_params.get("demo") != "1":
            st.query_params["demo"] = "1"


# -- who may write ----------------------------------------------------------------------------------
def is_read_only() -> bool:
    """Read-only mode for public demos (``TRIALKIT_READ_ONLY=1``, or true/yes/on): every write is turned off.
    One switch for the UI and the database (:func:`trialkit.db.read_only_mode`)."""
    return db.read_only_mode()


def current_user() -> str:
    """The name that goes into the audit trail.

    With sign-in configured (``ui.auth``): the signed-in user's e-mail (or name), or ``"anonymous"`` when
    nobody is signed in (who then cannot write). Without it: ``local:<operating-system user>``.
    """
    if auth.auth_configured():
        return auth.signed_in_name() or "anonymous"
    try:
        return f"local:{getpass.getuser()}"
    except Exception:  # no login name (e.g. a container without a passwd entry)
        return "local:unknown"


def can_write() -> tuple[bool, str]:
    """(allowed, reason): whether this session may write (imports, recorded screenings, notes).
    Pages check this before every write and show ``reason`` when it is False."""
    if is_read_only():
        return False, _("This server is in read-only mode (TRIALKIT_READ_ONLY); writing is turned off.")
    if auth.auth_configured() and not auth.is_signed_in():
        return False, _("Sign in (sidebar) to make changes; your name goes into the audit trail.")
    refused = auth.write_refusal()  # without sign-in, only visitors on this machine write
    if refused:
        return False, refused
    return True, ""


def navigation(container) -> None:
    with container:
        st.markdown("### trialkit")
        params = carried_params()
        for path, label, icon in PAGES:
            st.page_link(path, label=_(label), icon=icon, query_params=params)
        st.divider()


def _on_choose() -> None:
    chosen = st.session_state[_WIDGET_KEY]
    st.session_state[TRIAL_KEY] = chosen
    st.query_params["trial"] = chosen


def _catalog_name(path, cat) -> str:
    """``/srv/app/data/trials/NCT1.json`` -> ``NCT1.json``; an import -> ``NCT1/<file>.json``."""
    for root in (cat.trials_dir, cat.imported_dir):
        try:
            return str(path.relative_to(root))
        except ValueError:
            continue
    return path.name


def choose_trial() -> Trial | None:
    """The sidebar trial chooser shared by every page; resolves ``?trial=`` and keeps the URL in step.

    Returns the chosen trial, or None (after saying why) when the catalog is empty.
    """
    scan = loaders.catalog_scan()
    cat = loaders.catalog()
    for problem in scan.problems:  # the file's name inside the catalog folder, never the server's absolute path
        shown = said(problem.message).replace(str(problem.path), _catalog_name(problem.path, cat))
        st.sidebar.warning(_("Skipped a broken study file: {problem}").format(problem=md_escape(shown, limit=400)),
                           icon=":material/warning:")
    ids = scan.ids
    if not ids:
        st.error(_("No trials in the catalog. Add a study on the Import page or put API v2 JSON files in "
                   "data/trials/."))
        return None
    requested = st.query_params.get("trial")
    chosen = None
    if requested is not None:
        requested = requested.strip()
        if requested in ids:
            chosen = requested
        elif NCT_ID.match(requested.upper()) and requested.upper() in ids:
            chosen = requested.upper()
        elif NCT_ID.match(requested.upper()):
            st.warning(_("Trial {nct_id} from the link is not in the catalog; showing another trial. Import its "
                         "ClinicalTrials.gov JSON on the Import page to add it.").format(nct_id=requested.upper()),
                       icon=":material/link_off:")
        else:
            st.warning(_("The link's trial value \u201c{value}\u201d is not an NCT id (NCT followed by 8 digits); "
                         "showing another trial.").format(value=md_escape(requested, limit=60)),
                       icon=":material/link_off:")
    if chosen is None:
        remembered = st.session_state.get(TRIAL_KEY)
        chosen = remembered if remembered in ids else ids[0]
    st.session_state[TRIAL_KEY] = chosen
    st.session_state[_WIDGET_KEY] = chosen
    labels = {e.nct_id: e.label for e in scan.entries}
    st.sidebar.selectbox(_("Trial"), ids, key=_WIDGET_KEY, format_func=lambda i: labels.get(i, i),
                         on_change=_on_choose, help=_("Shared by every page; the page's link carries it (?trial=…)."))
    if st.query_params.get("trial") != chosen:
        st.query_params["trial"] = chosen
    return loaders.trial(chosen)


def page(title: str, *, needs_trial: bool = True) -> Trial | None:
    """Set up a page: config, navigation, trial chooser (on every page, so the choice carries over).
    Stops the script if the page needs a trial and the catalog has none."""
    # -- the frame, resolved once per run (each run executes exactly one page script, which calls this) --
    language.resolve()  # issue 18: the run's language, before any word is drawn
    setup(_(title))  # issue 18: pages pass N_("Title"); translated here, after resolve()
    _resolve_demo()
    if is_demo():
        from ui import demo

        demo.apply_style()
    nav = st.sidebar.container()
    trial = choose_trial()
    navigation(nav)
    demo_switch(st.sidebar)
    language.selector(st.sidebar)  # issue 18: English / 中文, kept in ?lang=
    auth.sidebar_controls(st.sidebar)  # sign in/out, only when sign-in is configured (ui.auth)
    if needs_trial and trial is None:
        st.stop()
    return trial
