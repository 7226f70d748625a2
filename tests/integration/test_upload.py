"""Uploads from the notebook into the user's scope, against the session's sandbox: real
files, real checksums, a dataset that a search finds at once, and the refusals that must
come before any byte moves."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import rucio_widgets
from rucio_widgets import (
    InvalidQueryError,
    PermissionDeniedError,
    QuotaExceededError,
)
from rucio_widgets.sandbox import SCRATCH_RSE
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox


def _results(tmp_path: Path, count: int = 2) -> list[Path]:
    tag = uuid.uuid4().hex[:8]
    files = []
    for number in range(count):
        path = tmp_path / f"hist_{tag}_{number}.csv"
        path.write_text(f"bin,count\n{number},{number * 7}\n")
        files.append(path)
    return files


def test_upload_into_a_new_dataset_then_find_and_resolve_it(
    sandbox: SandboxSession, tmp_path: Path, close_later, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _results(tmp_path)
    monkeypatch.chdir(tmp_path)
    browser = rucio_widgets.RucioBrowser(mode="download", download_dir=str(tmp_path / "dl"))
    close_later(browser)
    dataset = f"user.alice:results.{uuid.uuid4().hex[:8]}"
    dids = browser.upload("hist_*.csv", dataset=dataset)  # a glob under the working dir
    assert sorted(dids) == sorted(f"user.alice:{f.name}" for f in files)
    alice = sandbox.client("alice")
    scope, name = dataset.split(":")
    assert sorted(f"{f['scope']}:{f['name']}" for f in alice.list_files(scope, name)) == sorted(
        dids
    )
    replicas = list(alice.list_replicas([{"scope": "user.alice", "name": files[0].name}]))
    assert SCRATCH_RSE in replicas[0]["rses"]  # upload_rse of the sandbox's [widgets]
    found = [r.did for r in browser.search(f"{dataset}*", did_type="dataset")]
    assert found == [dataset]
    # the same again: nothing uploaded twice, the DIDs again
    assert sorted(browser.upload([str(f) for f in files], dataset=dataset)) == sorted(dids)
    browser.select(dataset)
    browser.make_available()
    paths = browser.wait(timeout=120)
    assert sorted(Path(p).read_text() for p in paths) == sorted(f.read_text() for f in files)


def test_uploads_refused_before_any_byte_moves(
    sandbox: SandboxSession, tmp_path: Path, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    (first,) = _results(tmp_path, 1)
    with pytest.raises(InvalidQueryError, match="does not exist"):
        browser.upload([str(first), str(tmp_path / "missing.csv")])
    with pytest.raises(InvalidQueryError, match="is a folder"):
        browser.upload(str(tmp_path))
    with pytest.raises(PermissionDeniedError, match="not yours"):
        browser.upload(str(first), scope="data18")
    alice = sandbox.client("alice")
    assert not list(alice.list_replicas([{"scope": "user.alice", "name": first.name}]))
    browser.upload(str(first))
    first.write_text("other bytes\n")
    with pytest.raises(InvalidQueryError, match="registered with other bytes"):
        browser.upload(str(first))
    bob = rucio_widgets.RucioBrowser(client=sandbox.client("bob"))
    close_later(bob)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(QuotaExceededError, match="do not fit"):
        bob.upload(str(big), rse="NOTEBOOK_LOCALGROUPDISK")  # bob has 1 kB there
    assert not list(alice.list_replicas([{"scope": "user.bob", "name": "big.bin"}]))


def test_module_level_upload(sandbox: SandboxSession, tmp_path: Path) -> None:
    (one,) = _results(tmp_path, 1)
    assert rucio_widgets.upload(str(one)) == [f"user.alice:{one.name}"]


def test_the_panels_upload_request_is_answered_once_with_the_dids(
    sandbox: SandboxSession, tmp_path: Path, close_later, view, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _results(tmp_path)
    monkeypatch.chdir(tmp_path)
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    comm = view.of(browser)
    name = f"panel.{uuid.uuid4().hex[:8]}"
    reply = comm.request({"type": "upload", "paths": ["hist_*.csv"], "dataset": name})
    assert reply["dataset"] == f"user.alice:{name}"
    assert sorted(reply["dids"]) == sorted(f"user.alice:{f.name}" for f in files)
    bad = comm.request({"type": "upload", "paths": ["nothing-here.csv"]})
    assert bad["error"]["kind"] == "InvalidQueryError" and browser.error == {}
    read_only = rucio_widgets.RucioBrowser(read_only=True)
    close_later(read_only)
    refused = view.of(read_only).request({"type": "upload", "paths": ["hist_*.csv"]})
    assert refused["error"]["kind"] == "ReadOnlyError"
