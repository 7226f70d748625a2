"""The widget through a dummy comm (tests/widget_comm.py), over the in-memory service: the
exact messages it sends, one reply per request, errors in one path, the handler table."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_service import FakeService
from widget_comm import RecordingComm

from rucio_widgets import protocol
from rucio_widgets.config import load_config
from rucio_widgets.dispatch import HANDLERS
from rucio_widgets.errors import InvalidQueryError
from rucio_widgets.widget import RucioBrowser

DEST = "NOTEBOOK_DISK"


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No rucio.cfg and no JupyterLab extension config of this machine leaks in."""
    empty = tmp_path / "rucio.cfg"  # exists: rucio-clients refuses to import without
    empty.write_text("")
    monkeypatch.setenv("RUCIO_CONFIG", str(empty))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter"))
    for name in ("RUCIO_HOME", "RUCIO_BASE_URL", "RUCIO_ACCOUNT"):
        monkeypatch.delenv(name, raising=False)


SETTINGS = {
    "rucio_host": "http://rucio.example.org",
    "account": "alice",
    "destination_rse": DEST,
    "rse_mount_path": "/mnt/rucio",
    "path_begins_at": 2,
}


@pytest.fixture
def fake(isolated: None, tmp_path: Path) -> FakeService:
    SETTINGS["rse_mount_path"] = str(tmp_path / "mnt")
    service = FakeService(load_config(**SETTINGS)[0])
    service.mounts[DEST] = tmp_path / "mnt"
    service.add_rse(DEST, "SITE_DATADISK")
    service.add_dataset("data18:ds", 3, on=["SITE_DATADISK"], metadata={"datatype": "AOD"})
    return service


@pytest.fixture
def widget(fake: FakeService, view: Any) -> Iterator[RucioBrowser]:
    widget = RucioBrowser(service=fake, **SETTINGS)
    deadline = time.monotonic() + 5
    while widget.busy and time.monotonic() < deadline:  # start-up done
        time.sleep(0.01)
    yield widget
    widget.close()


def comm_of(widget: RucioBrowser) -> RecordingComm:
    comm = widget.comm
    assert isinstance(comm, RecordingComm)
    return comm


def test_the_handler_table_covers_exactly_the_protocol() -> None:
    assert set(HANDLERS) == set(protocol.REQUESTS) == set(protocol.REPLIES)
    writers = {kind for kind, handler in HANDLERS.items() if handler.writes}
    assert writers == {
        protocol.MSG_MAKE_AVAILABLE,
        protocol.MSG_CANCEL_DOWNLOAD,
        protocol.MSG_UPLOAD,
    }


def test_a_page_request_gets_exactly_one_reply(widget: RucioBrowser) -> None:
    comm = comm_of(widget)
    comm.deliver({"type": "page", "request_id": 7, "source": "data18:ds", "offset": 1, "limit": 5})
    first = comm.reply_to(7)
    assert [r["did"] for r in first["rows"]] == ["data18:ds.f0001", "data18:ds.f0002"]
    # The rows' badges are worked out as they are read; a later page carries them.
    deadline = time.monotonic() + 5
    while widget.model.status_of("data18:ds.f0002") is None and time.monotonic() < deadline:
        time.sleep(0.01)
    comm.deliver({"type": "page", "request_id": 8, "source": "data18:ds", "offset": 1, "limit": 5})
    assert comm.reply_to(8) == {
        "type": "page",
        "request_id": 8,
        "source": "data18:ds",
        "offset": 1,
        "rows": [
            {
                "did": f"data18:ds.f000{i}",
                "type": "FILE",
                "bytes": 100,
                "length": None,
                "status": {"status": "NOT_AVAILABLE"},
            }
            for i in (1, 2)
        ],
        "complete": True,
        "total": 3,
    }
    time.sleep(0.1)
    assert len(comm.replies_to(7)) == len(comm.replies_to(8)) == 1


def test_a_request_without_an_id_gets_no_reply(widget: RucioBrowser) -> None:
    comm = comm_of(widget)
    comm.deliver({"type": "search", "query": "data18:*", "did_type": "all", "filters": ""})
    comm.deliver({"type": "page", "source": "results", "offset": 0, "limit": 5})
    time.sleep(0.2)
    assert [m for m in comm.sent if "request_id" in m] == []


