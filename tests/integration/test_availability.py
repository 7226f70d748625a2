"""Making data available, for real: rules, transfers and downloads against the sandbox."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

import rucio_widgets
from rucio_widgets import (
    ConfigurationError,
    NotAvailableError,
    NotFoundError,
    QuotaExceededError,
)
from rucio_widgets.protocol import AVAILABLE, PARTIALLY_AVAILABLE, REPLICATING
from rucio_widgets.sandbox import DESTINATION_RSE, SOURCE_RSES
from rucio_widgets.sandbox.seed import PARTIAL_DATASET
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox


def source_dataset(sandbox: SandboxSession, files: int = 3):
    """Data that lives only on a source disk: making it available takes a real transfer."""
    return sandbox.make_dataset(files=files, rse=SOURCE_RSES[0], account="root", scope="data18")


@pytest.fixture
def browser(sandbox: SandboxSession):
    from rucio_widgets import RucioBrowser

    widget = RucioBrowser()
    yield widget
    widget.close()


def test_replica_mode_end_to_end(sandbox: SandboxSession, view) -> None:
    from rucio_widgets import RucioBrowser

    made = source_dataset(sandbox)
    browser = RucioBrowser()
    comm = view.of(browser)
    browser.select(made.did)
    with pytest.raises(NotAvailableError) as before:
        browser.wait_paths(timeout=60)
    assert set(before.value.missing) == set(made.files)
    browser.make_available()
    paths = browser.wait(timeout=120)
    statuses = [
        m["updates"][made.did]["status"]
        for m in comm.sent
        if m.get("type") == "status" and made.did in m["updates"]
    ]
    browser.close()
    assert statuses[0] == REPLICATING and statuses[-1] == AVAILABLE
    assert len(paths) == 3
    by_name = {Path(p).name: p for p in paths}
    for local in made.local_paths:
        assert Path(by_name[local.name]).read_bytes() == local.read_bytes()
        assert by_name[local.name].startswith(str(sandbox.layout.mount_path))


def test_existing_rule_is_reused_by_evaluating_expressions(
    browser, sandbox: SandboxSession
) -> None:
    made = source_dataset(sandbox, files=1)
    alice = sandbox.client("alice")
    # Same RSE, different text: `site=NOTEBOOK` selects exactly the destination.
    [rule_id] = alice.add_replication_rule(
        [{"scope": made.scope, "name": made.name}], 1, "site=NOTEBOOK"
    )
    browser.select(made.did)
    [request] = browser.model.make_available()
    assert request.rule_id == rule_id
    mine = [r for r in alice.list_did_rules(made.scope, made.name) if r["account"] == "alice"]
    assert [r["id"] for r in mine] == [rule_id]
    assert len(browser.wait(timeout=120)) == 1


def test_duplicate_rule_is_not_an_error(browser, sandbox: SandboxSession) -> None:
    made = source_dataset(sandbox, files=1)
    alice = sandbox.client("alice")
    [rule_id] = alice.add_replication_rule(
        [{"scope": made.scope, "name": made.name}], 1, DESTINATION_RSE
    )
    [request] = browser.model.make_available([made.did], {"rse_expression": DESTINATION_RSE})
    assert request.rule_id == rule_id
    assert browser.error == {}


def test_a_second_browser_does_not_request_twice(sandbox: SandboxSession) -> None:
    from rucio_widgets import RucioBrowser

    made = source_dataset(sandbox, files=2)
    first = RucioBrowser(selected=[made.did])
    first.make_available()
    first.close()
    second = RucioBrowser(selected=[made.did])  # a restarted kernel
    try:
        second.make_available()
        assert len(second.wait(timeout=120)) == 2
    finally:
        second.close()
    rules = list(sandbox.client("alice").list_did_rules(made.scope, made.name))
    assert len([r for r in rules if r["account"] == "alice"]) == 1


def test_partial_dataset_badge_counts_files(browser) -> None:
    scope, name = PARTIAL_DATASET
    browser.search(f"{scope}:{name}", did_type="dataset")
    page = browser.model.request_page("results", 0, 10).result(30)
    assert [row["did"] for row in page["rows"]] == [f"{scope}:{name}"]
    status = None
    for _ in range(100):
        status = browser.model.statuses.get(f"{scope}:{name}")
        if status:
            break
        threading.Event().wait(0.1)
    assert status == {"status": PARTIALLY_AVAILABLE, "available": 2, "total": 4}
    assert browser.status(f"{scope}:{name}") == PARTIALLY_AVAILABLE


def test_over_quota_is_a_typed_error_and_a_panel_message(sandbox: SandboxSession) -> None:
    from rucio_widgets import RucioBrowser

    made = source_dataset(sandbox, files=1)
    bob = RucioBrowser(client=sandbox.client("bob"), selected=[made.did])
    try:
        with pytest.raises(QuotaExceededError, match="quota"):
            bob.make_available()
        assert "quota" in bob.error["message"].lower()
    finally:
        bob.close()


def test_expression_matching_nothing_and_missing_destination(browser, sandbox) -> None:
    made = source_dataset(sandbox, files=1)
    with pytest.raises(ConfigurationError, match="matches no RSE"):
        browser.make_available(made.did, rse_expression="site=NOWHERE")
    from rucio_widgets import RucioBrowser

    unset = RucioBrowser(destination_rse="")
    try:
        with pytest.raises(ConfigurationError, match="destination_rse"):
            unset.make_available(made.did)
    finally:
        unset.close()


def test_vanished_did_is_not_found(browser) -> None:
    with pytest.raises(NotFoundError):
        browser.make_available("data18:vanished-long-ago")
    assert browser.error["message"].startswith("Not found")


def test_download_mode_end_to_end(sandbox: SandboxSession, tmp_path: Path) -> None:
    from rucio_widgets import RucioBrowser

    made = source_dataset(sandbox, files=3)
    browser = RucioBrowser(mode="download", download_dir=str(tmp_path / "dl"), selected=[made.did])
    try:
        browser.make_available()
        paths = browser.wait(timeout=120)
        assert sorted(paths) == sorted(
            str(tmp_path / "dl" / made.scope / Path(f).name) for f in made.local_paths
        )
        for local in made.local_paths:
            downloaded = tmp_path / "dl" / made.scope / local.name
            assert (
                hashlib.md5(downloaded.read_bytes()).digest()
                == hashlib.md5(local.read_bytes()).digest()
            )
        stamps = {p: Path(p).stat().st_mtime_ns for p in paths}
        browser.make_available()  # again: nothing is downloaded twice
        assert browser.wait(timeout=60) == paths
        assert {p: Path(p).stat().st_mtime_ns for p in paths} == stamps
        assert not list((tmp_path / "dl").rglob("*.part"))
    finally:
        browser.close()


def test_resolve_without_widget(sandbox: SandboxSession, tmp_path: Path) -> None:
    made = source_dataset(sandbox, files=2)
    with pytest.raises(NotAvailableError) as missing:
        rucio_widgets.resolve(made.did, timeout=60)
    assert set(missing.value.missing) == set(made.files)
    assert set(missing.value.missing.values()) == {"NOT_AVAILABLE"}
    paths = rucio_widgets.resolve(made.did, make_available=True, timeout=120)
    assert len(paths) == 2 and all(Path(p).is_file() for p in paths)
    assert rucio_widgets.resolve(made.did) == paths


def test_failed_download_is_never_reported_available(
    sandbox: SandboxSession, tmp_path: Path
) -> None:
    from rucio_widgets import RucioBrowser
    from rucio_widgets.protocol import FAILED

    made = sandbox.make_dataset(files=3)
    # One file's bytes vanish from the storage: its download must fail, the others land.
    lost = made.local_paths[1].name
    [stored] = [p for p in sandbox.layout.rse_dir("SITE_A_SCRATCHDISK").rglob(lost)]
    stored.unlink()
    download_dir = tmp_path / "dl"
    browser = RucioBrowser(mode="download", download_dir=str(download_dir), selected=[made.did])
    try:
        browser.make_available()
        with pytest.raises(NotAvailableError) as caught:
            browser.wait(timeout=120)
        assert caught.value.missing[made.did].startswith(FAILED)
        assert len(browser.paths) == 2
        assert not (download_dir / made.scope / lost).exists()
        assert not list(download_dir.rglob("*.part"))
    finally:
        browser.close()


def test_unusable_download_dir_fails_with_the_reason(
    sandbox: SandboxSession, tmp_path: Path
) -> None:
    from rucio_widgets import RucioBrowser

    made = sandbox.make_dataset(files=1)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the download folder should be")
    browser = RucioBrowser(mode="download", download_dir=str(blocker), selected=[made.did])
    try:
        browser.make_available()
        with pytest.raises(NotAvailableError) as caught:
            browser.wait(timeout=60)
        assert "FAILED" in caught.value.missing[made.did]
    finally:
        browser.close()


def test_server_going_away_mid_poll_and_coming_back(sandbox: SandboxSession) -> None:
    from rucio_widgets import RucioBrowser, ServerUnavailableError

    made = source_dataset(sandbox, files=1)
    browser = RucioBrowser(selected=[made.did])
    try:
        sandbox.sandbox.stop_process("daemons")  # keep the rule REPLICATING meanwhile
        browser.make_available()
        sandbox.sandbox.stop_process("server")
        with pytest.raises(ServerUnavailableError):
            browser.wait(timeout=20)
        assert browser.selected == [made.did]  # nothing lost
    finally:
        sandbox.sandbox.up()  # restart what was stopped
    try:
        paths = browser.wait(timeout=120)
        assert len(paths) == 1 and Path(paths[0]).read_bytes() == made.local_paths[0].read_bytes()
    finally:
        browser.close()


def test_panel_options_reach_the_rule_and_links_point_to_the_webui(
    sandbox: SandboxSession, view
) -> None:
    import time

    from rucio_widgets import RucioBrowser

    made = source_dataset(sandbox, files=1)
    browser = RucioBrowser(rucio_webui_url="https://rucio-ui.example.org")
    try:
        reply = view.of(browser).request(
            {
                "type": "make_available",
                "dids": [made.did],
                "options": {
                    "rse_expression": "site=NOTEBOOK",
                    "lifetime_days": "2",
                    "comment": "for my thesis",
                },
            },
            timeout=60,
        )
        assert reply == {
            "type": "make_available",
            "request_id": reply["request_id"],
            "requested": [made.did],
        }
        alice = sandbox.client("alice")
        deadline = time.monotonic() + 30
        mine: list[dict] = []
        while not mine and time.monotonic() < deadline:
            mine = [
                r for r in alice.list_did_rules(made.scope, made.name) if r["account"] == "alice"
            ]
            time.sleep(0.2)
        [rule] = mine
        assert rule["rse_expression"] == "site=NOTEBOOK"
        assert rule["comments"] == "for my thesis"
        assert rule["expires_at"] is not None
        details = browser.details(made.did)
        assert details["did_url"] == (
            f"https://rucio-ui.example.org/did?scope={made.scope}&name={made.name}"
        )
        urls = {r["id"]: r["url"] for r in details["rules"]}
        assert urls[rule["id"]] == f"https://rucio-ui.example.org/rule?rule_id={rule['id']}"
        assert browser.info["webui"] == "https://rucio-ui.example.org"
    finally:
        browser.close()
