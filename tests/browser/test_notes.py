"""A note popover in the browser: its editor is built only once it is opened (issue 13, page load), and it stays
open after a note is saved although its label (the note count) changes."""
from __future__ import annotations

import re


def test_note_popover_opens_saves_and_stays_open(app):
    pg = app.open("/Criteria?trial=NCT07176143")
    assert pg.locator('[data-testid="stTextArea"]').count() == 0  # no hidden editor sent with the page
    button = pg.locator('[data-testid="stPopover"] button').first
    button.click()
    area = pg.get_by_placeholder("Only you will see this note.")
    area.wait_for(state="visible", timeout=30_000)
    area.fill("Ask how the count is made")
    pg.get_by_role("button", name=re.compile("Add note")).click()
    app.idle()
    box = pg.locator('[data-testid="stPopoverBody"]')
    box.get_by_text("Note saved (visible only to you).").wait_for(state="visible", timeout=30_000)
    assert box.locator("textarea").first.input_value() == "Ask how the count is made"  # the saved note, editable
    app.shot("note_popover_saved")
    assert not app.exceptions(), app.exceptions()