def test_details_reply_carries_the_did_type_not_in_the_message_type(widget: RucioBrowser) -> None:
    reply = comm_of(widget).request({"type": "details", "did": "data18:ds"})
    assert reply["type"] == "details" and reply["did_type"] == "DATASET"
    assert reply["did"] == "data18:ds" and reply["metadata"]["datatype"] == "AOD"
    assert {r["rse"] for r in reply["replicas"]} == {"SITE_DATADISK"}
    json.dumps(reply)  # what the comm carries


def test_a_bad_search_is_one_error_reply_and_one_banner(widget: RucioBrowser) -> None:
    comm = comm_of(widget)
    states_before = len(comm.states)
    reply = comm.request(
        {"type": "search", "query": "data18:*", "did_type": "all", "filters": "a=1,,b=2"}
    )
    assert reply["error"]["kind"] == "InvalidQueryError"
    assert "empty condition" in reply["error"]["message"]
    assert set(reply) == {"type", "request_id", "error"}
    assert widget.error == reply["error"]
    banners = [s["error"] for s in comm.states[states_before:] if s.get("error")]
    assert banners == [reply["error"]]


def test_page_errors_are_shown_in_place_not_in_the_banner(widget: RucioBrowser) -> None:
    reply = comm_of(widget).request(
        {"type": "page", "source": "data18:gone", "offset": 0, "limit": 5}
    )
    assert reply["error"]["kind"] == "NotFoundError"
    assert widget.error == {}


def test_cancelling_a_waiting_page_answers_it_once_with_cancelled(
    widget: RucioBrowser, fake: FakeService
) -> None:
    comm = comm_of(widget)
    fake.search_gate = threading.Event()
    comm.deliver(
        {"type": "search", "request_id": 1, "query": "data18:*", "did_type": "all", "filters": ""}
    )
    comm.deliver({"type": "page", "request_id": 2, "source": "results", "offset": 0, "limit": 5})
    time.sleep(0.15)
    assert comm.replies_to(2) == []
    comm.deliver({"type": "cancel_request", "request_id": 3, "target": 2})
    assert comm.reply_to(3) == {"type": "cancel_request", "request_id": 3}
    reply = comm.reply_to(2, timeout=5)
    assert reply["error"]["kind"] == "CancelledError"
    assert widget.error == {}  # nobody needs a banner for a request they gave up
    fake.search_gate.set()
    time.sleep(0.2)
    assert len(comm.replies_to(2)) == 1


def test_an_unknown_request_is_answered_with_an_error(widget: RucioBrowser) -> None:
    reply = comm_of(widget).request({"type": "frobnicate"})
    assert reply["error"]["message"] == "Unknown request `frobnicate`."


@pytest.mark.parametrize(
    "message",
    [
        {"type": "cancel_download", "did": "a:b:c"},
        {"type": "make_available", "dids": ["no-scope"]},
        {"type": "details", "did": ":x"},
    ],
)
def test_a_malformed_did_from_the_view_is_an_invalid_query(
    widget: RucioBrowser, message: dict
) -> None:
    reply = comm_of(widget).request(message)
    assert reply["error"]["kind"] == "InvalidQueryError"


@pytest.mark.parametrize("call", ["deselect", "retry", "cancel_download", "select"])
def test_a_malformed_did_from_python_is_an_invalid_query_in_the_panel(
    widget: RucioBrowser, call: str
) -> None:
    with pytest.raises(InvalidQueryError):
        getattr(widget, call)("a:b:c")
    assert widget.error["kind"] == "InvalidQueryError"


def test_make_available_replies_when_rucio_has_the_rule(
    widget: RucioBrowser, fake: FakeService
) -> None:
    comm = comm_of(widget)
    reply = comm.request(
        {
            "type": "make_available",
            "dids": ["data18:ds"],
            "options": {"lifetime_days": "2", "comment": ""},
        }
    )
    assert reply == {
        "type": "make_available",
        "request_id": reply["request_id"],
        "requested": ["data18:ds"],
    }
    [rule] = fake.rules.values()
    assert rule["lifetime"] == 2 * 86400 and rule["comments"] == "rucio-widgets"
    status = comm.wait_for(lambda m: m.get("type") == "status" and "data18:ds" in m["updates"])
    assert status == {
        "type": "status",
        "updates": {"data18:ds": {"status": "REPLICATING", "available": 0, "total": 3}},
    }


def test_python_options_are_checked(widget: RucioBrowser) -> None:
    with pytest.raises(InvalidQueryError, match="Unknown option `lifetime`"):
        widget.make_available("data18:ds", lifetime=3)
    with pytest.raises(InvalidQueryError, match="whole number"):
        widget.make_available("data18:ds", lifetime_days="soon")


