"""Rules, quotas and DID details against the session's sandbox: alice's rule STUCK with a
real transfer error, bob's rule waiting for approval, a file with two parents, and what
Rucio's generic permission policy lets users and administrators do to rules."""

from __future__ import annotations

import datetime as dt

import pytest

import rucio_widgets
from rucio_widgets import NotFoundError, PermissionDeniedError
from rucio_widgets.sandbox import DESTINATION_RSE
from rucio_widgets.sandbox.seed import (
    _FILLED_DATASETS,
    APPROVAL_DATASET,
    BROKEN_DATASET,
    SECOND_PARENT,
)
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox


def _wait_for_state(browser: rucio_widgets.RucioBrowser, did: str, state: str) -> list:
    import time

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = [r for r in browser.rules() if r.did == did and r.state == state]
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"no {state} rule on {did}: {browser.rules()}")


def test_a_stuck_rule_shows_its_transfer_error_and_examine_says_why(
    sandbox: SandboxSession, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    did = ":".join(BROKEN_DATASET)
    (stuck,) = _wait_for_state(browser, did, "STUCK")
    assert stuck.account == "alice" and stuck.rse_expression == DESTINATION_RSE
    assert stuck.locks_stuck == 2 and stuck.locks_ok == 0
    assert stuck.error and "No such file or directory" in stuck.error
    assert stuck.created_at and stuck.created_at.endswith("Z")
    assert [r.id for r in browser.rules("STUCK")] == [stuck.id]
    created = [r.created_at for r in browser.rules()]
    assert created == sorted(created, reverse=True)  # newest first
    examined = browser.model.rules_desk.examine(stuck.id)
    assert "No such file or directory" in examined and BROKEN_DATASET[1] in examined
    # the same shape in details()
    in_details = browser.details(did)["rules"]
    assert next(r for r in in_details if r["id"] == stuck.id) == stuck.to_wire()


def test_users_may_not_change_rules_under_the_generic_policy(
    sandbox: SandboxSession, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    (stuck,) = _wait_for_state(browser, ":".join(BROKEN_DATASET), "STUCK")
    with pytest.raises(PermissionDeniedError, match="Rucio refused to extend") as caught:
        browser.extend_rule(stuck.id, 30)
    assert "administrators" in caught.value.hint
    bobs = sandbox.client("bob")
    (waiting,) = [
        r
        for r in bobs.list_account_rules("bob")
        if r["state"] == "WAITING_APPROVAL" and r["name"] == APPROVAL_DATASET[1]
    ]
    with pytest.raises(PermissionDeniedError, match="Rucio refused to delete"):
        browser.delete_rule(waiting["id"])


def test_an_administrator_extends_boosts_and_deletes_once(
    sandbox: SandboxSession, close_later
) -> None:
    made = sandbox.make_dataset(files=1)
    admin = rucio_widgets.RucioBrowser(client=sandbox.client("root"))
    close_later(admin)
    admin.make_available(made.did)
    (rule,) = [r for r in admin.rules() if r.did == made.did]
    with pytest.raises(NotFoundError):
        admin.extend_rule("ab" * 16, 3)
    extended = admin.extend_rule(rule.id, 30)
    assert extended.expires_at is not None
    left = dt.datetime.fromisoformat(extended.expires_at.replace("Z", "+00:00")) - dt.datetime.now(
        dt.timezone.utc
    )
    assert dt.timedelta(days=29) < left <= dt.timedelta(days=30)
    boosted = admin.boost_rule(rule.id)  # not stuck: a harmless no-op
    assert boosted.id == rule.id
    after = admin.delete_rule(rule.id)
    assert after is not None and after.expires_at is not None  # soft: within the hour
    soon = dt.datetime.fromisoformat(after.expires_at.replace("Z", "+00:00"))
    assert soon - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(hours=1, minutes=1)
    _, again = admin.model.delete_rule(rule.id)
    assert "already being deleted" in again


def test_quotas_and_asking_for_approval_over_quota(sandbox: SandboxSession, close_later) -> None:
    bob = rucio_widgets.RucioBrowser(client=sandbox.client("bob"))
    close_later(bob)
    quotas = {q.rse: q for q in bob.quotas() if q.kind == "local"}
    assert quotas[DESTINATION_RSE].limit == 1000  # the sandbox gives bob 1 kB there
    assert quotas[DESTINATION_RSE].remaining is not None
    big = f"mc20:{_FILLED_DATASETS[4][2]}"
    answer = bob.model.check_quota([big], None)
    assert answer["fits"] is False and "Ask for approval" in answer["note"]
    assert answer["quotas"][0]["rse"] == DESTINATION_RSE and answer["bytes"]
    (waiting,) = [r for r in bob.rules("WAITING_APPROVAL") if r.did == ":".join(APPROVAL_DATASET)]
    assert waiting.did == ":".join(APPROVAL_DATASET) and "thesis" in (waiting.comment or "")
    bob.make_available(big, ask_approval=True, comment="for the ttbar cross-check")
    states = {r.did: r.state for r in bob.rules()}
    assert states[big] == "WAITING_APPROVAL"


def test_details_list_both_parents_of_a_file(sandbox: SandboxSession, close_later) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    scope, dataset = _FILLED_DATASETS[0][0], _FILLED_DATASETS[0][2]
    first = next(iter(sandbox.client("alice").list_files(scope, dataset)))
    parents = browser.details(f"{first['scope']}:{first['name']}")["parents"]
    assert {p["did"] for p in parents} == {f"{scope}:{dataset}", ":".join(SECOND_PARENT)}
    assert {p["type"] for p in parents} == {"DATASET"}
