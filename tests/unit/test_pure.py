"""Pure rules: path mapping, download layout, badges, replica chunks, rule states."""

from __future__ import annotations

import pytest

from rucio_widgets.availability import (
    collection_status,
    download_path,
    pfn_to_local_path,
)
from rucio_widgets.config import Credentials
from rucio_widgets.errors import InvalidQueryError
from rucio_widgets.service import REPLICA_CHUNK, replica_chunks
from rucio_widgets.transfers import Backoff, request_from_rule


@pytest.mark.parametrize(
    ("pfn", "mount", "begins_at", "expected"),
    [
        (
            "file://localhost/data/nas/rucio/mc20/06/b4/f.csv",
            "/mnt/rucio",
            3,
            "/mnt/rucio/mc20/06/b4/f.csv",
        ),
        (
            "root://eos.cern.ch:1094//eos/atlas/rucio/user/a/f.root",
            "/eos/atlas",
            2,
            "/eos/atlas/rucio/user/a/f.root",
        ),
        ("file://localhost/a/b", "/m", 0, "/m/a/b"),
        ("davs://host:443/pnfs/x%20y/f", "/mnt", 1, "/mnt/x y/f"),
    ],
)
def test_pfn_mapping_matches_the_extension(
    pfn: str, mount: str, begins_at: int, expected: str
) -> None:
    assert pfn_to_local_path(pfn, mount, begins_at) == expected


def test_download_path_stays_inside_download_dir(tmp_path) -> None:
    assert download_path(str(tmp_path), "user.a", "dir/f.root") == str(
        tmp_path / "user.a" / "dir" / "f.root"
    )
    for scope, name in [("user.a", "../../etc/passwd"), ("..", "x"), ("s", "/abs")]:
        with pytest.raises(InvalidQueryError):
            download_path(str(tmp_path), scope, name)


@pytest.mark.parametrize(
    ("available", "total", "status"),
    [
        (3, 3, "AVAILABLE"),
        (1, 3, "PARTIALLY_AVAILABLE"),
        (0, 3, "NOT_AVAILABLE"),
        (0, 0, "EMPTY"),
        (0, None, "NOT_AVAILABLE"),
        (5, 3, "AVAILABLE"),
    ],
)
def test_collection_badges(available: int, total: int | None, status: str) -> None:
    assert collection_status(available, total)["status"] == status


def test_replica_chunks_respect_the_server_limit() -> None:
    assert replica_chunks(0) == []
    assert replica_chunks(80) == [(0, 80)]
    chunks = replica_chunks(5000)
    assert chunks[0] == (0, 100)
    assert all(stop - start <= REPLICA_CHUNK for start, stop in chunks)
    covered = [i for start, stop in chunks for i in range(start, stop)]
    assert covered == list(range(5000))


def test_rule_states_map_to_the_extension_vocabulary() -> None:
    def rule(state: str, ok: int, repl: int, stuck: int, error: str | None = None) -> dict:
        return {
            "id": "r1",
            "state": state,
            "locks_ok_cnt": ok,
            "locks_replicating_cnt": repl,
            "locks_stuck_cnt": stuck,
            "error": error,
        }

    replicating = request_from_rule("s:d", rule("REPLICATING", 1, 2, 0))
    assert replicating.row_status() == {"status": "REPLICATING", "available": 1, "total": 3}
    stuck = request_from_rule("s:d", rule("STUCK", 2, 0, 1, "transfer failed: disk full"))
    assert stuck.row_status()["status"] == "STUCK"
    assert stuck.row_status()["message"] == "transfer failed: disk full"
    assert request_from_rule("s:d", rule("OK", 3, 0, 0)).state == "AVAILABLE"
    assert request_from_rule("s:d", rule("INJECT", 0, 0, 0)).state == "REPLICATING"


def test_polls_back_off_to_a_ceiling_and_start_fast_after_a_change() -> None:
    backoff = Backoff()
    delays = [backoff.next(changed=False) for _ in range(30)]
    assert delays[0] == 1.5
    assert delays == sorted(delays)
    assert max(delays) == 60.0
    assert backoff.next(changed=True) == 1.0


