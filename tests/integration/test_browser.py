"""RucioBrowser, its model and its service against the real sandbox."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rucio_widgets import InvalidQueryError, NotAvailableError, NotFoundError
from rucio_widgets.sandbox import DESTINATION_RSE, SOURCE_RSES
from rucio_widgets.sandbox.seed import (
    PARTIAL_DATASET,
    REPLICATED_DATASET,
    SCALE_DATASET,
    SCALE_FILES,
    WILDCARD_DATASETS,
)
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox


def wait_until(predicate, timeout: float = 60, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


@pytest.fixture
def browser(sandbox: SandboxSession):
    from rucio_widgets import RucioBrowser

    widget = RucioBrowser()
    yield widget
    widget.close()


def test_defaults_come_from_rucio_cfg(browser, sandbox: SandboxSession) -> None:
    info = wait_until(lambda: browser.info.get("account") and browser.info)
    assert info == {
        "server": sandbox.url,
        "account": "alice",
        "mode": "replica",
        "destination": DESTINATION_RSE,
        "webui": "",
        "read_only": False,
    }
    assert "user.alice" in wait_until(lambda: browser.scopes)


def test_search_returns_first_page_and_pages_beyond(browser) -> None:
    first = browser.search("mc20:mc20_13TeV.5*")
    assert len(first) == 100
    assert browser.results_state["complete"] is False
    assert all(r.did.startswith("mc20:mc20_13TeV.5") and r.type == "DATASET" for r in first)
    everything = browser.load_more(1000)
    assert len(everything) == WILDCARD_DATASETS
    assert len({r.did for r in everything}) == WILDCARD_DATASETS
    assert browser.results_state["complete"] is True


def test_search_with_filters_and_type(browser) -> None:
    found = browser.search(
        "data18:*", did_type="dataset", filters="datatype=RAW;run_number>=349000"
    )
    assert sorted(r.did for r in found) == [
        "data18:data18_13TeV.00348885.physics_Main.daq.RAW",
        "data18:data18_13TeV.00349011.physics_Main.DAOD_PHYS.r13286_p4910",
    ]
    compound = browser.search(
        "data18:*", did_type="dataset", filters="348880<run_number<348890,datatype=DAOD_PHYS"
    )
    assert [r.did for r in compound] == [
        "data18:data18_13TeV.00348885.physics_Main.DAOD_PHYS.r13286_p4910"
    ]
    containers = browser.search("mc20:*", did_type="container")
    assert containers and all(r.type == "CONTAINER" for r in containers)


def test_bare_name_searches_own_scopes(browser, sandbox: SandboxSession) -> None:
    made = sandbox.make_dataset(files=1, prefix="own")
    found = browser.search(f"{made.name[:-4]}*", did_type="dataset")
    assert made.did in [r.did for r in found]


def test_bad_input_raises_typed_errors_and_shows_in_panel(browser) -> None:
    with pytest.raises(InvalidQueryError, match="not understood"):
        browser.search("mc20:*", filters="events>>3")
    assert "not understood" in browser.error["message"]
    with pytest.raises(InvalidQueryError):
        browser.search("a:b:c")
    with pytest.raises(InvalidQueryError):
        browser.search("")
    # A good search afterwards clears the banner: state is not lost.
    assert browser.search("data18:*RAW*", did_type="dataset")
    assert browser.error == {}


def test_new_search_cancels_the_one_in_flight(browser) -> None:
    browser.search("mc20:*")  # reads 100 of thousands of files, then waits
    old = browser.model.searcher.results
    assert old is not None and not old.complete
    browser.search("data18:*RAW*", did_type="dataset")
    wait_until(lambda: old.done)
    assert old.cancelled and old.stream_closed
    assert not old.complete


def test_paths_of_a_replicated_dataset_exist(browser, sandbox: SandboxSession) -> None:
    scope, name = REPLICATED_DATASET
    seen: list[list[str]] = []
    browser.observe(lambda change: seen.append(change["new"]), names="paths")
    browser.select(f"{scope}:{name}")
    paths = browser.wait_paths(timeout=60)
    assert len(paths) == 3 and seen and seen[-1] == paths
    for path in paths:
        assert path.startswith(str(sandbox.layout.mount_path))
        assert Path(path).is_file()
        assert Path(path).read_text().startswith("event,pt_gev")
    assert browser.unavailable == []


def test_partially_available_selection_lists_what_is_missing(browser) -> None:
    scope, name = PARTIAL_DATASET
    browser.selected = [f"{scope}:{name}"]  # what the view does
    with pytest.raises(NotAvailableError) as caught:
        browser.wait_paths(timeout=60)
    assert len(browser.paths) == 2 and len(browser.unavailable) == 2
    assert set(caught.value.missing) == set(browser.unavailable)
    assert all(os.path.isfile(p) for p in browser.paths)
    assert browser.paths_state == {"files": 4, "available": 2, "pending": 0}


def test_constructor_restores_selection(sandbox: SandboxSession) -> None:
    from rucio_widgets import RucioBrowser

    scope, name = REPLICATED_DATASET
    restored = RucioBrowser(selected=[f"{scope}:{name}"], query="mc20:*Zmumu*", did_type="dataset")
    try:
        assert len(restored.wait_paths(timeout=60)) == 3
        assert restored.query == "mc20:*Zmumu*"
        wait_until(lambda: restored.results_state.get("loaded", 0) > 0)
    finally:
        restored.close()


def test_selecting_a_missing_did_says_so(browser) -> None:
    browser.select("user.alice:does-not-exist")
    wait_until(lambda: browser.error)
    assert "does not exist" in browser.error["message"]


def test_paths_of_5000_file_dataset_resolve_in_bulk(browser) -> None:
    scope, name = SCALE_DATASET
    calls = []
    service = browser.model.service
    original = service.client.list_replicas

    def counting(dids, **kwargs):
        calls.append((len(dids), kwargs.get("rse_expression"), kwargs.get("sort")))
        return original(dids, **kwargs)

    service.client.list_replicas = counting
    browser.select(f"{scope}:{name}")
    paths = browser.wait_paths(timeout=120)
    assert len(paths) == SCALE_FILES
    # A small first call so the first paths show at once, then the server's maximum.
    assert calls == [(100, DESTINATION_RSE, "random")] + [(1000, DESTINATION_RSE, "random")] * 4 + [
        (900, DESTINATION_RSE, "random")
    ]


def test_pages_of_children_and_details(browser, sandbox: SandboxSession) -> None:
    made = sandbox.make_dataset(
        files=3, rse=SOURCE_RSES[0], account="root", scope="data18", meta={"datatype": "NTUP"}
    )
    page = browser.model.request_page(made.did, 0, 2).result(30)
    assert len(page["rows"]) == 2 and {r["did"] for r in page["rows"]} <= set(made.files)
    assert all(r["type"] == "FILE" for r in page["rows"])
    details = browser.details(made.did)
    assert details["metadata"]["datatype"] == "NTUP"
    assert details["rules"] and details["rules"][0]["rse_expression"] == SOURCE_RSES[0]
    with pytest.raises(NotFoundError):
        browser.details("data18:no-such-dataset")
