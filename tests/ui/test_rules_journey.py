"""The Rules pane in a real browser: a rule made by ``browser.make_available()`` in an earlier
cell shows in the pane, is extended there, and ``browser.rules()`` in a later cell sees its
new expiry; in JupyterLab 4 against the session's sandbox."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Page, expect

from rucio_widgets.sandbox import SOURCE_RSES
from rucio_widgets.sandbox.testing import SandboxSession

from .harness import (
    JupyterServer,
    cell_locator,
    open_notebook,
    rerun_until,
    run_cell,
    screenshot,
    write_notebook,
)


def test_extend_a_rule_in_the_rules_pane(
    sandbox: SandboxSession, jupyter_lab: JupyterServer, ui_notebooks_dir: Path, page: Page
) -> None:
    made = sandbox.make_dataset(
        files=1, rse=SOURCE_RSES[0], account="root", scope="data18", prefix="uirules"
    )
    # Rucio's generic permission policy (the sandbox's) lets only admins update a rule,
    # its owner included: alice is an admin for this test only.
    root = sandbox.client("root")
    root.add_account_attribute("alice", "admin", "True")
    try:
        _extend_in_the_pane(jupyter_lab, ui_notebooks_dir, page, made.did, made.name)
    finally:
        root.delete_account_attribute("alice", "admin")


def _extend_in_the_pane(
    jupyter_lab: JupyterServer, ui_notebooks_dir: Path, page: Page, did: str, name: str
) -> None:
    write_notebook(
        ui_notebooks_dir / "rules_pane.ipynb",
        [
            "import datetime as dt\nfrom rucio_widgets import RucioBrowser\n"
            "browser = RucioBrowser()\n"
            f"browser.make_available({did!r}, lifetime_days=1, comment='ui rules pane')\n"
            f"rule = next(r for r in browser.rules() if r.did == {did!r})\n"
            "print('made', rule.id, rule.expires_at)",
            "browser",
            "when = lambda s: dt.datetime.fromisoformat(s.replace('Z', '+00:00'))\n"
            "after = next(r for r in browser.rules() if r.id == rule.id)\n"
            "moved = (when(after.expires_at) - when(rule.expires_at)).total_seconds() / 86400\n"
            "print(f'moved {moved:.0f} days')",
        ],
    )
    started = time.monotonic()
    open_notebook(page, jupyter_lab, "rules_pane.ipynb")
    made_text = run_cell(page, 0, timeout=60)
    assert made_text.startswith("made "), made_text
    rule_id = made_text.split()[1]
    run_cell(page, 1)
    widget = cell_locator(page, 1).locator(".rucio-widgets")
    expect(widget.locator(".rw-status")).to_contain_text("alice")

    widget.locator("button.rw-rules-toggle").click()
    pane = widget.locator(".rw-rules")
    expect(pane).to_be_visible()
    expect(widget.locator(".rw-results")).to_be_hidden()
    # The text filter (debounced) narrows the list to the rule of this test.
    pane.locator("input.rw-rules-text").fill(name)
    rule_row = pane.locator(f'.rw-rule[data-rule-id="{rule_id}"]')
    expect(rule_row).to_be_visible()
    expect(pane.locator(".rw-rule")).to_have_count(1)
    expect(rule_row.locator(".rw-rule-did")).to_have_text(did)
    expect(rule_row.locator(".rw-rule-comment")).to_have_text("“ui rules pane”")
    expect(rule_row.locator(".rw-rule-expires")).to_have_attribute("data-level", "soon")

    rule_row.locator("input.rw-rule-days").fill("9")
    rule_row.locator("button.rw-rule-extend").click()
    expect(rule_row.locator(".rw-rule-note")).to_have_text("Extended to 9 days.")
    expect(rule_row.locator(".rw-rule-expires")).to_have_text("expires in 9 days")
    screenshot(page, "rules-pane-lab")

    # From a 1-day lifetime to 9 days from now: Python sees the expiry 8 days later.
    output = rerun_until(page, 2, lambda text: "moved 8 days" in text, timeout=30)
    assert "moved 8 days" in output

    widget.locator("button.rw-rules-close").click()
    expect(pane).to_be_hidden()
    expect(widget.locator(".rw-results")).to_be_visible()
    print(f"rules pane journey: {time.monotonic() - started:.1f} s")
