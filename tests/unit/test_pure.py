"""Pure rules: path mapping, download layout, badges, replica chunks, rule states."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator

import pytest

from rucio_widgets.availability import (
    collection_status,
    download_path,
    pfn_to_local_path,
)
from rucio_widgets.config import Credentials
from rucio_widgets.errors import InvalidQueryError
from rucio_widgets.model.readahead import ReadAhead
from rucio_widgets.service import REPLICA_CHUNK, replica_chunks
from rucio_widgets.transfers import Backoff, PollSchedule, PollTiming, request_from_rule


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
    assert replica_chunks(REPLICA_CHUNK) == [(0, REPLICA_CHUNK)]  # a selection batch: one call
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


def _looks(
    schedule: PollSchedule, until: float, done_at: float = float("inf"), total: int = 3
) -> list[float]:
    """The times a poller following ``schedule`` looks, for a rule whose locks are all OK
    at ``done_at`` (none before), until ``until`` or the look that sees it done."""
    looks = []
    while schedule.due_at <= until:
        now = schedule.due_at
        looks.append(now)
        done = total if now >= done_at else 0
        if done == total:
            break
        schedule.looked(now, done, total)
    return looks


def test_a_rule_whose_locks_do_not_move_is_looked_at_no_more_often_than_the_old_backoff() -> None:
    looks = _looks(PollSchedule(0.0), until=60.0)
    old = [0.0]  # the 1.5x backoff of before, which also looked at once after the request
    backoff = Backoff()
    while old[-1] + backoff.delay * 1.5 <= 60.0:
        old.append(old[-1] + backoff.next(changed=False))
    assert looks[0] == 1.0  # the rule was read when it was made: no look at once
    assert len(looks) <= len(old)
    assert len([t for t in looks if t <= 20]) <= len([t for t in old if t <= 20])
    gaps = [b - a for a, b in itertools.pairwise(looks)]
    assert gaps == sorted(gaps)
    hour = _looks(PollSchedule(0.0), until=3600.0)
    assert hour[-1] - hour[-2] == pytest.approx(60.0)  # then once a minute, as before


def test_the_first_seconds_are_looked_at_more_closely_than_before() -> None:
    """A sandbox rule is OK after 2 to 5 s, a small real one within seconds: until 4 s the
    look that sees it comes within a second, where the old backoff (0, 1.5, 3.75, 7.1 s)
    took up to 3.35 s; and no later than 2.2 s up to 6.2 s."""

    def lag(done_at: float) -> float:
        return _looks(PollSchedule(0.0), 60.0, done_at=done_at)[-1] - done_at

    assert max(lag(t / 10) for t in range(10, 41)) <= 1.0
    assert max(lag(t / 10) for t in range(41, 63)) <= 2.2 + 1e-9
    assert _looks(PollSchedule(0.0), 20.0) == pytest.approx([1.0, 2.0, 3.0, 4.0, 6.2, 11.04])


def test_while_locks_move_the_next_look_is_when_they_should_all_be_done() -> None:
    schedule = PollSchedule(0.0, timing=PollTiming(fastest=0.5, moving_ceiling=10.0))
    # 100 of 1,000 locks OK after 4 s: 25/s, 900 to go -> 36 s, capped at 10 s.
    assert schedule.looked(4.0, 100, 1000) == 14.0
    # 900 OK at 14 s: 80/s, 100 to go -> 1.25 s.
    assert schedule.looked(14.0, 900, 1000) == 15.25
    # Almost done: never sooner than `fastest`.
    assert schedule.looked(15.25, 999, 1000) == 15.75


def test_a_rule_that_stops_moving_backs_off_again() -> None:
    schedule = PollSchedule(0.0)
    schedule.looked(1.0, 10, 100)  # moving: 10/s, 90 to go -> 9 s
    waits = []
    now = schedule.due_at
    for _ in range(12):
        nxt = schedule.looked(now, 10, 100)
        waits.append(nxt - now)
        now = nxt
    assert waits[0] == pytest.approx(9.0)  # the moving rate's estimate first
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(waits))
    assert waits[-1] == pytest.approx(60.0)


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


def test_read_ahead_yields_in_order_then_raises_the_source_error() -> None:
    def source() -> Iterator[int]:
        yield from range(5)
        raise ValueError("the stream broke")

    items = iter(ReadAhead(source()))
    assert [next(items) for _ in range(5)] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="the stream broke"):
        next(items)


def test_read_ahead_reads_on_while_the_consumer_works_and_close_stops_the_source() -> None:
    hold = threading.Event()
    stopped = threading.Event()
    read: list[int] = []

    def source() -> Iterator[int]:
        for number in range(1000):
            if number == 500:
                hold.wait(5)  # a stream that stalls half way
            if stopped.is_set():
                return
            read.append(number)
            yield number

    ahead = ReadAhead(source(), stopped.set)
    items = iter(ahead)
    assert next(items) == 0
    deadline = time.monotonic() + 5
    while len(read) < 500 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert len(read) == 500  # read ahead of the consumer, who took one
    ahead.close()
    assert ahead.closed and stopped.is_set()
    hold.set()
    assert ahead.join(5)
    assert list(items) == []  # nothing more after close
