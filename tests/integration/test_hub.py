"""What real hubs meet: OIDC token files, silent and slow servers, answers that are not
Rucio's, statuses without a view (in bulk), mount checks, and `doctor`. Against the session's
sandbox, with misbehaving network peers (tests/net_peers.py) in front of it where needed."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from net_peers import HTML_500, NOT_JSON_200, Misbehaviour, Proxy, closed_port

import rucio_widgets
from rucio_widgets import ConfigurationError, NotSignedInError, ServerUnavailableError
from rucio_widgets.doctor import doctor
from rucio_widgets.doctor import main as doctor_main
from rucio_widgets.rucioclient import client_for, rucio_token_cache
from rucio_widgets.sandbox import DESTINATION_RSE
from rucio_widgets.sandbox.seed import PARTIAL_DATASET, REPLICATED_DATASET
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox

SEARCH = "/dids/data18/dids/search"


def wait_until(predicate: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met")


def through(proxy: Proxy, sandbox: SandboxSession, **extra: Any) -> dict[str, Any]:
    """Settings that reach the sandbox through ``proxy``, as alice."""
    return {
        "rucio_host": proxy.url,
        "auth_host": proxy.url,
        "account": "alice",
        "username": "alice",
        "password": sandbox.password("alice"),
        **extra,
    }


def fresh_token(sandbox: SandboxSession, tmp_path: Path) -> str:
    client = client_for(
        rucio_host=sandbox.url,
        auth_host=sandbox.url,
        account="alice",
        auth_type="userpass",
        fresh=True,
        token_dir=tmp_path / "tok",
        creds={"username": "alice", "password": sandbox.password("alice")},
    )
    return str(client.auth_token)


def oidc_cfg(
    sandbox: SandboxSession, tmp_path: Path, token_file: Path | None, **extra: str
) -> Path:
    """The rucio.cfg of the CERN VRE / interTwin hubs, pointing at the sandbox."""
    widgets = sandbox.config_path("alice").read_text().split("[widgets]", 1)[1]
    lines = [
        "[client]",
        f"rucio_host = {sandbox.url}",
        f"auth_host = {sandbox.url}",
        "account = alice",
        "auth_type = oidc",
        "oidc_audience = rucio",
        "oidc_polling = true",
        "oidc_issuer = escape",
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    if token_file is not None:
        lines.append(f"auth_token_file_path = {token_file}")
    path = tmp_path / "rucio.cfg"
    path.write_text("\n".join(lines) + "\n\n[widgets]" + widgets)
    return path


# --- OIDC as deployed ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["cern-vre", "intertwin"])
def test_oidc_token_file_of_the_hub_signs_in_and_is_reread(
    variant: str, sandbox: SandboxSession, tmp_path: Path, monkeypatch, close_later
) -> None:
    token_file = tmp_path / "rucio_oauth.token"
    token_file.write_text(fresh_token(sandbox, tmp_path) + "\n")
    extra = (
        {"oidc_scope": "openid profile offline_access eduperson_entitlement"}
        if variant == "intertwin"
        else {}
    )
    monkeypatch.setenv("RUCIO_CONFIG", str(oidc_cfg(sandbox, tmp_path, token_file, **extra)))
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    auth = wait_until(lambda: browser.auth.get("state") and browser.auth)
    assert auth["state"] == "signed_in" and auth["auth_type"] == "oidc", auth
    assert browser.search("data18:*RAW*", did_type="dataset")
    second = fresh_token(sandbox, tmp_path)
    token_file.write_text(second + "\n")  # the hub refreshed it
    assert browser.search("data18:*DAOD*", did_type="dataset")
    assert browser.model.service.client.auth_token == second
    assert second not in json.dumps(browser.get_state())


def test_without_a_token_file_the_rucio_commands_cache_is_used(
    sandbox: SandboxSession, tmp_path: Path, monkeypatch, close_later
) -> None:
    cache = Path(rucio_token_cache("alice", None))
    backup = cache.read_bytes() if cache.exists() else None
    cache.parent.mkdir(parents=True, exist_ok=True)
    try:
        cache.write_text(fresh_token(sandbox, tmp_path))  # as `rucio -S OIDC whoami` leaves it
        monkeypatch.setenv("RUCIO_CONFIG", str(oidc_cfg(sandbox, tmp_path, None)))
        browser = rucio_widgets.RucioBrowser()
        close_later(browser)
        wait_until(lambda: browser.auth.get("state") == "signed_in")
        assert browser.search("data18:*RAW*", did_type="dataset")
        cache.unlink()
        missing = rucio_widgets.RucioBrowser()
        close_later(missing)
        auth = wait_until(lambda: missing.auth.get("state") and missing.auth)
        assert auth["state"] == "signed_out"
        assert str(cache) in auth["message"] and "rucio -S OIDC whoami" in auth["message"]
    finally:
        if backup is not None:
            cache.write_bytes(backup)
        else:
            cache.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("this is not a token\n", "refused the token"),
        ("", "is empty"),
        (None, "does not exist"),
    ],
)
def test_bad_token_files_say_what_is_wrong_and_the_panel_stays_usable(
    content: str | None,
    said: str,
    *,
    sandbox: SandboxSession,
    tmp_path: Path,
    monkeypatch,
    close_later,
) -> None:
    token_file = tmp_path / "hub.token"
    if content is not None:
        token_file.write_text(content)
    monkeypatch.setenv("RUCIO_CONFIG", str(oidc_cfg(sandbox, tmp_path, token_file)))
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    auth = wait_until(lambda: browser.auth.get("state") and browser.auth)
    assert auth["state"] == "signed_out" and auth["auth_type"] == "oidc"
    assert said in auth["message"] and str(token_file) in auth["message"]
    if content is not None:
        assert "Your hub writes" in auth["message"]
    with pytest.raises(NotSignedInError):
        browser.search("data18:*")
    token_file.write_text(fresh_token(sandbox, tmp_path))  # the hub catches up
    browser.sign_in()  # "Try again" in the panel
    assert browser.auth["state"] == "signed_in"
    assert browser.search("data18:*RAW*", did_type="dataset")


# --- bounded waits ---------------------------------------------------------------------------


def test_a_silent_server_ends_in_server_unavailable_within_the_timeout(
    sandbox: SandboxSession, close_later
) -> None:
    with Proxy(sandbox.url, Misbehaviour(silent=(SEARCH,))) as proxy:
        browser = rucio_widgets.RucioBrowser(**through(proxy, sandbox, request_timeout=3))
        close_later(browser)
        wait_until(lambda: browser.auth.get("state") == "signed_in")
        started = time.monotonic()
        with pytest.raises(ServerUnavailableError, match=r"did not answer within 3 s") as caught:
            browser.search("data18:*", timeout=120)
        waited = time.monotonic() - started
        assert 2.5 < waited < 15, waited
        assert proxy.url in caught.value.message
        assert browser.error["kind"] == "ServerUnavailableError"
        # Nothing is left running: the listing's reader thread has ended.
        wait_until(
            lambda: (
                not [
                    t for t in threading.enumerate() if t.name.startswith("rucio-widgets searching")
                ]
            ),
            timeout=5,
        )


def test_a_slow_server_still_works(sandbox: SandboxSession, close_later) -> None:
    with Proxy(sandbox.url, Misbehaviour(delay=3)) as proxy:
        browser = rucio_widgets.RucioBrowser(**through(proxy, sandbox, request_timeout=10))
        close_later(browser)
        found = browser.search("data18:*RAW*", did_type="dataset", timeout=120)
        assert [r.did for r in found] == ["data18:data18_13TeV.00348885.physics_Main.daq.RAW"]


@pytest.mark.parametrize(
    ("answer", "said"),
    [(HTML_500, "HTTP 500 with an HTML page"), (NOT_JSON_200, "HTTP 200 with an HTML page")],
)
def test_answers_that_are_not_rucios_are_typed_errors(
    answer: bytes, said: str, sandbox: SandboxSession, close_later
) -> None:
    with Proxy(sandbox.url, Misbehaviour(answers={SEARCH: answer})) as proxy:
        browser = rucio_widgets.RucioBrowser(**through(proxy, sandbox, request_timeout=5))
        close_later(browser)
        started = time.monotonic()
        with pytest.raises(ServerUnavailableError, match=said):
            browser.search("data18:*")
        assert time.monotonic() - started < 10


def test_an_html_error_page_from_a_client_call_is_said_plainly(
    sandbox: SandboxSession, close_later
) -> None:
    with Proxy(sandbox.url, Misbehaviour(answers={"/dids/data18/": HTML_500})) as proxy:
        browser = rucio_widgets.RucioBrowser(**through(proxy, sandbox, request_timeout=5))
        close_later(browser)
        with pytest.raises(ServerUnavailableError, match="answered HTTP 500 with an answer that"):
            browser.details("data18:anything")


# --- statuses everywhere, in bulk -------------------------------------------------------------


class Counting:
    """A rucio Client that counts the calls made through it."""

    def __init__(self, inner: Any) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "calls", Counter())

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name.startswith("_") or not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


def test_a_python_search_gets_every_status_in_bulk(sandbox: SandboxSession, close_later) -> None:
    counting = Counting(sandbox.client("alice"))
    browser = rucio_widgets.RucioBrowser(client=counting)
    close_later(browser)
    wait_until(lambda: browser.scopes)
    counting.calls.clear()
    rows = browser.search("mc20:*", did_type="collection")
    rows = wait_until(lambda: all(r.status for r in browser.results) and browser.results)
    assert len(rows) >= 10
    badge_calls = sum(
        counting.calls[m]
        for m in ("list_dataset_replicas_bulk", "list_replicas", "list_dataset_replicas")
    )
    assert badge_calls <= 3 * -(-len(rows) // 100), counting.calls
    assert counting.calls["list_dataset_replicas"] == 0  # no call per collection


def test_bulk_statuses_equal_the_per_dataset_ones(sandbox: SandboxSession, close_later) -> None:
    """On the sandbox's mixed cases (complete, partial, containers, placed by rules and not),
    the bulk badges equal what a deep look-up per dataset says (a container: the sum over
    its datasets; Rucio's deep look-up answers nothing for a container itself)."""
    alice = sandbox.client("alice")

    def deep(scope: str, name: str) -> int:
        entries = [
            e
            for e in alice.list_dataset_replicas(scope, name, deep=True)
            if e["rse"] == DESTINATION_RSE
        ]
        return int(entries[0]["available_length"]) if entries else 0

    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    browser.search("mc20:*", did_type="collection")
    browser.load_more(1000)
    rows = wait_until(lambda: all(r.status for r in browser.results) and browser.results)
    checked = Counter()
    for row in rows:
        if row.did.startswith("mc20:mc20_13TeV.5"):
            continue  # the 300 wildcard datasets are empty: the same case many times
        scope, name = row.did.split(":")
        if row.type == "DATASET":
            expected = deep(scope, name)
        else:
            expected = sum(
                deep(c["scope"], c["name"])
                for c in alice.list_content(scope, name)
                if c["type"] == "DATASET"
            )
        status = browser.model.statuses.get(row.did)
        assert status is not None
        assert status.get("available", 0) == expected, (row.did, status, expected)
        checked[row.type] += 1
    assert checked["DATASET"] >= 4 and checked["CONTAINER"] >= 2, checked
    partial = browser.model.statuses.get(":".join(PARTIAL_DATASET))
    assert partial is not None and partial["status"] == "PARTIALLY_AVAILABLE"


def test_status_of_one_did_waits_for_it(sandbox: SandboxSession, close_later) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    assert browser.status(":".join(REPLICATED_DATASET), timeout=30) == "AVAILABLE"


# --- mount checks -------------------------------------------------------------------------------


def test_a_wrong_path_begins_at_is_caught_by_looking_at_a_file(
    sandbox: SandboxSession, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser(path_begins_at=sandbox.layout.path_begins_at - 1)
    close_later(browser)
    browser.select(":".join(REPLICATED_DATASET))
    with pytest.raises(
        ConfigurationError, match="does not exist: is the storage mounted"
    ) as caught:
        browser.wait_paths(timeout=60)
    assert f"path_begins_at = {sandbox.layout.path_begins_at - 1}" in caught.value.message
    assert browser.paths == []
    oversized = rucio_widgets.RucioBrowser(
        path_begins_at=40, selected=[":".join(REPLICATED_DATASET)]
    )
    close_later(oversized)
    with pytest.raises(ConfigurationError, match="segments"):
        oversized.wait_paths(timeout=60)


# --- doctor ----------------------------------------------------------------------------------


def test_doctor_on_a_good_setup(sandbox: SandboxSession, capsys) -> None:
    report = doctor()
    assert report.ok, str(report)
    names = [c.name for c in report.checks]
    assert names == ["settings", "credentials", "server", "whoami", "destination", "mount"]
    # The server's own version (RUCIO_WIDGETS_TEST_RUCIO_VERSION may run an older one).
    served = sandbox.sandbox.status().rucio_version
    assert f"Rucio {served}" in str(report) and "(exists)" in str(report)
    assert doctor_main([]) == 0
    assert "Everything checked is fine." in capsys.readouterr().out


def test_doctor_names_a_server_that_is_down(sandbox: SandboxSession) -> None:
    report = doctor(rucio_host=f"http://127.0.0.1:{closed_port()}")
    wrong = [c for c in report.checks if not c.ok]
    assert [c.name for c in wrong] == ["server"]
    assert "cannot reach" in wrong[0].detail and wrong[0].fix


def test_doctor_names_a_missing_mount(sandbox: SandboxSession, tmp_path: Path, capsys) -> None:
    report = doctor(rse_mount_path=str(tmp_path / "not-mounted"))
    [wrong] = [c for c in report.checks if not c.ok]
    assert wrong.name == "mount" and "does not exist" in wrong.detail
    assert "path_begins_at" in wrong.fix


def test_doctor_checks_the_download_folder(sandbox: SandboxSession, tmp_path: Path) -> None:
    report = doctor(mode="download", download_dir=str(tmp_path / "dl"))
    assert report.ok and "free" in report.checks[-1].detail
    blocker = tmp_path / "file"
    blocker.write_text("x")
    report = doctor(mode="download", download_dir=str(blocker / "dl"))
    assert not report.ok and report.checks[-1].name == "download folder"


def test_doctor_with_a_bad_setting_says_which(sandbox: SandboxSession) -> None:
    report = doctor(mode="copy")
    assert [c.name for c in report.checks] == ["settings"] and not report.ok
    assert "mode" in report.checks[0].detail


# --- words ---------------------------------------------------------------------------------


def test_a_typo_in_a_filter_key_gets_the_closest_column_key(
    sandbox: SandboxSession, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    assert browser.search("mc20:*", did_type="dataset", filters="events>=1000")
    assert "hint" not in browser.results_state
    assert browser.search("mc20:*", did_type="dataset", filters="evnts>=1000") == []
    assert browser.results_state["complete"]
    assert browser.results_state["hint"] == "No DID carries `evnts`: did you mean `events`?"


# --- export ---------------------------------------------------------------------------------


def test_fileset_and_table_of_a_container_on_the_sandbox(
    sandbox: SandboxSession, close_later
) -> None:
    import zlib

    scope, dataset = REPLICATED_DATASET
    container = f"{scope}:mc20_13TeV.361107.PhPy8EG_Zmumu.DAOD_PHYS"
    browser = rucio_widgets.RucioBrowser(selected=[container])
    close_later(browser)
    fileset = browser.fileset(treename="CollectionTree", timeout=60)
    assert list(fileset) == [f"{scope}:{dataset}"]  # grouped by the dataset inside
    paths = list(fileset[f"{scope}:{dataset}"]["files"])
    assert len(paths) == 3 and all(Path(p).is_file() for p in paths)
    assert set(fileset[f"{scope}:{dataset}"]["files"].values()) == {"CollectionTree"}

    table = browser.selection_table(timeout=60)
    for entry in table:
        assert entry.status == "AVAILABLE" and entry.rse == DESTINATION_RSE
        assert entry.path is not None and entry.bytes == Path(entry.path).stat().st_size
        assert entry.adler32 == f"{zlib.adler32(Path(entry.path).read_bytes()):08x}"

    partial = ":".join(PARTIAL_DATASET)
    browser.deselect(container)
    browser.select(partial)
    table = browser.selection_table(timeout=60)
    assert len(table) == 4 and {e.dataset for e in table} == {partial}
    assert sorted(e.status for e in table) == ["AVAILABLE"] * 2 + ["NOT_AVAILABLE"] * 2
    with pytest.raises(rucio_widgets.NotAvailableError) as caught:
        browser.fileset(timeout=60)
    assert len(caught.value.missing) == 2


def test_a_bare_atlas_name_searches_the_scope_it_starts_with(
    sandbox: SandboxSession, close_later
) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    found = [r.did for r in browser.search("data18_13TeV.00348885*", did_type="dataset")]
    assert "data18:data18_13TeV.00348885.physics_Main.DAOD_PHYS.r13286_p4910" in found
    assert all(did.startswith("data18:") or did.startswith("user.") for did in found)


# --- the warm second look -------------------------------------------------------------------


def test_a_warm_second_look_validates_against_the_server_and_the_mount(
    sandbox: SandboxSession, close_later, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUCIO_WIDGETS_CACHE_DIR", str(tmp_path / "cache"))
    made = sandbox.make_dataset(files=2)
    first = rucio_widgets.RucioBrowser(selected=[made.did])
    close_later(first)
    first.make_available()
    cold = sorted(first.wait(timeout=120))
    cache = first.model.selection.cache
    assert cache is not None
    row = first.model.selection.row_of(made.did)
    deadline = time.monotonic() + 30
    while cache.load(row) is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cache.load(row) is not None  # remembered, and valid: the rule is OK

    second = rucio_widgets.RucioBrowser(selected=[made.did])
    close_later(second)
    assert sorted(second.wait_paths(timeout=30)) == cold

    root = sandbox.client("root")
    (rule,) = [
        r
        for r in root.list_did_rules(*made.did.split(":"))
        if r["rse_expression"] == DESTINATION_RSE
    ]
    root.update_replication_rule(rule["id"], {"state": "SUSPENDED"})  # not OK any more
    assert cache.load(row) is None  # not trusted, and forgotten
    assert not list((tmp_path / "cache" / "paths").glob("*.json"))