def test_selection_through_the_trait_resolves_paths(
    widget: RucioBrowser, fake: FakeService
) -> None:
    fake.place("data18:ds.f0000", DEST)
    widget.selected = ["data18:ds"]
    assert widget.model.wait_resolved(5)
    assert widget.paths == [str(fake.mounts[DEST] / "data18" / "ds.f0000")]
    assert widget.paths_state == {"files": 3, "available": 1, "pending": 0}
    assert widget.unavailable == ["data18:ds.f0001", "data18:ds.f0002"]
    assert "paths" not in comm_of(widget).states[-1]  # never synced


def test_a_read_only_browser_refuses_writes_in_python_and_from_the_view(
    fake: FakeService, view: Any
) -> None:
    from rucio_widgets.errors import ReadOnlyError

    widget = RucioBrowser(service=fake, read_only=True, **SETTINGS)
    try:
        assert widget.info["read_only"] is True  # the view hides what writes
        assert widget.search("data18:*")  # reading works
        widget.select("data18:ds")
        with pytest.raises(ReadOnlyError, match="read-only"):
            widget.make_available()
        with pytest.raises(ReadOnlyError):
            widget.retry("data18:ds")
        comm = comm_of(widget)
        for message in (
            {"type": "make_available", "dids": ["data18:ds"]},
            {"type": "cancel_download", "did": "data18:ds"},
        ):
            reply = comm.request(message)
            assert reply["error"]["kind"] == "ReadOnlyError"
            assert "read_only" in reply["error"]["hint"]
        assert fake.calls["add_rule"] == 0 and not fake.rules
    finally:
        widget.close()


def test_rules_quotas_and_rule_actions_over_the_comm(
    widget: RucioBrowser, fake: FakeService
) -> None:
    widget.make_available("data18:ds")
    (rule_id,) = fake.rules
    comm = comm_of(widget)
    page = comm.request({"type": "rules", "offset": 0, "limit": 10})
    assert [r["id"] for r in page["rows"]] == [rule_id] and page["total"] == 1
    assert set(page["rows"][0]) == set(protocol.RuleInfo.__annotations__)
    assert widget.rules()[0].to_wire() == page["rows"][0]  # one shape, Python and wire
    examined = comm.request({"type": "rule_action", "rule_id": rule_id, "action": "examine"})
    assert examined["rule"]["id"] == rule_id and isinstance(examined["examine"], str)
    wrong = comm.request({"type": "rule_action", "rule_id": rule_id, "action": "explode"})
    assert wrong["error"]["kind"] == "InvalidQueryError"
    assert widget.error == {}  # shown in place, not in the banner
    fake.quota = {DEST: (10, 0)}
    quotas = comm.request({"type": "quotas", "dids": ["data18:ds"]})
    assert quotas["fits"] is False and quotas["quotas"][0]["remaining"] == 10
    deleted = comm.request({"type": "rule_action", "rule_id": rule_id, "action": "delete"})
    assert "within the hour" in deleted["note"] and fake.deleted_rules == [rule_id]
    details = widget.details("data18:ds")
    assert details["rules"][0]["id"] == rule_id and details["parents"] == []


def test_a_read_only_browser_refuses_rule_actions(fake: FakeService, view: Any) -> None:
    widget = RucioBrowser(service=fake, read_only=True, **SETTINGS)
    try:
        reply = comm_of(widget).request(
            {"type": "rule_action", "rule_id": "ab" * 16, "action": "delete"}
        )
        assert reply["error"]["kind"] == "ReadOnlyError"
        assert fake.calls["delete_rule"] == 0
    finally:
        widget.close()


def test_a_sort_request_replies_with_the_sort_and_pages_follow_it(
    widget: RucioBrowser, fake: FakeService
) -> None:
    for i, size in enumerate((30, 10, 20)):
        fake.add_dataset(f"mc20:s.{i}", 1, size=size)
    widget.search("mc20:s.*", did_type="dataset")
    comm = comm_of(widget)
    reply = comm.request({"type": "sort", "by": "bytes", "descending": True})
    state = {"by": "bytes", "descending": True, "rows": 3, "more": 0}
    assert reply == {"type": "sort", "request_id": reply["request_id"], "sort": state}
    assert widget.results_state["sort"] == state
    assert comm.states[-1]["results_state"]["sort"] == state  # synced to the view
    page = comm.request({"type": "page", "source": "results", "offset": 0, "limit": 10})
    assert [r["did"] for r in page["rows"]] == ["mc20:s.0", "mc20:s.2", "mc20:s.1"]
    bad = comm.request({"type": "sort", "by": "colour", "descending": False})
    assert bad["error"]["kind"] == "InvalidQueryError"
    assert widget.error["message"] == "Results cannot be sorted by `colour`."
    back = comm.request({"type": "sort", "by": None, "descending": False})
    assert back["sort"] is None and "sort" not in widget.results_state


