"""Signing in: userpass, tokens from a file or a variable, the extension's instances, and
no secret in synced state or logs. Against the session's sandbox."""

from __future__ import annotations

import base64
import json
import logging
import time
from pathlib import Path

import pytest

import rucio_widgets
from rucio_widgets import ConfigurationError, NotSignedInError
from rucio_widgets.rucioclient import client_for
from rucio_widgets.sandbox import DESTINATION_RSE
from rucio_widgets.sandbox.testing import SandboxSession

pytestmark = pytest.mark.sandbox


def wait_until(predicate, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met")


def fresh_token(sandbox: SandboxSession, tmp_path: Path, account: str = "alice") -> str:
    """A real Rucio token for ``account``, obtained through userpass."""
    client = client_for(
        rucio_host=sandbox.url,
        auth_host=sandbox.url,
        account=account,
        auth_type="userpass",
        fresh=True,
        token_dir=tmp_path / "tok",
        creds={"username": account, "password": sandbox.password(account)},
    )
    return str(client.auth_token)


def cfg_without_password(sandbox: SandboxSession, tmp_path: Path) -> Path:
    text = sandbox.config_path("alice").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("password")]
    path = tmp_path / "rucio.cfg"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_userpass_signs_in_and_shows_lifetime(sandbox: SandboxSession, close_later) -> None:
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    auth = wait_until(lambda: browser.auth.get("state") and browser.auth)
    assert auth["state"] == "signed_in" and auth["account"] == "alice"
    assert auth["auth_type"] == "userpass" and auth["expires_at"]


def test_wrong_password_is_not_hidden_by_a_warm_token_cache(
    sandbox: SandboxSession, close_later
) -> None:
    warm = rucio_widgets.RucioBrowser()  # signs in with the right password: a cached token
    close_later(warm)
    wait_until(lambda: warm.auth.get("state") == "signed_in")
    wrong = rucio_widgets.RucioBrowser(password="not-the-password")
    close_later(wrong)
    auth = wait_until(lambda: wrong.auth.get("state") and wrong.auth)
    assert auth["state"] == "signed_out"
    assert "did not accept the credentials" in auth["message"]
    assert "not-the-password" not in json.dumps(wrong.get_state())
    with pytest.raises(NotSignedInError):
        wrong.search("data18:*")
    with pytest.raises(NotSignedInError):
        rucio_widgets.resolve("data18:anything", password="not-the-password")


def test_unknown_account_is_refused(sandbox: SandboxSession) -> None:
    with pytest.raises(NotSignedInError, match="did not accept"):
        rucio_widgets.resolve("data18:x", account="mallory")


def test_sign_in_form_message_signs_in(
    sandbox: SandboxSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_later, view
) -> None:
    monkeypatch.setenv("RUCIO_CONFIG", str(cfg_without_password(sandbox, tmp_path)))
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    auth = wait_until(lambda: browser.auth.get("state") and browser.auth)
    assert auth == {
        **auth,
        "state": "signed_out",
        "auth_type": "userpass",
        "account": "alice",
        "username": "alice",
    }
    comm = view.of(browser)
    comm.deliver(
        {
            "type": "sign_in",
            "request_id": 1,
            "account": "alice",
            "username": "alice",
            "password": "wrong",
        }
    )
    reply = comm.reply_to(1)
    assert reply["ok"] is False and "did not accept" in reply["message"]
    comm.deliver(
        {
            "type": "sign_in",
            "request_id": 2,
            "account": "alice",
            "username": "alice",
            "password": sandbox.password("alice"),
        }
    )
    reply = comm.reply_to(2)
    assert reply == {"type": "sign_in", "request_id": 2, "ok": True, "message": "Signed in."}
    assert len(comm.replies_to(1)) == len(comm.replies_to(2)) == 1
    assert browser.auth["state"] == "signed_in"
    assert browser.search("data18:*RAW*", did_type="dataset")
    state = json.dumps(browser.get_state())
    assert sandbox.password("alice") not in state and "wrong" not in state


def test_token_from_file_is_reread_when_it_changes(
    sandbox: SandboxSession, tmp_path: Path, close_later
) -> None:
    token_file = tmp_path / "token"
    first = fresh_token(sandbox, tmp_path)
    token_file.write_text(first + "\n")
    browser = rucio_widgets.RucioBrowser(auth_type="oidc", token_file=str(token_file))
    close_later(browser)
    wait_until(lambda: browser.auth.get("state") == "signed_in")
    assert browser.auth["auth_type"] == "oidc" and browser.auth["account"] == "alice"
    assert browser.search("data18:*RAW*", did_type="dataset")
    second = fresh_token(sandbox, tmp_path)
    assert second != first
    time.sleep(0.01)
    token_file.write_text(second + "\n")  # refreshed outside the notebook (by the hub)
    assert browser.search("data18:*DAOD*", did_type="dataset")
    assert browser.model.service.client.auth_token == second
    assert second not in json.dumps(browser.get_state())


