"""HTTPS and X.509 sign-in against a sandbox made with ``tls=True`` (``sandbox up --tls``).

The module starts a sandbox of its own (SQLite, a free port, a temp folder) and stops it at
the end whatever happened; it never uses the session's ``sandbox`` fixture. Every client gets
a token folder of its own, so no test passes on a token another sign-in left behind.
"""

from __future__ import annotations

import atexit
import json
import logging
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from rucio.common.exception import CannotAuthenticate, ServerConnectionException

from rucio_widgets.rucioclient import client_for
from rucio_widgets.sandbox import Sandbox, SandboxError
from rucio_widgets.sandbox.manager import SandboxState
from rucio_widgets.sandbox.processes import free_port

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def tls_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    handle = Sandbox(tmp_path_factory.mktemp("tls-sandbox"))

    def stop() -> None:
        handle.down(quiet=True)

    atexit.register(stop)  # a backstop if teardown never runs
    try:
        handle.up(db="sqlite", port=free_port(), tls=True)
        yield handle
    finally:
        stop()
        atexit.unregister(stop)


def _client(
    sandbox: Sandbox,
    token_dir: Path,
    *,
    auth_type: str,
    creds: dict[str, Any],
    account: str = "alice",
    ca_cert: str | bool | None = None,
) -> Any:
    url = sandbox.server_url()
    return client_for(
        rucio_host=url,
        auth_host=url,
        account=account,
        auth_type=auth_type,
        creds=creds,
        ca_cert=str(sandbox.tls_files(account).ca_cert) if ca_cert is None else ca_cert,
        token_dir=token_dir,
    )


def test_serves_https_with_private_tls_files(tls_sandbox: Sandbox) -> None:
    assert tls_sandbox.server_url().startswith("https://127.0.0.1:")
    assert tls_sandbox.status().tls
    files = tls_sandbox.tls_files("alice")
    assert files.dn == "CN=alice,OU=Users,O=rucio-widgets sandbox"
    assert stat.S_IMODE(files.ca_cert.parent.stat().st_mode) == 0o700
    assert files.proxy is not None and files.expired_key is not None
    for secret in (files.key, files.proxy, files.expired_key, tls_sandbox.tls_files("bob").key):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    # The proxy file holds the proxy, its key and alice's certificate, as x509_proxy expects.
    proxy_pem = files.proxy.read_text()
    assert proxy_pem.count("BEGIN CERTIFICATE") == 2
    assert proxy_pem.count("PRIVATE KEY-----") == 2  # BEGIN and END of one key
    answer = requests.get(f"{tls_sandbox.server_url()}/ping", verify=str(files.ca_cert), timeout=10)
    assert answer.json()["version"]


def test_x509_certificate_signs_in_as_alice(tls_sandbox: Sandbox, tmp_path: Path) -> None:
    files = tls_sandbox.tls_files("alice")
    client = _client(
        tls_sandbox,
        tmp_path,
        auth_type="x509",
        creds={"client_cert": str(files.cert), "client_key": str(files.key)},
    )
    assert client.whoami()["account"] == "alice"


def test_x509_proxy_signs_in_as_alice(tls_sandbox: Sandbox, tmp_path: Path) -> None:
    # The proxy's subject is alice's DN plus CN=<number>: Rucio strips that to find alice.
    files = tls_sandbox.tls_files("alice")
    client = _client(
        tls_sandbox, tmp_path, auth_type="x509_proxy", creds={"client_proxy": str(files.proxy)}
    )
    assert client.whoami()["account"] == "alice"


def test_userpass_works_over_https(tls_sandbox: Sandbox, tmp_path: Path) -> None:
    password = tls_sandbox.secrets()["alice"]
    client = _client(
        tls_sandbox,
        tmp_path,
        auth_type="userpass",
        creds={"username": "alice", "password": password},
    )
    assert client.whoami()["account"] == "alice"
    assert client.get_did("user.alice", "user.alice.analysis.v1")["type"] == "DATASET"


