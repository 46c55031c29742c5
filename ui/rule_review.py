"""Criteria page: an investigator reviews a criterion's drafted rules (accept, edit, add, judgment only).

UI only: the decisions are made in :mod:`trialkit.criteria.review` (file + audit event) and the write policy
is ``common.can_write()`` (read-only mode, sign-in), as for every other write. Criterion text is data: it
is shown with ``st.text`` or in a dataframe, never as Markdown.
"""
from __future__ import annotations

from trialkit.i18n import _, pgettext

import streamlit as st

from trialkit.criteria import review, uln
from trialkit.criteria.evaluate import _bounds_words
from trialkit.criteria.fields import FIELDS, format_number
from trialkit.criteria.rules import RangeRule
from trialkit.criteria.ruleset import STRUCTURED_NOTE
from trialkit.criteria.units import convert
from trialkit.errors import TrialkitError
from trialkit.message import said
from ui.text import md_escape
from ui import common, loaders

_FLASH = "rr_flash"


def _describe(rule) -> str:
    if isinstance(rule, RangeRule):
        spec = FIELDS[rule.field]
        return f"{pgettext('field', spec.label)} {_bounds_words(rule, spec)}"
    if rule.kind == "judgment":
        return _("clinician's judgment: {question}").format(question=rule.question)
    if rule.kind == "fact":
        return f"{pgettext('field', FIELDS[rule.field].label)} = {_('yes') if rule.expected else _('no')}"
    if rule.kind == "window":
        return _("{field} within {n} {unit}").format(field=pgettext("field", FIELDS[rule.field].label),
                                                     n=f"{rule.within:g}", unit=_(rule.unit))
    return _("{field}: one of {values}").format(field=pgettext("field", FIELDS[rule.field].label),
                                               values=", ".join(rule.any_of))


def _own_rules(criterion) -> list:
    """The criterion's rules without the study's structured sex/age limits (those are re-added on load)."""
    return [r for r in criterion.rules if r.note != STRUCTURED_NOTE]


def _save(trial, cid: str, rules: list, decision: str) -> None:
    ok, reason = common.can_write()
    if not ok:
        st.session_state[_FLASH] = ("error", reason)
        return
    try:
        stamp = review.save_review(trial, cid, rules, user=common.current_user(), decision=decision,
                                   engine=loaders.engine())
    except TrialkitError as exc:
        st.session_state[_FLASH] = ("error", said(exc))
        return
    st.session_state[_FLASH] = ("success", _("{id}: rules saved as reviewed by {user} at {time}.").format(
        id=cid, user=stamp['by'], time=stamp['at']))


PANEL_KEY = "rr_open"  # the session key of the review panel's open state


def review_panel(trial) -> None:
    """The "Review rules" expander. It is lazy (issue 13, page load): its table, form and inputs are built only
    while it is open (opening it reruns the page), so the Criteria page does not send them on every load."""
    ruleset = loaders.ruleset(trial)
    if st.session_state.get(PANEL_KEY):  # open in the last run: stays open when its label (the count) changes
        st.session_state[PANEL_KEY] = True
    box = st.expander(_("Review rules · {reviewed} of {total} criteria reviewed").format(
        reviewed=common.show_count(ruleset.reviewed_count), total=common.show_count(ruleset.total)),
        icon=":material/rule:", key=PANEL_KEY, on_change="rerun")
    if not common.is_open(box):
        return
    with box:
        _panel(trial, ruleset)


