"""The model against an in-memory service: paging, selection -> paths, statuses, both
modes, error reporting. No server, no widget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_service import FakeService

from rucio_widgets.config import Settings
from rucio_widgets.errors import (
    ConfigurationError,
    InvalidQueryError,
    NotAvailableError,
    NotFoundError,
)
from rucio_widgets.model import BrowserModel
from rucio_widgets.protocol import PAGE_SIZE, RowStatus
from rucio_widgets.transfers import Backoff

DEST = "NOTEBOOK_DISK"
SOURCE = "SITE_DATADISK"


class Events:
    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.statuses: list[dict[str, RowStatus]] = []

    def state_changed(self, changes: dict[str, Any]) -> None:
        self.changes.append(changes)

    def statuses_changed(self, updates: dict[str, RowStatus]) -> None:
        self.statuses.append(updates)

    def errors(self) -> list[dict[str, Any]]:
        return [c["error"] for c in self.changes if c.get("error")]


def wait_until(predicate: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met")


def settings(**changes: Any) -> Settings:
    base = Settings(
        rucio_host="http://rucio.example.org",
        account="alice",
        destination_rse=DEST,
        rse_mount_path="/mnt/rucio",
        path_begins_at=2,
    )
    return Settings(**{**base.__dict__, **changes})


@pytest.fixture
def mount(tmp_path: Path) -> Path:
    return tmp_path / "mnt"


@pytest.fixture
def fake(mount: Path) -> FakeService:
    service = FakeService(settings(rse_mount_path=str(mount)))
    service.add_rse(DEST, SOURCE)
    service.mounts[DEST] = mount
    return service


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def model(fake: FakeService, events: Events) -> Iterator[BrowserModel]:
    made = BrowserModel(fake, fake.settings, events=events)
    made.start(wait=True)
    # Rules in the fake move only when the test says so: poll at once.
    made.mode.rules.backoff = Backoff(first=0.01, ceiling=0.05)  # type: ignore[attr-defined]
    yield made
    made.close()


# --- listings -------------------------------------------------------------------------------


def test_search_pages_and_loads_more_without_a_cap(model: BrowserModel, fake: FakeService) -> None:
    for i in range(250):
        fake.add_dataset(f"mc20:mc20.{i:03d}.sample", 1)
    first = model.search("mc20:mc20.*.sample", did_type="dataset")
    assert len(first) == PAGE_SIZE and model.state.results_state["complete"] is False
    page = model.request_page("results", 150, 60).result(5)
    assert page["offset"] == 150 and len(page["rows"]) == 60
    assert page["rows"][0]["did"] == "mc20:mc20.150.sample"
    everything = model.load_more(1000)
    assert len(everything) == 250 and model.state.results_state == {
        "generation": 1,
        "loaded": 250,
        "complete": True,
    }
    last = model.request_page("results", 240, 100).result(5)
    assert len(last["rows"]) == 10 and last["complete"] is True and last["total"] == 250


def test_a_bare_name_searches_the_accounts_scopes(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("user.alice:mine.1", 1)
    fake.add_dataset("mc20:mine.2", 1)
    assert [r.did for r in model.search("mine.*", did_type="dataset")] == ["user.alice:mine.1"]


def test_a_new_search_closes_the_stream_in_flight(model: BrowserModel, fake: FakeService) -> None:
    for i in range(10):
        fake.add_dataset(f"mc20:slow.{i}", 1)
    fake.search_gate = threading.Event()  # rows wait at the gate
    model.search("mc20:slow.*", wait=False)
    old = model.searcher.results
    wait_until(lambda: fake.streams)
    fake.search_gate = None
    assert model.search("mc20:slow.1") == model.results
    assert old is not None and old.cancelled and fake.streams[0].closed
    assert [r.did for r in model.results] == ["mc20:slow.1"]


def test_bad_searches_raise_typed_errors_before_any_call(
    model: BrowserModel, fake: FakeService
) -> None:
    before = fake.calls["search"]
    for query, filters in [
        ("a:b:c", ""),
        ("", ""),
        ("mc20:*", "events.gt=3"),
        ("mc20:*", "a=1,,b=2"),
    ]:
        with pytest.raises(InvalidQueryError):
            model.search(query, filters=filters)
    with pytest.raises(InvalidQueryError, match="DID type"):
        model.search("mc20:*", did_type="folder")
    assert fake.calls["search"] == before


def test_a_listing_that_fails_is_reported_once(
    model: BrowserModel, fake: FakeService, events: Events
) -> None:
    fake.fail["search"] = NotFoundError(
        "Unknown scope while searching nowhere: nowhere.", "Pick one."
    )
    with pytest.raises(NotFoundError):
        model.search("nowhere:*")
    wait_until(events.errors)
    time.sleep(0.05)
    model.report(model.searcher.results.error)  # type: ignore[union-attr]
    assert [e["message"] for e in events.errors()] == [
        "Unknown scope while searching nowhere: nowhere."
    ]


def test_pages_of_a_collection_and_bad_sources(model: BrowserModel, fake: FakeService) -> None:
    files = fake.add_dataset("data18:ds", 5)
    page = model.request_page("data18:ds", 0, 3).result(5)
    assert [r["did"] for r in page["rows"]] == files[:3]
    with pytest.raises(InvalidQueryError, match="no scope"):
        model.request_page("no-scope-here", 0, 3).result(5)
    with pytest.raises(NotFoundError):
        model.request_page("data18:gone", 0, 3).result(5)


def test_a_page_waiting_for_rows_stops_when_asked(model: BrowserModel, fake: FakeService) -> None:
    from rucio_widgets.errors import CancelledError

    fake.add_dataset("mc20:gated.1", 1)
    fake.search_gate = threading.Event()
    model.search("mc20:gated.*", wait=False)
    stop = threading.Event()
    answer = model.request_page("results", 0, 10, stop)
    time.sleep(0.1)
    assert not answer.done()
    stop.set()
    with pytest.raises(CancelledError):
        answer.result(2)
    fake.search_gate.set()


# --- sorting ------------------------------------------------------------------------------


def sizes_catalogue(fake: FakeService, count: int = 250) -> None:
    """``count`` datasets whose sizes are not in name order, and a container (no size)."""
    for i in range(count):
        fake.add_dataset(f"mc20:mc20.{i:03d}.sample", 1, size=(i * 37) % count + 1)
    fake.add_container("mc20:mc20.zzz.sample", [])


def test_sort_orders_a_snapshot_of_the_loaded_rows_and_reads_no_further(
    model: BrowserModel, fake: FakeService
) -> None:
    sizes_catalogue(fake)
    model.search("mc20:mc20.*.sample")
    listing = model.searcher.results
    assert listing is not None and len(listing.rows) == PAGE_SIZE
    state = model.sort("bytes")
    assert state == {"by": "bytes", "descending": False, "rows": PAGE_SIZE, "more": None}
    assert model.state.results_state == {
        "generation": 1,
        "loaded": PAGE_SIZE,
        "complete": False,
        "sort": state,
    }
    sizes = [r.bytes for r in model.results]
    assert len(sizes) == PAGE_SIZE and sizes == sorted(sizes)
    # Page offsets refer to the snapshot; beyond it nothing is read.
    page = model.request_page("results", 10, 20).result(5)
    assert [r["bytes"] for r in page["rows"]] == sizes[10:30]
    beyond = model.request_page("results", PAGE_SIZE, PAGE_SIZE).result(5)
    assert beyond["rows"] == [] and beyond["complete"] is False and beyond["total"] is None
    time.sleep(0.05)
    assert len(listing.rows) == PAGE_SIZE  # sorting loaded nothing behind the user's back

    model.sort("bytes", descending=True)
    assert [r.bytes for r in model.results] == sizes[::-1]
    # Back to Rucio's order: pages follow the listing again.
    assert model.sort(None) is None
    assert "sort" not in model.state.results_state
    page = model.request_page("results", 0, 3).result(5)
    assert [r["did"] for r in page["rows"]] == [f"mc20:mc20.{i:03d}.sample" for i in range(3)]


def test_load_more_adds_its_rows_to_the_sort_and_unknown_sizes_go_last(
    model: BrowserModel, fake: FakeService
) -> None:
    sizes_catalogue(fake)
    model.search("mc20:mc20.*.sample")
    model.sort("bytes", descending=True)
    everything = model.load_more(1000)
    assert len(everything) == 251
    assert everything[-1].did == "mc20:mc20.zzz.sample"  # no size: last, in both directions
    sizes = [r.bytes for r in everything[:-1]]
    assert sizes == sorted(sizes, reverse=True)
    assert model.state.results_state["sort"] == {
        "by": "bytes",
        "descending": True,
        "rows": 251,
        "more": 0,
    }
    assert model.state.results_state["complete"] is True
    last = model.request_page("results", 250, 10).result(5)
    assert [r["did"] for r in last["rows"]] == ["mc20:mc20.zzz.sample"]
    assert last["complete"] is True and last["total"] == 251


def test_load_more_from_the_view_sorts_again_once_its_rows_are_in(
    model: BrowserModel, fake: FakeService
) -> None:
    sizes_catalogue(fake)
    model.search("mc20:mc20.*.sample")
    model.sort("name", descending=True)
    model.load_more(50, wait=False)
    state = wait_until(lambda: model.state.results_state["sort"]["rows"] == 150 or None)
    assert state
    names = [r.did for r in model.results]
    assert len(names) == 150 and names == sorted(names, reverse=True)


def test_a_new_search_ends_the_sort_and_bad_sorts_say_why(
    model: BrowserModel, fake: FakeService
) -> None:
    with pytest.raises(InvalidQueryError, match="search first"):
        model.sort("name")
    sizes_catalogue(fake, 5)
    model.search("mc20:mc20.*.sample")
    model.sort("length")
    with pytest.raises(InvalidQueryError, match="cannot be sorted by `size`") as raised:
        model.sort("size")
    assert "bytes" in raised.value.hint
    model.search("mc20:mc20.00*.sample")
    assert "sort" not in model.state.results_state and model.sort_state is None


def test_sorted_rows_by_name_size_and_files() -> None:
    from rucio_widgets.model.listings import sorted_rows
    from rucio_widgets.service import DIDRow

    rows = [
        DIDRow("b", "x.2", "DATASET", 10, 3),
        DIDRow("a", "x.2", "DATASET", None, None),
        DIDRow("a", "x.1", "DATASET", 10, 1),
        DIDRow("a", "x.3", "FILE", 5, None),
    ]
    dids = lambda rs: [r.did for r in rs]  # noqa: E731
    assert dids(sorted_rows(rows, "name")) == ["a:x.1", "a:x.2", "b:x.2", "a:x.3"]
    assert dids(sorted_rows(rows, "name", True)) == ["a:x.3", "b:x.2", "a:x.2", "a:x.1"]
    # Equal sizes keep name order; unknown ones go last, both ways.
    assert dids(sorted_rows(rows, "bytes")) == ["a:x.3", "a:x.1", "b:x.2", "a:x.2"]
    assert dids(sorted_rows(rows, "bytes", True)) == ["a:x.1", "b:x.2", "a:x.3", "a:x.2"]
    assert dids(sorted_rows(rows, "length", True)) == ["b:x.2", "a:x.1", "a:x.2", "a:x.3"]


# --- selection -> paths -----------------------------------------------------------------------


def test_selection_resolves_paths_in_bulk_through_the_mount(
    model: BrowserModel, fake: FakeService
) -> None:
    files = fake.add_dataset("data18:ds", 250, on=[DEST, SOURCE])
    fake.add_dataset("data18:elsewhere", 2, on=[SOURCE])
    fake.calls.clear()
    model.set_selected(["data18:ds"])
    paths = model.wait_paths(5)
    assert len(paths) == 250
    assert paths[0] == str(fake.mounts[DEST] / "data18" / files[0].split(":")[1])
    assert (
        fake.calls["file_rows"] == 1
        and fake.calls["replicas"] == 1
        and fake.calls["metadata_bulk"] == 1
    )
    assert model.state.paths_state == {"files": 250, "available": 250, "pending": 0}

    model.select("data18:elsewhere")
    with pytest.raises(NotAvailableError) as caught:
        model.wait_paths(5)
    assert set(caught.value.missing) == {"data18:elsewhere.f0000", "data18:elsewhere.f0001"}
    assert len(model.paths) == 250  # what was there is kept
    assert fake.calls["file_rows"] == 2  # the first dataset's files are not listed again


def test_local_paths_of_a_did_or_of_the_selection_for_the_copy_menu(
    model: BrowserModel, fake: FakeService
) -> None:
    files = fake.add_dataset("data18:half", 3, on=[SOURCE])
    fake.place(files[0], DEST)
    mount = fake.mounts[DEST] / "data18"
    assert model.local_paths("data18:half") == {
        "paths": [str(mount / "half.f0000")],
        "missing": 2,
    }
    assert model.local_paths(files[0]) == {"paths": [str(mount / "half.f0000")], "missing": 0}
    assert model.local_paths() == {"paths": [], "missing": 0}  # nothing selected
    model.set_selected([files[0], files[1]])
    assert model.local_paths() == {"paths": [str(mount / "half.f0000")], "missing": 1}
    with pytest.raises(NotFoundError):
        model.local_paths("data18:gone")


def test_selecting_a_missing_did_says_so(model: BrowserModel, events: Events) -> None:
    model.set_selected(["data18:nothing-here"])
    assert model.wait_resolved(5)
    with pytest.raises(NotAvailableError, match="does not exist"):
        model.wait_paths(1)
    assert "does not exist" in events.errors()[-1]["message"]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.deselect("a:b:c"),
        lambda m: m.retry("no-scope"),
        lambda m: m.cancel_download(":x"),
        lambda m: m.set_selected(["x:"]),
        lambda m: m.make_available(["a b:c"]),
    ],
)
def test_a_malformed_did_is_an_invalid_query(
    model: BrowserModel, call: Callable[[BrowserModel], Any]
) -> None:
    with pytest.raises(InvalidQueryError):
        call(model)


def test_a_missing_mount_names_the_settings_to_check(
    model: BrowserModel, fake: FakeService, events: Events
) -> None:
    fake.mounts.clear()  # the storage is not mounted on this host
    fake.add_dataset("data18:ds", 2, on=[DEST])
    model.set_selected(["data18:ds"])
    with pytest.raises(
        ConfigurationError, match="does not exist: is the storage mounted"
    ) as caught:
        model.wait_paths(5)
    assert "path_begins_at = 2" in caught.value.message
    assert (
        "root://notebook_disk.example.org:1094//data/rucio/data18/ds.f0000" in caught.value.message
    )
    assert model.paths == []  # no path that is not there
    assert [e["message"] for e in events.errors()] == [caught.value.message]


def test_an_oversized_path_begins_at_is_a_configuration_error() -> None:
    from rucio_widgets.availability import pfn_to_local_path

    with pytest.raises(ConfigurationError, match="has 3 segments") as caught:
        pfn_to_local_path("root://eos.example.org//eos/a/f.root", "/mnt", 3)
    assert "at most 2" in caught.value.hint
    assert pfn_to_local_path("root://eos.example.org//eos/a/f.root", "/mnt", 2) == "/mnt/f.root"


# --- statuses ---------------------------------------------------------------------------------


def test_badges_of_a_page_in_bulk(model: BrowserModel, fake: FakeService, events: Events) -> None:
    fake.add_dataset("data18:full", 3, on=[DEST], placed=True)
    fake.add_dataset("data18:half", 4, placed=True)
    for file in ["data18:half.f0000", "data18:half.f0001"]:
        fake.place(file, DEST)
    fake.add_dataset("data18:unplaced", 2)  # files arrived without a rule: no dataset rows
    fake.place("data18:unplaced.f0000", DEST)
    fake.add_dataset("data18:empty", 0)
    model.search("data18:*", did_type="dataset")
    model.request_page("results", 0, 10).result(5)
    wait_until(lambda: model.status_of("data18:unplaced"))
    assert {
        d: model.statuses.get(d) for d in ["data18:full", "data18:half", "data18:unplaced"]
    } == {
        "data18:full": {"status": "AVAILABLE", "available": 3, "total": 3},
        "data18:half": {"status": "PARTIALLY_AVAILABLE", "available": 2, "total": 4},
        "data18:unplaced": {"status": "PARTIALLY_AVAILABLE", "available": 1, "total": 2},
    }
    assert model.status_of("data18:empty") == "EMPTY"
    assert fake.calls["dataset_replicas"] == 1
    assert any("data18:full" in update for update in events.statuses)


def test_file_rows_get_their_badges_from_one_replica_call(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:ds", 3, on=[SOURCE])
    fake.place("data18:ds.f0001", DEST)
    fake.calls.clear()
    model.search("data18:ds.f*", did_type="file")  # no view: the badges come anyway
    wait_until(lambda: model.status_of("data18:ds.f0002"))
    assert [model.status_of(f"data18:ds.f000{i}") for i in range(3)] == [
        "NOT_AVAILABLE",
        "AVAILABLE",
        "NOT_AVAILABLE",
    ]
    assert fake.calls["replicas"] == 1


def test_status_of_any_did_is_worked_out_on_demand(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:never.listed", 2, on=[DEST], placed=True)
    assert model.status_of("data18:never.listed") is None
    assert model.status("data18:never.listed", timeout=5) == {
        "status": "AVAILABLE",
        "available": 2,
        "total": 2,
    }
    fake.fail["get_did"] = NotFoundError("Not found: data18:gone.", "")
    with pytest.raises(NotFoundError):
        model.status("data18:gone", timeout=1)


def test_a_page_of_collections_costs_at_most_three_calls(
    model: BrowserModel, fake: FakeService
) -> None:
    children = []
    for i in range(60):
        placed = i % 3 == 0
        fake.add_dataset(f"data18:mix.{i:02d}", 4, on=[DEST] if i % 2 else [], placed=placed)
        children.append(f"data18:mix.{i:02d}")
    for i in range(40):
        fake.add_container(f"data18:mix.c{i:02d}", children[i : i + 3])
    fake.calls.clear()
    model.search("data18:mix.*", did_type="collection")
    wait_until(lambda: all(model.status_of(r.did) for r in model.results))
    assert len(model.results) == 100
    badge_calls = fake.calls["dataset_replicas"] + fake.calls["collection_files"]
    assert badge_calls <= 3, fake.calls
    assert model.status_of("data18:mix.01") == "AVAILABLE"
    assert model.status_of("data18:mix.00") == "NOT_AVAILABLE"
    # mix.c01 holds mix.01 (on the destination), mix.02 (not) and mix.03 (on it): 8 of 12
    assert model.statuses.get("data18:mix.c01") == {
        "status": "PARTIALLY_AVAILABLE",
        "available": 8,
        "total": 12,
    }


# --- replica mode -------------------------------------------------------------------------------


def test_make_available_follows_the_rule_to_the_paths(
    model: BrowserModel, fake: FakeService, events: Events
) -> None:
    fake.add_dataset("data18:ds", 3, on=[SOURCE])
    model.set_selected(["data18:ds"])
    assert model.wait_resolved(5) and model.state.unavailable
    [request] = model.make_available()
    assert request.state == "REPLICATING" and request.total == 3
    with pytest.raises(NotAvailableError) as caught:
        model.wait(timeout=0.2)
    assert caught.value.missing["data18:ds"].startswith("REPLICATING")
    assert request.rule_id is not None
    fake.finish_rule(request.rule_id)
    paths = model.wait(timeout=5)
    assert len(paths) == 3 and all(Path(p).is_file() for p in paths)
    sent = [u["data18:ds"]["status"] for u in events.statuses if "data18:ds" in u]
    assert sent[0] == "REPLICATING" and sent[-1] == "AVAILABLE"


def test_a_covering_rule_is_reused_and_a_stuck_one_boosted(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:ds", 2, on=[SOURCE])
    rule_id = fake.add_rule(
        "data18",
        "ds",
        f"{DEST}|NOWHERE",
        lifetime=None,
        grouping="DATASET",
        asynchronous=False,
        comment=None,
    )
    assert rule_id is not None
    fake.rules[rule_id]["state"] = "STUCK"
    [request] = model.make_available(["data18:ds"])
    assert (
        request.rule_id == rule_id and fake.calls["add_rule"] == 1 and fake.calls["boost_rule"] == 1
    )


def test_an_expression_that_selects_nothing_is_a_configuration_error(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:ds", 1)
    with pytest.raises(ConfigurationError, match="matches no RSE"):
        model.make_available(["data18:ds"], {"rse_expression": "site=NOWHERE"})


def test_unfinished_rules_are_picked_up_after_a_restart(fake: FakeService) -> None:
    fake.add_dataset("data18:ds", 2, on=[SOURCE])
    fake.add_rule(
        "data18", "ds", DEST, lifetime=None, grouping="DATASET", asynchronous=False, comment=None
    )
    model = BrowserModel(fake, fake.settings)
    try:
        model.start(wait=True)
        assert model.status_of("data18:ds") == "REPLICATING"
        assert fake.calls["account_rules"] == 1
    finally:
        model.close()


# --- download mode ------------------------------------------------------------------------------


def test_download_mode_finds_complete_files_only(tmp_path: Path) -> None:
    fake = FakeService(settings(mode="download", download_dir=str(tmp_path)))
    files = fake.add_dataset("data18:ds", 3, size=10)
    (tmp_path / "data18").mkdir()
    (tmp_path / "data18" / files[0].split(":")[1]).write_bytes(b"x" * 10)
    (tmp_path / "data18" / files[1].split(":")[1]).write_bytes(b"x" * 4)  # partial
    model = BrowserModel(fake, fake.settings)
    try:
        model.start(wait=True)
        model.set_selected(["data18:ds"])
        with pytest.raises(NotAvailableError, match=f"in {tmp_path}") as caught:
            model.wait_paths(5)
        assert model.paths == [str(tmp_path / "data18" / files[0].split(":")[1])]
        assert set(caught.value.missing) == set(files[1:])
        assert fake.calls["replicas"] == 0  # download mode never asks where replicas are
    finally:
        model.close()


def test_download_mode_refuses_names_that_leave_the_folder(tmp_path: Path) -> None:
    fake = FakeService(settings(mode="download", download_dir=str(tmp_path)))
    fake.entries["data18:../../etc"] = __import__("fake_service").Entry(
        "data18", "../../etc", "FILE", 1
    )
    model = BrowserModel(fake, fake.settings)
    try:
        with pytest.raises(InvalidQueryError):
            model.mode.make_available(
                model.selection.row_of("data18:../../etc"),
                lambda: [model.selection.row_of("data18:../../etc")],
                lambda: "alice",
                {},
            )
    finally:
        model.close()