def test_certificate_of_another_account_is_refused(tls_sandbox: Sandbox, tmp_path: Path) -> None:
    bob = tls_sandbox.tls_files("bob")
    with pytest.raises(CannotAuthenticate):
        _client(
            tls_sandbox,
            tmp_path,
            auth_type="x509",
            creds={"client_cert": str(bob.cert), "client_key": str(bob.key)},
        ).whoami()


def test_server_not_trusted_without_the_sandbox_ca(
    tls_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = tls_sandbox.server_url()
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        requests.get(f"{url}/ping", verify=True, timeout=10)  # the system's CA bundle
    # The rucio client raises ServerConnectionException; the SSL reason is only logged.
    caplog.set_level(logging.ERROR)
    with pytest.raises(ServerConnectionException):
        _client(
            tls_sandbox,
            tmp_path,
            auth_type="userpass",
            creds={"username": "alice", "password": tls_sandbox.secrets()["alice"]},
            ca_cert=True,
        ).whoami()
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_expired_certificate_is_refused(
    tls_sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    files = tls_sandbox.tls_files("alice")
    assert files.expired_cert is not None and files.expired_key is not None
    # The server ends the TLS handshake: no request reaches Rucio.
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_EXPIRED"):
        requests.get(
            f"{tls_sandbox.server_url()}/auth/x509",
            cert=(str(files.expired_cert), str(files.expired_key)),
            verify=str(files.ca_cert),
            timeout=10,
        )
    caplog.set_level(logging.ERROR)
    with pytest.raises(ServerConnectionException):
        _client(
            tls_sandbox,
            tmp_path,
            auth_type="x509",
            creds={"client_cert": str(files.expired_cert), "client_key": str(files.expired_key)},
        ).whoami()
    assert "CERTIFICATE_EXPIRED" in caplog.text


@pytest.mark.parametrize(("account", "auth_type"), [("bob", "x509"), ("alice", "x509_proxy")])
def test_rucio_command_signs_in_with_the_config_files(
    tls_sandbox: Sandbox, tmp_path: Path, account: str, auth_type: str
) -> None:
    # rucio.cfg keeps auth_type = userpass; its ca_cert and certificate paths serve x509.
    # The config's token file would hide the sign-in under test: start without one. A grid
    # machine's X509_CERT_DIR would override the config's ca_cert: env_lines unsets it.
    (tls_sandbox.layout.token_dir(account) / "token").unlink(missing_ok=True)
    script = (
        "export X509_CERT_DIR=/nonexistent\n"
        f"{tls_sandbox.env_lines(account)}\n"
        f"export RUCIO_AUTH_TYPE={auth_type}\n"
        f"{Path(sys.executable).parent}/rucio whoami"
    )
    server_log = tls_sandbox.layout.logs / "server.log"
    signed_in = f'"GET /auth/{auth_type} HTTP/1.1" 200'
    before = server_log.read_text().count(signed_in)
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"account    : {account}" in done.stdout
    assert server_log.read_text().count(signed_in) == before + 1


def test_tls_is_fixed_when_the_sandbox_is_made(tls_sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="drop --no-tls") as refused:
        Sandbox(tls_sandbox.dir).up(tls=False)
    assert "\n" not in str(refused.value)
    assert tls_sandbox.status().up  # refused before any restart

    plain = Sandbox(tmp_path / "plain")
    plain.dir.mkdir()
    state = SandboxState(db="sqlite", ports={"server": free_port()})
    plain.layout.state_file.write_text(json.dumps(state.to_json()))
    with pytest.raises(SandboxError, match="drop --tls"):
        plain.up(tls=True)
    with pytest.raises(SandboxError, match="--tls"):
        plain.tls_files("alice")


# --- the browser's own sign-in over HTTPS ----------------------------------------------------
def _widget_settings(sandbox: Sandbox, **extra: Any) -> dict[str, Any]:
    url = sandbox.server_url()
    files = sandbox.tls_files("alice")
    return {
        "rucio_host": url,
        "auth_host": url,
        "account": "alice",
        "ca_cert": str(files.ca_cert),
        **extra,
    }


def test_browser_signs_in_with_x509(tls_sandbox: Sandbox) -> None:
    import rucio_widgets

    files = tls_sandbox.tls_files("alice")
    browser = rucio_widgets.RucioBrowser(
        **_widget_settings(
            tls_sandbox, auth_type="x509", client_cert=str(files.cert), client_key=str(files.key)
        )
    )
    try:
        browser.model.start(wait=True)
        assert browser.auth["state"] == "signed_in"
        assert browser.auth["auth_type"] == "x509" and browser.auth["account"] == "alice"
        assert browser.auth["expires_at"]  # the certificate's end
        assert browser.search("data18:*RAW*", did_type="dataset")
        saved = json.dumps(browser.get_state())
        assert str(files.key) not in saved and str(files.cert) not in saved
    finally:
        browser.close()


def test_resolve_signs_in_with_a_proxy(tls_sandbox: Sandbox) -> None:
    import rucio_widgets
    from rucio_widgets import NotAvailableError

    files = tls_sandbox.tls_files("alice")
    assert files.proxy is not None
    with pytest.raises(NotAvailableError):  # signed in: the DID is merely not there
        rucio_widgets.resolve(
            "data18:data18_13TeV.00348885.physics_Main.daq.RAW",
            **_widget_settings(tls_sandbox, auth_type="x509_proxy", client_proxy=str(files.proxy)),
        )


def test_expired_certificate_asks_to_renew(tls_sandbox: Sandbox) -> None:
    import rucio_widgets
    from rucio_widgets import NotSignedInError

    files = tls_sandbox.tls_files("alice")
    assert files.expired_cert is not None and files.expired_key is not None
    with pytest.raises(NotSignedInError, match="expired at") as caught:
        rucio_widgets.resolve(
            "data18:x",
            **_widget_settings(
                tls_sandbox,
                auth_type="x509",
                client_cert=str(files.expired_cert),
                client_key=str(files.expired_key),
            ),
        )
    assert caught.value.expired and "Renew" in caught.value.hint


def test_unreadable_key_and_untrusted_server_name_the_setting(
    tls_sandbox: Sandbox, tmp_path: Path
) -> None:
    import rucio_widgets
    from rucio_widgets import ConfigurationError, ServerUnavailableError

    files = tls_sandbox.tls_files("alice")
    with pytest.raises(ConfigurationError, match="client_key"):
        rucio_widgets.resolve(
            "data18:x",
            **_widget_settings(
                tls_sandbox,
                auth_type="x509",
                client_cert=str(files.cert),
                client_key=str(tmp_path / "missing-key.pem"),
            ),
        )
    settings = _widget_settings(
        tls_sandbox, username="alice", password=tls_sandbox.secrets()["alice"]
    )
    settings["ca_cert"] = None  # the system's CAs: they do not know the sandbox's CA
    with pytest.raises(ServerUnavailableError) as caught:
        rucio_widgets.resolve("data18:x", **settings)
    assert "ca_cert" in caught.value.hint


def test_doctor_names_an_untrusted_certificate_and_the_setting(
    tls_sandbox: Sandbox, tmp_path: Path
) -> None:
    from rucio_widgets.doctor import doctor

    files = tls_sandbox.tls_files("alice")
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(files.cert.read_bytes())  # a certificate, but not the one that signed
    settings = _widget_settings(
        tls_sandbox, auth_type="x509", client_cert=str(files.cert), client_key=str(files.key)
    )
    settings.update(mode="download", download_dir=str(tmp_path / "downloads"))
    good = doctor(**settings)
    assert good.ok, str(good)
    assert "x509 from" in str(good) and "valid until" in str(good)

    settings["ca_cert"] = str(other_ca)
    report = doctor(**settings)
    assert not report.ok
    server = next(c for c in report.checks if c.name == "server")
    assert not server.ok and "not trusted" in server.detail and "ca_cert" in server.fix
    assert [c.name for c in report.checks][-1] == "server"  # nothing asked after it