def test_token_from_variable(
    sandbox: SandboxSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_RUCIO_TOKEN", fresh_token(sandbox, tmp_path))
    paths = rucio_widgets.resolve(
        "mc20:mc20_13TeV.361107.PhPy8EG_Zmumu.deriv.DAOD_PHYS.e3601_s3681_r13167_p5057",
        auth_type="oidc",
        token_env="MY_RUCIO_TOKEN",
    )
    assert len(paths) == 3


def _jwt(claims: dict) -> str:
    def encode(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{encode({'alg': 'none'})}.{encode(claims)}.c2ln"


def test_expired_and_malformed_tokens_ask_to_sign_in(
    sandbox: SandboxSession, tmp_path: Path
) -> None:
    expired = tmp_path / "expired"
    expired.write_text(_jwt({"sub": "alice", "exp": int(time.time()) - 60}))
    with pytest.raises(NotSignedInError, match="expired at") as caught:
        rucio_widgets.resolve("data18:x", auth_type="oidc", token_file=str(expired))
    assert caught.value.expired
    garbage = tmp_path / "garbage"
    garbage.write_text("this-is-not-a-token")
    with pytest.raises(NotSignedInError, match="refused the token"):
        rucio_widgets.resolve("data18:x", auth_type="oidc", token_file=str(garbage))
    with pytest.raises(NotSignedInError, match="does not exist"):
        rucio_widgets.resolve("data18:x", auth_type="oidc", token_file=str(tmp_path / "none"))


def test_missing_certificate_names_the_setting(sandbox: SandboxSession, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="client_cert"):
        rucio_widgets.resolve(
            "data18:x", auth_type="x509", client_cert=str(tmp_path / "usercert.pem")
        )


def test_instance_from_jupyter_server_config(
    sandbox: SandboxSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_later
) -> None:
    layout = sandbox.layout
    config_dir = tmp_path / "jupyter"
    config_dir.mkdir()
    instances = [
        {
            "name": "elsewhere",
            "display_name": "Elsewhere",
            "rucio_base_url": "https://rucio.invalid",
            "mode": "replica",
        },
        {
            "name": "sandbox",
            "display_name": "Local sandbox",
            "rucio_base_url": sandbox.url,
            "mode": "replica",
            "destination_rse": DESTINATION_RSE,
            "rse_mount_path": str(layout.mount_path),
            "path_begins_at": layout.path_begins_at,
            "site_name": "NOTEBOOK",
        },
    ]
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"RucioConfig": {"instances": instances, "default_instance": "sandbox"}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    browser = rucio_widgets.RucioBrowser()
    close_later(browser)
    assert browser.instance == "sandbox"
    assert browser.instances == [
        {"name": "elsewhere", "display_name": "Elsewhere"},
        {"name": "sandbox", "display_name": "Local sandbox"},
    ]
    assert "jupyter_server_config.json" in browser.settings.source
    wait_until(lambda: browser.auth.get("state") == "signed_in")  # rucio.cfg signs in
    paths = rucio_widgets.resolve(
        "mc20:mc20_13TeV.361107.PhPy8EG_Zmumu.deriv.DAOD_PHYS.e3601_s3681_r13167_p5057",
        instance="sandbox",
    )
    assert len(paths) == 3

    instances[1]["rse_mount_pth"] = "/typo"
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"RucioConfig": {"instances": instances}})
    )
    with pytest.raises(ConfigurationError, match="did you mean `rse_mount_path`"):
        rucio_widgets.RucioBrowser(instance="sandbox")
    with pytest.raises(ConfigurationError, match="No Rucio instance named `nowhere`"):
        rucio_widgets.RucioBrowser(instance="nowhere")


def test_unknown_mode_names_the_setting(sandbox: SandboxSession) -> None:
    with pytest.raises(ConfigurationError, match="mode `replicas`"):
        rucio_widgets.RucioBrowser(mode="replicas")


def test_debug_logs_carry_no_token(
    sandbox: SandboxSession, tmp_path: Path, caplog: pytest.LogCaptureFixture, close_later
) -> None:
    token = fresh_token(sandbox, tmp_path)
    token_file = tmp_path / "token"
    token_file.write_text(token)
    with caplog.at_level(logging.DEBUG):
        browser = rucio_widgets.RucioBrowser(auth_type="oidc", token_file=str(token_file))
        close_later(browser)
        browser.search("mc20:*", did_type="dataset")
        browser.select(
            "mc20:mc20_13TeV.361107.PhPy8EG_Zmumu.deriv.DAOD_PHYS.e3601_s3681_r13167_p5057"
        )
        browser.wait_paths(timeout=60)
    assert caplog.records, "debug logging captured nothing: the test would prove nothing"
    assert token not in caplog.text


def test_saved_notebook_holds_no_secret(sandbox: SandboxSession, tmp_path: Path) -> None:
    """Execute a notebook that signs in with a password and a token, save it with widget
    state, and search the saved file for them."""
    import nbformat
    from nbclient import NotebookClient

    token = fresh_token(sandbox, tmp_path)
    (tmp_path / "token").write_text(token)
    password = sandbox.password("alice")
    book = nbformat.v4.new_notebook()
    book.cells = [
        nbformat.v4.new_code_cell(
            f"from rucio_widgets import RucioBrowser\nb1 = RucioBrowser(password={password!r})\nb1"
        ),
        nbformat.v4.new_code_cell(
            f"b2 = RucioBrowser(auth_type='oidc', token_file={str(tmp_path / 'token')!r})\nb2"
        ),
        nbformat.v4.new_code_cell(
            "b2.search('data18:*', did_type='dataset')\n"
            "b1.select('data18:data18_13TeV.00348885.physics_Main.daq.RAW')\n"
            "len(b2.results)"
        ),
    ]
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(
        book, timeout=120, store_widget_state=True, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    # The password is in the cell's own source, where the user typed it: drop sources to
    # look only at what the widgets saved.
    for cell in book.cells:
        cell.source = ""
    saved = tmp_path / "saved.ipynb"
    nbformat.write(book, saved)
    text = saved.read_text()
    assert "application/vnd.jupyter.widget-state+json" in text
    assert password not in text
    assert token not in text
    assert "secrets.json" not in text and "client_key" not in text