def test_credentials_never_show_secrets() -> None:
    creds = Credentials(
        username="alice",
        password="hunter2",
        token="tok-123",
        client_key="/home/a/.globus/userkey.pem",
    )
    text = repr(creds) + str(creds)
    assert "hunter2" not in text and "tok-123" not in text and "userkey" not in text
    assert "alice" in text


def test_webui_links_only_for_http_urls() -> None:
    from rucio_widgets.availability import webui_did_url, webui_rule_url

    assert webui_did_url("https://rucio-ui.example.org/", "user.a", "f#1") == (
        "https://rucio-ui.example.org/did?scope=user.a&name=f%231"
    )
    assert webui_rule_url("https://rucio-ui.example.org", "abc") == (
        "https://rucio-ui.example.org/rule?rule_id=abc"
    )
    assert webui_did_url(None, "s", "n") is None
    assert webui_rule_url("javascript:alert(1)", "abc") is None


def test_mount_shows_tells_a_missing_file_from_a_missing_mount(tmp_path) -> None:
    from rucio_widgets.availability import mount_shows

    mount = tmp_path / "mnt"
    (mount / "mc20" / "06" / "b4").mkdir(parents=True)
    (mount / "mc20" / "06" / "b4" / "f.root").write_bytes(b"x")
    assert mount_shows(str(mount / "mc20/06/b4/f.root"), str(mount))
    # one file lost on the storage: the mount itself is there
    assert mount_shows(str(mount / "mc20/ff/00/lost.root"), str(mount))
    # path_begins_at one too small (an extra leading segment) or too large (the hash first)
    assert not mount_shows(str(mount / "rucio/mc20/06/b4/f.root"), str(mount))
    assert not mount_shows(str(mount / "06/b4/f.root"), str(mount))
    # nothing mounted, or a path outside the mount
    assert not mount_shows(str(tmp_path / "empty/mc20/06/b4/f.root"), str(tmp_path / "empty"))
    assert not mount_shows(str(tmp_path / "elsewhere/f.root"), str(mount))


def test_no_match_hint_offers_close_column_keys_only() -> None:
    from rucio_widgets.filters import no_match_hint, parse_filters

    assert no_match_hint(parse_filters("evnts>=1000")) == (
        "No DID carries `evnts`: did you mean `events`?"
    )
    assert "cannot list custom keys" in no_match_hint(parse_filters("generator=Sherpa"))
    assert no_match_hint(parse_filters("events>=1000")) == ""  # a column key: no typo
    assert no_match_hint([]) == ""


def test_scope_named_in_a_bare_name_is_the_longest_followed_by_a_dot_or_underscore() -> None:
    from rucio_widgets.dids import scope_named_in

    scopes = ["data18", "data18_13TeV", "mc20", "user.alice"]
    assert scope_named_in("data18_13TeV.00348885*", scopes) == "data18_13TeV"
    assert scope_named_in("data18_13TeV.00348885*", ["data18", "mc20"]) == "data18"
    assert scope_named_in("mc20.x", scopes) == "mc20"
    assert scope_named_in("mc2000.x", scopes) is None  # not followed by . or _
    assert scope_named_in("mc20", scopes) is None  # the scope alone is not a name in it
    assert scope_named_in("*ttbar*", scopes) is None


def test_local_files_expands_globs_under_the_base_folder_once_each(tmp_path) -> None:
    import pytest

    from rucio_widgets.errors import InvalidQueryError
    from rucio_widgets.model.uploads import adler32_of, local_files

    (tmp_path / "out").mkdir()
    for name in ("a.root", "b.root", "c.txt"):
        (tmp_path / "out" / name).write_bytes(name.encode())
    found = local_files(["out/*.root", "out/a.root"], base=tmp_path)
    assert [p.name for p in found] == ["a.root", "b.root"]
    assert local_files(str(tmp_path / "out" / "c.txt"))[0].name == "c.txt"
    with pytest.raises(InvalidQueryError, match="matches no file"):
        local_files(["out/*.h5"], base=tmp_path)
    with pytest.raises(InvalidQueryError, match="is a folder"):
        local_files(["out"], base=tmp_path)
    assert adler32_of(tmp_path / "out" / "a.root") == f"{__import__('zlib').adler32(b'a.root'):08x}"
