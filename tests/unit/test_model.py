"""The model against an in-memory service: paging, selection -> paths, statuses, both
modes, error reporting. No server, no widget."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
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
    PermissionDeniedError,
    ServerUnavailableError,
)
from rucio_widgets.model import BrowserModel
from rucio_widgets.protocol import PAGE_SIZE, RowStatus
from rucio_widgets.transfers import Backoff, PollTiming

DEST = "NOTEBOOK_DISK"
SOURCE = "SITE_DATADISK"


class Events:
    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.statuses: list[dict[str, RowStatus]] = []
        self.rules: list[list[Any]] = []

    def state_changed(self, changes: dict[str, Any]) -> None:
        self.changes.append(changes)

    def statuses_changed(self, updates: dict[str, RowStatus]) -> None:
        self.statuses.append(updates)

    def rules_changed(self, rules: list[Any]) -> None:
        self.rules.append(rules)

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
    made.mode.rules.timing = PollTiming(  # type: ignore[attr-defined]
        first=0.01, ceiling=0.05, fastest=0.01, moving_ceiling=0.05
    )
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


def test_a_bare_name_that_starts_with_a_scope_searches_it_too(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:data18_13TeV.00348885.A", 1)
    fake.add_dataset("data18_13TeV:data18_13TeV.00348885.B", 1)
    fake.add_dataset("user.alice:data18_13TeV.00348885.mine", 1)
    model.start(wait=True)  # the server's scopes, as the panel loads them
    found = [r.did for r in model.search("data18_13TeV.0034*", did_type="dataset")]
    # the longest fitting scope wins, and the user's own scopes are searched too
    assert found == [
        "data18_13TeV:data18_13TeV.00348885.B",
        "user.alice:data18_13TeV.00348885.mine",
    ]
    assert [r.did for r in model.search("zz_*", did_type="dataset")] == []  # no scope fits


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


def test_a_sort_clicked_before_the_first_page_arrives_takes_that_page_in(
    model: BrowserModel, fake: FakeService
) -> None:
    sizes_catalogue(fake, 3)
    fake.search_gate = threading.Event()  # the rows are still on their way
    model.search("mc20:mc20.*.sample", wait=False)
    early = model.sort("name", descending=True)
    assert early is not None and early["rows"] == 0
    fake.search_gate.set()
    state = wait_until(lambda: (model.state.results_state.get("sort") or {}).get("more") == 0)
    assert state
    assert model.state.results_state["sort"]["rows"] == 4
    names = [r.did for r in model.results]
    assert names == sorted(names, reverse=True) and len(names) == 4


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
    # one listing; the first 100 files located alone (their paths show first), then the rest
    assert fake.calls["files"] == 1 and fake.calls["replicas"] == 2
    assert fake.calls["metadata_bulk"] == 1
    assert model.state.paths_state == {"files": 250, "available": 250, "pending": 0}

    model.select("data18:elsewhere")
    with pytest.raises(NotAvailableError) as caught:
        model.wait_paths(5)
    assert set(caught.value.missing) == {"data18:elsewhere.f0000", "data18:elsewhere.f0001"}
    assert len(model.paths) == 250  # what was there is kept
    assert fake.calls["files"] == 2  # the first dataset's files are not listed again


class LetThrough(threading.Event):
    """A stream gate that lets the first ``count`` rows through, then holds the rest until
    it is set: a listing that stalls part way."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.left = count

    def wait(self, timeout: float | None = None) -> bool:
        if self.left > 0:
            self.left -= 1
            return True
        return super().wait(timeout)