def test_browser_sort_returns_the_loaded_rows_in_order(
    widget: RucioBrowser, fake: FakeService
) -> None:
    for i, files in enumerate((2, 5, 1)):
        fake.add_dataset(f"mc20:n.{i}", files)
    widget.search("mc20:n.*", did_type="dataset")
    assert [r.files for r in widget.sort("length")] == [1, 2, 5]
    assert [r.did for r in widget.sort(by="name", descending=True)] == [
        "mc20:n.2",
        "mc20:n.1",
        "mc20:n.0",
    ]
    assert [r.did for r in widget.results] == ["mc20:n.2", "mc20:n.1", "mc20:n.0"]
    with pytest.raises(InvalidQueryError, match="cannot be sorted"):
        widget.sort("files")
    assert widget.error["kind"] == "InvalidQueryError"


def test_local_paths_request_answers_in_place(widget: RucioBrowser, fake: FakeService) -> None:
    fake.place("data18:ds.f0001", DEST)
    comm = comm_of(widget)
    reply = comm.request({"type": "local_paths", "did": "data18:ds"})
    assert reply == {
        "type": "local_paths",
        "request_id": reply["request_id"],
        "paths": [str(fake.mounts[DEST] / "data18" / "ds.f0001")],
        "missing": 2,
    }
    widget.selected = ["data18:ds.f0001"]
    selection = comm.request({"type": "local_paths"})
    assert selection["paths"] == reply["paths"] and selection["missing"] == 0
    gone = comm.request({"type": "local_paths", "did": "data18:gone"})
    assert gone["error"]["kind"] == "NotFoundError"
    assert widget.error == {}  # the menu says it, not the banner


def test_remote_urls_request_answers_in_place(widget: RucioBrowser, fake: FakeService) -> None:
    fake.file_replicas["data18:ds.f0002"] = {DEST: "file://localhost/mnt/ds.f0002"}
    comm = comm_of(widget)
    reply = comm.request({"type": "remote_urls", "did": "data18:ds"})
    assert reply == {
        "type": "remote_urls",
        "request_id": reply["request_id"],
        "urls": [
            f"root://site_datadisk.example.org:1094//data/rucio/data18/ds.f{i:04d}" for i in (0, 1)
        ],
        "missing": 1,  # only on a file:// RSE: nothing serves it remotely
    }
    widget.selected = ["data18:ds.f0001"]
    selection = comm.request({"type": "remote_urls"})
    assert selection["urls"] == reply["urls"][1:] and selection["missing"] == 0
    bad = comm.request({"type": "remote_urls", "did": "no-scope-here"})
    assert bad["error"]["kind"] == "InvalidQueryError"
    assert "scope" in bad["error"]["message"]
    assert widget.error == {}  # the menu says it, not the banner


def test_sidecar_without_the_package_points_to_the_docked_view(
    widget: RucioBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from rucio_widgets import SidecarUnavailableError

    monkeypatch.setitem(sys.modules, "sidecar", None)  # import sidecar raises ImportError
    with pytest.raises(SidecarUnavailableError, match="not installed") as raised:
        widget.sidecar()
    assert "Create New View for Cell Output" in raised.value.hint
    assert widget.error["kind"] == "SidecarUnavailableError"  # the panel says it too


def test_sidecar_shows_the_panel_in_one(
    widget: RucioBrowser, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    import IPython.display

    made: list[Any] = []
    shown: list[tuple[Any, bool]] = []

    class Sidecar:
        def __init__(self, title: str, anchor: str) -> None:
            self.title, self.anchor, self.inside = title, anchor, False
            made.append(self)

        def __enter__(self) -> Sidecar:
            self.inside = True
            return self

        def __exit__(self, *exc: object) -> None:
            self.inside = False

    module = types.ModuleType("sidecar")
    module.Sidecar = Sidecar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sidecar", module)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append((obj, made[0].inside)))
    side = widget.sidecar(title="Data")
    assert side is made[0] and side.title == "Data" and side.anchor == "split-right"
    assert shown == [(widget, True)]  # displayed inside the sidecar