def _panel(trial, ruleset) -> None:
    ok, reason = common.can_write()
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        (st.success if flash[0] == "success" else st.error)(flash[1])
    if not ok:
        st.info(reason)
    ids = [c.id for c in ruleset.criteria if c.id not in ("SEX", "AGE")]
    if not ids:
        st.caption(_("no criteria to review"))
        return
    status = {c.id: (_("reviewed") if not c.rules_unreviewed and all(r.reviewed for r in c.rules)
                     else _("needs review"))
              for c in ruleset.criteria}
    cid = st.selectbox(_("Criterion"), ids, key="rr_criterion", format_func=lambda i: f"{i} · {status[i]}")
    c = ruleset.criterion(cid)
    st.text(c.text)
    for p in ruleset.problems:
        if p.startswith(f"{cid}:"):
            st.warning(md_escape(said(p)), icon=":material/warning:")
    own = _own_rules(c)
    st.dataframe([{_("rule"): _describe(r), _("words"): r.source_text if r.kind != "judgment" else "",
                   _("reviewed"): bool(r.reviewed and not c.rules_unreviewed)} for r in own],
                 hide_index=True, width="stretch")
    b1, b2 = st.columns(2)
    if b1.button(_("Accept these rules"), key=f"rr_accept_{cid}", disabled=not ok or not own,
                 icon=":material/check:"):
        _save(trial, cid, own, "accept")
        st.rerun()
    if b2.button(_("Judgment only"), key=f"rr_judgment_{cid}", disabled=not ok, icon=":material/person:",
                 help=_("No value decides this criterion: a clinician must.")):
        _save(trial, cid, [review.judgment_rule(c.kind)], "judgment_only")
        st.rerun()
    numeric = sorted((n for n, s in FIELDS.items() if s.kind == "number" and not s.allow_never),
                     key=lambda n: FIELDS[n].label.lower())
    drafted_fields = [r.field for r in own if isinstance(r, RangeRule)]
    with st.form(key=f"rr_form_{cid}", border=True):
        st.caption(_("Edit a range rule (replaces the criterion's rule on that field) or add one."))
        default = numeric.index(drafted_fields[0]) if drafted_fields else 0
        first = next((r for r in own if isinstance(r, RangeRule)), None)  # prefilled from the draft

        def shown(v):
            return "" if v is None else format_number(v)
        field = st.selectbox(_("Field"), numeric, index=default, key=f"rr_field_{cid}",
                             format_func=lambda n: FIELDS[n].display)
        f1, f2, f3 = st.columns(3)
        lo = f1.text_input(_("Minimum"), value=shown(first.minimum) if first else "", key=f"rr_min_{cid}",
                           placeholder=_("none"))
        hi = f2.text_input(_("Maximum"), value=shown(first.maximum) if first else "", key=f"rr_max_{cid}",
                           placeholder=_("none"))
        unit = f3.text_input(_("Unit"), key=f"rr_unit_{cid}", placeholder=_("the field's unit"),
                             help=_("Bounds in this unit are converted to the field's own unit."))
        g1, g2 = st.columns(2)
        lo_inc = g1.checkbox(_("Minimum inclusive"), value=first.minimum_inclusive if first else True,
                             key=f"rr_loinc_{cid}")
        hi_inc = g2.checkbox(_("Maximum inclusive"), value=first.maximum_inclusive if first else True,
                             key=f"rr_hiinc_{cid}")
        words = st.text_input(_("The criterion's words this rule encodes"), value=first.source_text if first else "",
                              key=f"rr_words_{cid}")
        mode = st.radio(_("How"), ["edit", "add"], horizontal=True, key=f"rr_mode_{cid}", label_visibility="collapsed",
                        format_func={"edit": _("replace the rule on this field"), "add": _("add beside")}.get)
        submitted = st.form_submit_button(_("Save rule as reviewed"), disabled=not ok)
    if submitted:
        try:
            spec = FIELDS[field]
            u = "" if unit.strip() in {"", spec.unit, uln.UNIT} else unit.strip()
            vals = [None if not v.strip() else convert(spec, float(v.strip().replace(",", ".")), u)
                    for v in (lo, hi)]
            new = review.range_rule(field, minimum=vals[0], maximum=vals[1], minimum_inclusive=lo_inc,
                                    maximum_inclusive=hi_inc, source_text=words.strip())
        except TrialkitError as exc:  # a ValueError too: caught first, so its reason is said
            st.session_state[_FLASH] = ("error", said(exc))
        except ValueError:
            st.session_state[_FLASH] = ("error", _("Minimum and maximum must be numbers (or empty)."))
        else:
            kept = [r for r in own if not (mode == "edit" and isinstance(r, RangeRule) and r.field == field)]
            _save(trial, cid, kept + [new], mode)
        st.rerun()
