"""``resolve``: local paths of a DID without a widget, for scripts and pipelines."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .config import load_config
from .errors import NotSignedInError
from .model import BrowserModel
from .service import RucioService


def resolve(
    did: str | Sequence[str],
    make_available: bool = False,
    timeout: float | None = None,
    *,
    instance: str | None = None,
    client: Any = None,
    **settings: Any,
) -> list[str]:
    """The local paths of the files of ``did`` (a DID or a list of DIDs).

    Settings are read as ``RucioBrowser`` reads them (keyword arguments, then rucio.cfg).
    When something is not available, raises ``NotAvailableError`` whose ``missing`` maps
    each missing DID to its state (NOT_AVAILABLE, REPLICATING with progress, STUCK with the
    rule's error, FAILED with the reason). With ``make_available=True``, requests what is
    missing (a rule in replica mode, a download in download mode) and waits up to
    ``timeout`` seconds (None: as long as it takes).
    """
    config, credentials = load_config(instance, **settings)
    model = BrowserModel(RucioService(config, client, credentials), config)
    try:
        model.service.ensure_signed_in()  # raises NotSignedInError early
        model.start(wait=True)
        auth = model.state.auth
        if auth.get("state") != "signed_in":
            raise NotSignedInError(
                auth.get("message") or "Not signed in.",
                "",
                auth_type=auth.get("auth_type", "userpass"),
                expired=auth.get("state") == "expired",
            )
        model.set_selected([did] if isinstance(did, str) else list(did))
        if make_available:
            model.wait_resolved(timeout)  # what is there already needs no request
            if model.state.unavailable:
                model.make_available()
            return model.wait(timeout)
        return model.wait(timeout, transfers=False)
    finally:
        model.close()


def upload(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    dataset: str | None = None,
    scope: str | None = None,
    rse: str | None = None,
    lifetime_days: int | None = None,
    timeout: float | None = None,
    instance: str | None = None,
    client: Any = None,
    **settings: Any,
) -> list[str]:
    """Upload local files into Rucio without a widget; returns their DIDs (see
    ``RucioBrowser.upload``). Settings are read as ``RucioBrowser`` reads them."""
    config, credentials = load_config(instance, **settings)
    model = BrowserModel(RucioService(config, client, credentials), config)
    try:
        model.service.ensure_signed_in()
        return model.upload(
            [paths] if isinstance(paths, (str, os.PathLike)) else list(paths),
            dataset=dataset,
            scope=scope,
            rse=rse,
            lifetime_days=lifetime_days,
            timeout=timeout,
        )
    finally:
        model.close()