def test_first_paths_show_while_the_listing_still_streams(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:big", 1500, on=[DEST])
    fake.calls.clear()
    fake.gate_files = LetThrough(100)  # the listing stalls after its first 100 files
    model.set_selected(["data18:big"])
    wait_until(lambda: len(model.paths) == 100)
    assert model.state.paths_state == {"files": 100, "available": 100, "pending": 0}
    assert not model.selection.wait_resolved(0)  # still resolving: the rest is to come
    fake.gate_files.set()
    assert len(model.wait_paths(5)) == 1500
    # one listing, and one replica call per batch: 100 alone, then 1,000, then 400
    assert fake.calls["files"] == 1 and fake.calls["replicas"] == 3


def test_a_resolution_started_again_part_way_makes_only_full_calls(
    model: BrowserModel, fake: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_dataset("data18:big", 1500, on=[DEST])
    sizes: list[int] = []
    real_replicas = fake.replicas

    def counted(files: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(files))
        return real_replicas(files, *args, **kwargs)

    monkeypatch.setattr(fake, "replicas", counted)
    fake.gate_files = LetThrough(1100)  # the listing stalls after 1,100 files
    model.set_selected(["data18:big"])
    wait_until(lambda: len(model.paths) == 1100)
    model.selection.refresh()  # as when a request changes: resolved again from the start
    fake.gate_files.set()
    assert len(model.wait_paths(5)) == 1500
    # the files located before are counted, not located again, and no second small call
    assert sizes == [100, 1000, 400]
    assert fake.calls["files"] == 2  # the interrupted listing is read again


def test_paths_located_before_show_while_the_rest_is_located(
    model: BrowserModel, fake: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_dataset("data18:seen", 50, on=[DEST])
    fake.add_dataset("data18:other", 5, on=[DEST])
    fake.add_dataset("data18:new", 1500, on=[DEST])
    model.set_selected(["data18:seen"])
    seen = model.wait_paths(5)
    model.set_selected(["data18:other"])
    assert len(model.wait_paths(5)) == 5
    sizes: list[int] = []
    release = threading.Event()
    real_replicas = fake.replicas

    def held(files: Sequence[tuple[str, str]], *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(files))
        release.wait(5)  # a slow server
        return real_replicas(files, *args, **kwargs)

    monkeypatch.setattr(fake, "replicas", held)
    model.set_selected(["data18:seen", "data18:new"])
    wait_until(lambda: sizes)
    # while the first replica call of the new dataset is waited on, the paths of the one
    # located before show (not the previous selection's)
    wait_until(lambda: model.paths == seen)
    assert sizes == [1000]  # and no small first call: paths already show
    release.set()
    assert len(model.wait_paths(5)) == 1550


def test_a_new_selection_stops_the_listing_of_the_one_before(
    model: BrowserModel, fake: FakeService
) -> None:
    fake.add_dataset("data18:big", 1500, on=[DEST])
    fake.add_dataset("data18:small", 3, on=[DEST])
    fake.gate_files = LetThrough(100)
    model.set_selected(["data18:big"])
    wait_until(lambda: len(model.paths) == 100)
    (big,) = [s for s in fake.streams if not s.closed]
    model.set_selected(["data18:small"])  # while big's listing is stalled
    fake.gate_files.left = 10  # the new listing is let through
    assert len(model.wait_paths(5)) == 3
    assert big.closed
    # the interrupted listing is not taken for the whole of it: selected again, it is read again
    fake.gate_files.set()
    model.set_selected(["data18:big"])
    assert len(model.wait_paths(5)) == 1500


def test_a_listing_that_fails_part_way_is_reported_and_not_kept(
    model: BrowserModel, fake: FakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_dataset("data18:big", 300, on=[DEST])
    real_files = fake.files

    def broken(scope: str, name: str) -> Iterator[dict[str, Any]]:
        for number, row in enumerate(real_files(scope, name)):
            if number == 150:
                raise ServerUnavailableError("The Rucio server stopped answering.", "Retry.")
            yield row

    class Broken:
        def __init__(self, scope: str, name: str) -> None:
            self.rows = broken(scope, name)
            self.closed = False

        def __iter__(self) -> Iterator[dict[str, Any]]:
            return self.rows

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(fake, "files", Broken)
    model.set_selected(["data18:big"])
    with pytest.raises(ServerUnavailableError):
        model.wait_paths(5)
    assert "stopped answering" in model.state.error["message"]  # in the panel too
    monkeypatch.setattr(fake, "files", real_files)
    model.selection.refresh()
    assert len(model.wait_paths(5)) == 300  # listed again, in full


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


def test_a_big_dataset_is_counted_by_rucio_not_by_listing_its_files(
    model: BrowserModel, fake: FakeService
) -> None:
    from rucio_widgets.modes import LARGE_DATASET

    fake.add_dataset("data18:big.0", LARGE_DATASET, on=[DEST])  # placed without a rule
    fake.add_dataset("data18:big.1", 3, on=[DEST])
    fake.calls.clear()
    model.search("data18:big.*", did_type="dataset")
    wait_until(lambda: all(model.status_of(r.did) for r in model.results))
    assert model.statuses.get("data18:big.0") == {
        "status": "AVAILABLE",
        "available": LARGE_DATASET,
        "total": LARGE_DATASET,
    }
    assert model.status_of("data18:big.1") == "AVAILABLE"
    # one deep count for the big one, one listing for the small one
    assert fake.calls["collection_replicas"] == 1 and fake.calls["collection_files"] == 1


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


def test_wait_wakes_when_the_rule_is_done_rather_than_at_its_next_look(
    model: BrowserModel, fake: FakeService
) -> None:
    """wait() returns on the change itself, not after sleeping out its `poll` bound (60 s
    here: a wait that slept between looks would still be asleep when the test gives up)."""
    fake.add_dataset("data18:ds", 2, on=[SOURCE])
    model.set_selected(["data18:ds"])
    assert model.wait_resolved(5)
    [request] = model.make_available()
    assert request.rule_id is not None
    rule_id = request.rule_id
    got: list[list[str]] = []
    waiter = threading.Thread(target=lambda: got.append(model.wait(timeout=120, poll=60)))
    waiter.start()
    time.sleep(0.3)  # the waiter is asleep on a rule in flight
    fake.finish_rule(rule_id)
    waiter.join(10)
    assert not waiter.is_alive(), "wait() slept through the rule turning OK"
    assert len(got[0]) == 2 and model.state.unavailable == []


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


# --- export -------------------------------------------------------------------------------


def test_fileset_groups_paths_by_the_dataset_that_holds_them(
    model: BrowserModel, fake: FakeService
) -> None:
    a = fake.add_dataset("mc20:a", 2, on=[DEST])
    b = fake.add_dataset("mc20:b", 3, on=[DEST])
    fake.add_container("mc20:inner", ["mc20:b"])
    fake.add_container("mc20:all", ["mc20:a", "mc20:inner"])
    alone = fake.add_dataset("data18:other", 1, on=[DEST])
    assert model.fileset(timeout=5) == {}  # nothing selected

    model.set_selected(["mc20:all", alone[0]])
    fileset = model.fileset(treename="CollectionTree", timeout=5)
    mount = fake.mounts[DEST]

    def path(did: str) -> str:
        scope, name = did.split(":")
        return str(mount / scope / name)

    assert list(fileset) == ["mc20:a", "mc20:b", alone[0]]  # nested container followed
    assert fileset["mc20:a"] == {"files": dict.fromkeys(map(path, a), "CollectionTree")}
    assert fileset["mc20:b"] == {"files": dict.fromkeys(map(path, b), "CollectionTree")}
    assert fileset[alone[0]] == {"files": {path(alone[0]): "CollectionTree"}}
    plain = model.fileset(timeout=5)
    assert plain["mc20:b"] == {"files": [path(d) for d in b]}
    assert json.loads(plain.to_json()) == plain
    assert fake.calls["content"] == 2  # one listing per container level, then cached


def test_fileset_names_the_files_without_a_path(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:here", 1, on=[DEST])
    there = fake.add_dataset("data18:there", 2, on=[SOURCE])
    model.set_selected(["data18:here", "data18:there"])
    with pytest.raises(NotAvailableError) as caught:
        model.fileset(timeout=5)
    assert set(caught.value.missing) == set(there)
    assert "make_available" in caught.value.hint


def test_selection_table_has_a_row_per_file_with_checksums_and_places(
    model: BrowserModel, fake: FakeService, tmp_path: Path
) -> None:
    here = fake.add_dataset("data18:here", 2, on=[DEST], size=10)
    there = fake.add_dataset("data18:there", 1, on=[SOURCE], size=10)
    model.set_selected(["data18:here", there[0]])
    table = model.selection_table(timeout=5)
    assert len(table) == 3 and table.columns[0] == "did"
    first, _, last = table
    assert first.did == here[0] and first.dataset == "data18:here" and first.bytes == 10
    assert first.adler32 and first.md5 and len(first.md5) == 32
    assert first.status == "AVAILABLE" and first.rse == DEST
    assert first.path == str(fake.mounts[DEST] / "data18" / here[0].split(":")[1])
    assert (last.did, last.dataset, last.status, last.path, last.rse) == (
        there[0],
        there[0],
        "NOT_AVAILABLE",
        None,
        None,
    )
    out = tmp_path / "table.json"
    assert json.loads(table.to_json(out)) == json.loads(out.read_text()) == table.to_dicts()
    frame = table.to_pandas()
    assert list(frame.columns) == list(table.columns) and len(frame) == 3
    assert frame.loc[0, "rse"] == DEST
    assert "3 files in 2 datasets, 2 available" in repr(table)


# --- remote-read URLs -------------------------------------------------------------------------


def test_urls_come_from_remote_replicas_in_one_bulk_look_up_on_a_worker(
    model: BrowserModel, fake: FakeService
) -> None:
    files = fake.add_dataset("data18:remote.1", 1500, on=[SOURCE])
    local_only = files[7]
    fake.file_replicas[local_only] = {"LOCAL_DISK": "file://localhost/data/rucio/x"}
    threads: list[str] = []
    asked: list[tuple[str, ...]] = []
    original = fake.replicas

    def recording(*args: Any, **kwargs: Any) -> Iterator[Any]:
        if kwargs.get("schemes"):  # not the paths' look-up on the destination
            threads.append(threading.current_thread().name)
            asked.append(tuple(kwargs["schemes"]))
        return original(*args, **kwargs)

    fake.replicas = recording  # type: ignore[method-assign]
    model.set_selected(["data18:remote.1"])
    answer = model.urls(timeout=10)
    assert list(answer.urls) == [f for f in files if f != local_only]  # selection order
    assert all(url.startswith("root://") for url in answer.urls.values())
    assert answer.missing == [local_only]
    assert asked == [("root", "davs", "https")]
    assert threads and threading.main_thread().name not in threads
    model.urls(timeout=10)
    assert len(asked) == 1  # kept until the selection changes or data moves
    model.set_selected([files[0]])
    assert list(model.urls(timeout=10).urls) == [files[0]]


def test_a_url_prefers_root_then_davs_then_https() -> None:
    from rucio_widgets.model.urls import pick_url

    assert pick_url({"A": ["https://a/x", "root://a//x"]}) == "root://a//x"
    assert pick_url({"A": ["https://a/x", "davs://a/x"]}) == "davs://a/x"
    assert pick_url({"A": ["file://localhost/x"]}) is None
    assert pick_url({}) is None


# --- rules and quotas ---------------------------------------------------------------------


def test_rules_are_listed_newest_first_and_filtered(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:a", 2, on=[SOURCE])
    fake.add_dataset("data18:b", 2, on=[SOURCE])
    model.make_available(["data18:a"])
    model.make_available(["data18:b"])
    first, second = sorted(fake.rules)
    fake.rules[first]["state"] = "STUCK"
    fake.rules[first]["error"] = "no source"
    rules = model.rules(timeout=5)
    assert [r.id for r in rules] == [second, first]
    assert rules[1].did == "data18:a" and rules[1].error == "no source"
    assert rules[1].locks == 2 and rules[1].comment == "rucio-widgets"
    assert [r.id for r in model.rules("stuck", timeout=5)] == [first]
    with pytest.raises(InvalidQueryError, match="not a rule state"):
        model.rules("BROKEN", timeout=5)
    page = model.rules_desk.page(0, 1, None, "DATA18:B", watch=False)
    assert [r["id"] for r in page["rows"]] == [second] and page["total"] == 1
    assert page["counts"] == {"STUCK": 1, "REPLICATING": 1}


def test_rule_actions_extend_boost_and_delete_once(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:a", 1, on=[SOURCE])
    model.make_available(["data18:a"])
    (rule_id,) = fake.rules
    assert model.extend_rule(rule_id, 30, timeout=5).expires_at == f"in {30 * 86400} s"
    rule, note = model.boost_rule(rule_id, timeout=5)
    assert "not STUCK: nothing to boost" in note and fake.calls["boost_rule"] == 0
    fake.rules[rule_id]["state"] = "STUCK"
    rule, note = model.boost_rule(rule_id, timeout=5)
    assert rule.state == "REPLICATING" and fake.calls["boost_rule"] == 1
    _, note = model.delete_rule(rule_id, timeout=5)
    assert "expires within the hour" in note
    _, again = model.delete_rule(rule_id, timeout=5)
    assert "already being deleted" in again and fake.deleted_rules == [rule_id]
    with pytest.raises(InvalidQueryError, match="not a lifetime"):
        model.extend_rule(rule_id, 0, timeout=5)
    with pytest.raises(InvalidQueryError, match="not a rule id"):
        model.delete_rule("x; drop", timeout=5)
    with pytest.raises(NotFoundError):
        model.extend_rule("ab" * 16, 3, timeout=5)


def test_someone_elses_rule_cannot_be_changed(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:a", 1, on=[SOURCE])
    model.make_available(["data18:a"])
    (rule_id,) = fake.rules
    fake.rules[rule_id]["account"] = "bob"
    with pytest.raises(PermissionDeniedError):
        model.delete_rule(rule_id, timeout=5)


def test_quotas_and_whether_a_request_fits(model: BrowserModel, fake: FakeService) -> None:
    fake.add_dataset("data18:big", 4, size=1000, on=[SOURCE])
    fake.quota = {DEST: (3000, 500), SOURCE: (None, 0)}
    quotas = {q.rse: q for q in model.quotas(timeout=5)}
    assert quotas[DEST].remaining == 2500 and quotas[DEST]["limit"] == 3000
    assert quotas[SOURCE].limit is None and quotas[SOURCE].remaining is None
    answer = model.check_quota(["data18:big"], None)
    assert answer["bytes"] == 4000 and answer["fits"] is False
    assert "Ask for approval" in answer["note"] and answer["quotas"][0]["rse"] == DEST
    assert model.check_quota(["data18:big"], SOURCE)["fits"] is True
    with pytest.raises(InvalidQueryError, match="needs a comment"):
        model.make_available(["data18:big"], {"ask_approval": True})
    model.make_available(["data18:big"], {"ask_approval": True, "comment": "thesis plots"})
    (rule,) = fake.rules.values()
    assert rule["state"] == "WAITING_APPROVAL"


def test_a_watched_rules_page_gets_changes_pushed(
    model: BrowserModel, fake: FakeService, events: Events
) -> None:
    fake.add_dataset("data18:a", 1, on=[SOURCE])
    model.make_available(["data18:a"])
    (rule_id,) = fake.rules
    model.rules_desk.backoff = Backoff(first=0.01, ceiling=0.05)
    model.rules_desk.page(0, 10, None, None, watch=True)
    fake.finish_rule(rule_id)
    pushed = wait_until(lambda: [r for batch in events.rules for r in batch])
    assert pushed[0]["id"] == rule_id and pushed[0]["state"] == "OK"


# --- the warm second look -----------------------------------------------------------------


def test_a_second_look_from_a_new_kernel_is_answered_from_the_path_cache(
    fake: FakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUCIO_WIDGETS_CACHE_DIR", str(tmp_path / "cache"))
    files = fake.add_dataset("data18:ds", 4, on=[SOURCE])

    def new_model() -> BrowserModel:
        made = BrowserModel(fake, fake.settings)
        made.start(wait=True)
        return made

    first = new_model()
    first.make_available(["data18:ds"])
    (rule_id,) = fake.rules
    fake.finish_rule(rule_id)
    first.set_selected(["data18:ds"])
    cold = wait_until(lambda: len(first.paths) == 4 and first.paths)
    wait_until(lambda: list((tmp_path / "cache" / "paths").glob("*.json")))  # remembered
    first.close()

    fake.calls.clear()
    fake.gate_file_rows = threading.Event()  # the full look is held back: only the cache answers
    second = new_model()
    second.set_selected(["data18:ds"])
    assert second.wait_paths(5) == cold
    assert fake.calls["get_rule"] == 1 and fake.calls["replicas"] == 0
    fake.gate_file_rows.set()
    wait_until(lambda: fake.calls["file_rows"] == 1)  # then refreshed in full
    second.close()

    # a file removed from the mount: never returned, and the cache is not used
    fake.gate_file_rows = None
    gone = fake.mounts[DEST] / "data18" / files[1].split(":")[1]
    gone.unlink()
    fake.file_replicas[files[1]].pop(DEST)
    third = new_model()
    third.set_selected(["data18:ds"])
    with pytest.raises(NotAvailableError) as caught:
        third.wait_paths(5)
    assert list(caught.value.missing) == [files[1]] and str(gone) not in third.paths
    third.close()

    # the rule that kept the paths is gone: the cache is not trusted
    fake.place(files[1], DEST)
    fake.rules.clear()
    fake.calls.clear()
    fourth = new_model()
    fourth.set_selected(["data18:ds"])
    assert len(fourth.wait_paths(5)) == 4
    assert fake.calls["replicas"] == 1  # a cold look
    fourth.close()


def test_data_placed_without_a_rule_is_checked_by_sampled_replicas(
    fake: FakeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUCIO_WIDGETS_CACHE_DIR", str(tmp_path / "cache"))
    fake.add_dataset("data18:placed", 20, on=[DEST])
    first = BrowserModel(fake, fake.settings)
    first.set_selected(["data18:placed"])
    cold = first.wait_paths(5)
    wait_until(lambda: list((tmp_path / "cache" / "paths").glob("*.json")))
    first.close()
    fake.calls.clear()
    fake.gate_file_rows = threading.Event()
    second = BrowserModel(fake, fake.settings)
    second.set_selected(["data18:placed"])
    assert second.wait_paths(5) == cold
    assert fake.calls["replicas"] == 1 and fake.calls["get_rule"] == 0  # 5 sampled files
    fake.gate_file_rows.set()
    second.close()
