"""``RucioBrowser``: a thin anywidget over ``BrowserModel``.

It syncs a few small traitlets with the view (query, selection, flags), hands the view's
requests to ``dispatch.Dispatcher`` (one table of handlers, one reply per request), and
offers the Python API, whose errors show in the panel once and raise, typed. Listings never
become a trait: they travel as pages. Nothing secret is ever synced (synced state is saved
into notebooks).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from . import protocol
from .config import Settings, instance_choices, load_config
from .dids import InvalidDIDError
from .dispatch import Dispatcher, make_options
from .errors import (
    AuthenticationError,
    RucioWidgetsError,
    SidecarUnavailableError,
    translate,
)
from .filters import FilterSyntaxError
from .model import BrowserModel, Result
from .model.export import Fileset, SelectionTable
from .protocol import RowStatus
from .rules import Quota, Rule
from .service import RucioService, Service

log = logging.getLogger(__name__)

_STATIC = Path(__file__).parent / "static"


def _bundle(name: str) -> Path:
    path = _STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the front end was not built. From a source checkout run "
            "`npm install && npm run build` (or reinstall with `pip install -e .`)."
        )
    return path


class _Events:
    """The model's events, turned into traits and messages."""

    def __init__(self, widget: RucioBrowser) -> None:
        self.widget = widget

    def state_changed(self, changes: dict[str, Any]) -> None:
        self.widget._apply(changes)

    def statuses_changed(self, updates: dict[str, RowStatus]) -> None:
        self.widget._send_message({"type": protocol.MSG_STATUS, "updates": updates})

    def rules_changed(self, rules: list[protocol.RuleInfo]) -> None:
        self.widget._send_message({"type": protocol.MSG_RULES_CHANGED, "rules": rules})


def _api(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A Python API method: its errors show in the panel (once) and raise, typed."""

    @functools.wraps(fn)
    def wrapper(self: RucioBrowser, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except RucioWidgetsError as exc:
            self._model.report(exc)
            raise
        except (InvalidDIDError, FilterSyntaxError) as exc:  # a malformed DID or filter
            error = translate(exc)
            self._model.report(error)
            raise error from None

    return wrapper


class RucioBrowser(anywidget.AnyWidget):
    """Search, filter, browse and select Rucio data; ``paths`` are the local files picked.

    >>> browser = RucioBrowser()                       # settings from rucio.cfg [widgets]
    >>> browser = RucioBrowser(query="mc20:*ttbar*", mode="download")
    """

    _esm = _bundle("widget.js")
    _css = _bundle("widget.css")

    query = traitlets.Unicode("", help="The search: `scope:name` with `*` wildcards.").tag(
        sync=True
    )
    did_type = traitlets.Unicode(
        "all", help="DID type searched: all, container, dataset, file or collection."
    ).tag(sync=True)
    filters = traitlets.Unicode(
        "", help="Metadata filter in the rucio CLI's syntax, e.g. `datatype=AOD,run_number>3`."
    ).tag(sync=True)
    selected = traitlets.List(
        traitlets.Unicode(), help="Selected DIDs (`scope:name`): files or whole collections."
    ).tag(sync=True)
    scopes = traitlets.List(
        traitlets.Unicode(), read_only=True, help="Scopes on the server, for the picker."
    ).tag(sync=True)
    info = traitlets.Dict(
        read_only=True, help="Server, account, mode and destination, for the status bar."
    ).tag(sync=True)
    busy = traitlets.Unicode("", read_only=True, help="What is in flight, or ''.").tag(sync=True)
    error = traitlets.Dict(help="The error shown in the panel: {message, hint, kind} or {}.").tag(
        sync=True
    )
    results_state = traitlets.Dict(
        read_only=True, help="{generation, loaded, complete} of the current search."
    ).tag(sync=True)
    auth = traitlets.Dict(
        read_only=True,
        help="Sign-in state {state, auth_type, account, username, expires_at, message}; never "
        "a secret.",
    ).tag(sync=True)
    instances = traitlets.List(
        traitlets.Dict(),
        read_only=True,
        help="Rucio instances of the JupyterLab extension's config: [{name, display_name}].",
    ).tag(sync=True)
    instance = traitlets.Unicode(
        "", help="The instance in use (a name from `instances`); set it to switch."
    ).tag(sync=True)
    paths_state = traitlets.Dict(
        read_only=True, help="{files, available, pending} of the selection."
    ).tag(sync=True)
    # Not synced: derived in Python, possibly long, and of no use to the view. Lists of str
    # made by the model, so their elements are not validated again: at 100,000 paths the
    # per-element check cost 0.14 s at each of a resolution's publications.
    paths: traitlets.List[str] = traitlets.List(
        read_only=True,
        help="Local paths (str) of the selected files that are available.",
    )
    unavailable: traitlets.List[str] = traitlets.List(
        read_only=True, help="Selected files (`scope:name` str) that have no local path."
    )

    def __init__(
        self,
        query: str = "",
        *,
        did_type: str = "all",
        filters: str = "",
        selected: list[str] | tuple[str, ...] = (),
        instance: str | None = None,
        client: Any = None,
        service: Service | None = None,
        **settings: Any,
    ) -> None:
        """Settings come from keyword arguments, then the JupyterLab extension's instance,
        then rucio.cfg (see ``rucio_widgets.config``). ``client``: a ready
        ``rucio.client.Client``; ``service``: a ready ``Service`` (what the model asks of
        Rucio: tests pass an in-memory one). Credentials given here (password=, token=,
        ...) stay in memory; they are never synced to the page nor saved in the notebook."""
        self._settings_kwargs = dict(settings)
        self._client_kwarg = client
        self._service_kwarg = service
        self._sync_lock = threading.RLock()
        self._model = self._make_model(instance)
        self._dispatcher = Dispatcher(lambda: self._model, self._send_message)
        super().__init__()
        self._apply(self._model.state.as_dict())
        self.set_trait("instances", instance_choices())
        self.instance = self._model.settings.instance or ""
        self.on_msg(self._on_message)
        self.observe(self._on_selected, names="selected")
        self.observe(self._on_error, names="error")
        self.observe(self._on_instance, names="instance")
        self._model.start()
        if selected:
            self._model.set_selected(list(selected))
        if query:
            self._model.search(query, did_type, filters, wait=False)
        else:
            self._apply({"did_type": did_type, "filters": filters})

    def _make_model(self, instance: str | None) -> BrowserModel:
        config, credentials = load_config(instance, **self._settings_kwargs)
        account = getattr(self._client_kwarg, "account", None)
        if account and "account" not in self._settings_kwargs:  # a ready client knows who
            config = dataclasses.replace(config, account=str(account))
        service = self._service_kwarg or RucioService(config, self._client_kwarg, credentials)
        return BrowserModel(service, config, events=_Events(self))

    @property
    def model(self) -> BrowserModel:
        """The widget-free model behind the panel (scripts and tests may drive it)."""
        return self._model

    @property
    def settings(self) -> Settings:
        """The settings in use and where they came from (nothing secret)."""
        return self._model.settings

    def _on_instance(self, change: dict[str, Any]) -> None:
        if change["new"] == (self._model.settings.instance or ""):
            return
        try:
            model = self._make_model(change["new"] or None)
        except RucioWidgetsError as exc:
            self._model.report(exc)
            return
        old, self._model = self._model, model
        old.close()
        self._apply(model.state.as_dict())
        self._apply({"paths": [], "unavailable": [], "selected": []})
        model.start()

    # --- model -> traits / messages -------------------------------------------------------
    def _apply(self, changes: dict[str, Any]) -> None:
        names = set(self.trait_names())
        with self._sync_lock, self.hold_sync():
            for name, value in changes.items():
                if name in names:
                    self.set_trait(name, value)

    def _send_message(self, message: dict[str, Any]) -> None:
        try:
            self.send(message)
        except Exception:  # the comm may be closed while a worker finishes
            log.debug("rucio-widgets: message dropped", exc_info=True)

    # --- traits -> model ------------------------------------------------------------------
    def _on_selected(self, change: dict[str, Any]) -> None:
        if change["new"] != self._model.state.selected:
            try:
                self._model.set_selected(change["new"])
            except RucioWidgetsError as exc:
                self._model.report(exc)

    def _on_error(self, change: dict[str, Any]) -> None:
        if not change["new"] and self._model.state.error:
            self._model.clear_error()

    @traitlets.validate("did_type")
    def _validate_did_type(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).lower()
        if value not in protocol.DID_TYPES:
            raise traitlets.TraitError(
                f"did_type must be one of {', '.join(protocol.DID_TYPES)}, not {value!r}."
            )
        return value

    # --- view -> model ---------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        self._dispatcher.on_message(content)

    # --- Python API -----------------------------------------------------------------------
    def sign_in(
        self,
        *,
        account: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> None:
        """Sign in from Python (e.g. with getpass); raises when Rucio refuses."""
        ok, message = self._model.sign_in(
            account=account, username=username, password=password, token=token
        )
        if not ok:
            raise AuthenticationError(message, "")

    @_api
    def search(
        self, query: str, did_type: str = "all", filters: str = "", timeout: float | None = 120
    ) -> list[Result]:
        """Search as Enter does; return the first page of results once it is in."""
        return self._model.search(query, did_type, filters, wait=True, timeout=timeout)

    @property
    def results(self) -> list[Result]:
        """The rows loaded so far: DID, type, bytes, files, status."""
        return self._model.results

    @_api
    def load_more(
        self, count: int = protocol.PAGE_SIZE, timeout: float | None = 120
    ) -> list[Result]:
        """Read ``count`` more results; return every row loaded so far."""
        return self._model.load_more(count, wait=True, timeout=timeout)

    @_api
    def sort(self, by: str | None = "name", descending: bool = False) -> list[Result]:
        """Sort the loaded results by ``name``, ``bytes`` (size) or ``length`` (files), as
        a click on a column heading does; ``by=None`` goes back to Rucio's order. Only what
        is loaded is sorted (``load_more`` adds rows to the sort); returns the rows in order."""
        self._model.sort(by, descending)
        return self._model.results

    @_api
    def select(self, *dids: str) -> None:
        """Add DIDs (files or collections) to the selection."""
        self._model.select(*dids)

    @_api
    def deselect(self, *dids: str) -> None:
        """Take DIDs out of the selection."""
        self._model.deselect(*dids)

    def clear_selection(self) -> None:
        self._model.set_selected([])

    @_api
    def details(self, did: str) -> dict[str, Any]:
        """Metadata, replicas (with local paths) and rules of one DID."""
        return dict(self._model.details(did))

    @_api
    def rules(self, state: str | None = None, timeout: float | None = 60) -> list[Rule]:
        """Your replication rules, newest first (only those in ``state`` when given: OK,
        REPLICATING, STUCK, SUSPENDED, WAITING_APPROVAL), with lock counts, expiry, error."""
        return self._model.rules(state, timeout)

    @_api
    def extend_rule(self, rule_id: str, days: int) -> Rule:
        """Set a rule's lifetime to ``days`` from now; returns the rule after it."""
        return self._model.extend_rule(rule_id, days)

    @_api
    def boost_rule(self, rule_id: str) -> Rule:
        """Ask Rucio to retry a STUCK rule soon (a rule that is not stuck is left alone)."""
        rule, note = self._model.boost_rule(rule_id)
        log.info("rucio-widgets: %s", note)
        return rule

    @_api
    def delete_rule(self, rule_id: str) -> Rule | None:
        """Delete a rule of yours. Rucio deletes softly: the rule expires within the hour,
        then its replicas may be cleaned up. Returns the rule after it (None: gone)."""
        rule, _ = self._model.delete_rule(rule_id)
        return rule

    @_api
    def quotas(self, timeout: float | None = 60) -> list[Quota]:
        """Your quota per RSE (local limits) and per RSE expression (global limits):
        ``rse, kind, limit, used, remaining`` in bytes, ``None`` for no limit."""
        return self._model.quotas(timeout)

    @_api
    def upload(
        self,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        dataset: str | None = None,
        scope: str | None = None,
        rse: str | None = None,
        lifetime_days: int | None = None,
        timeout: float | None = None,
    ) -> list[str]:
        """Upload local files (paths or globs under the working directory) into Rucio;
        returns their DIDs. ``scope``: yours by default; ``rse``: ``upload_rse`` of
        [widgets] by default; ``dataset`` (``name`` or ``scope:name``) is created if
        missing and the files are attached to it. Files registered already with the same
        bytes are skipped (a re-run is idempotent); other bytes under a registered name are
        refused, and so is an upload over your quota, before any byte moves."""
        return self._model.upload(
            [paths] if isinstance(paths, (str, os.PathLike)) else list(paths),
            dataset=dataset,
            scope=scope,
            rse=rse,
            lifetime_days=lifetime_days,
            timeout=timeout,
        )

    @_api
    def selection_table(self, timeout: float | None = 120) -> SelectionTable:
        """One row per selected file: ``did, dataset, bytes, adler32, md5, status, path,
        rse``; ``.to_pandas()``, ``.to_json(path)``. Waits for the paths to be resolved."""
        return self._model.selection_table(timeout)

    @_api
    def fileset(self, treename: str | None = None, timeout: float | None = 120) -> Fileset:
        """The selection's local paths grouped by the dataset that holds them, as coffea and
        ``uproot.dask`` take it: ``{dataset: {"files": {path: treename}}}`` (lists of paths
        without ``treename``). A selected container gives one entry per dataset inside it,
        a file picked alone its own. Raises NotAvailableError (``.missing``) when a selected
        file has no local path; ``.to_json(path)`` writes it."""
        return self._model.fileset(treename, timeout)

    @property
    def urls(self) -> list[str]:
        """URLs to read the selected files where they are (``root://``, else ``davs://`` or
        ``https://``), one per file that some RSE serves so, in selection order; worked out
        now on a worker (at most 120 s; ``model.urls(timeout=)`` for another limit, and for
        the files that have none). Any available replica serves."""
        found: list[str] = self._urls()
        return found

    @_api
    def _urls(self) -> list[str]:
        return list(self._model.urls().urls.values())

    @_api
    def wait_paths(self, timeout: float | None = 120) -> list[str]:
        """Wait until the selection's paths are resolved; raise if some are unavailable."""
        return self._model.wait_paths(timeout)

    @_api
    def make_available(self, did: str | None = None, **options: Any) -> None:
        """Make ``did`` (default: the whole selection) available: a replication rule to the
        destination in replica mode (an existing covering rule of yours is reused), a
        download into ``download_dir`` in download mode. Returns once Rucio has the
        request (rules are created, downloads queued); ``wait()`` waits for the data.

        Options (replica mode): rse_expression, lifetime_days, grouping, asynchronous, comment.
        """
        self._model.make_available([did] if did else None, make_options(options, strict=True))

    @_api
    def wait(self, timeout: float | None = None) -> list[str]:
        """Wait until every selected file is available; return ``paths``.

        Raises NotAvailableError naming what is missing and its state.
        """
        return self._model.wait(timeout)

    @_api
    def retry(self, did: str) -> None:
        """Retry a STUCK rule or a FAILED download of ``did``."""
        self._model.retry(did)

    @_api
    def cancel_download(self, did: str) -> None:
        """Stop downloading ``did``."""
        self._model.cancel_download(did)

    @_api
    def status(self, did: str, timeout: float | None = 30) -> str:
        """The availability of a DID (AVAILABLE, PARTIALLY_AVAILABLE, REPLICATING, ...):
        known at once for loaded rows, worked out (and waited for, up to ``timeout``) for
        any other; ``model.statuses.get(did)`` has the counts."""
        return self._model.status(did, timeout)["status"]

    @_api
    def sidecar(self, title: str = "Rucio", anchor: str = "split-right") -> Any:
        """Show the panel in a sidecar beside the notebook and return the ``Sidecar``.

        Needs the ``sidecar`` package in this kernel and its JupyterLab extension in the
        server; without them, raises SidecarUnavailableError. JupyterLab's own "Create New
        View for Cell Output" (right-click the output) docks the panel with no extension.
        """
        try:
            from sidecar import Sidecar  # optional: not a dependency of rucio-widgets
        except ImportError:
            raise SidecarUnavailableError(
                "`sidecar` is not installed in this kernel, so the panel cannot open in one."
            ) from None
        from IPython.display import display

        side = Sidecar(title=title, anchor=anchor)
        with side:
            display(self)
        return side

    def close(self) -> None:
        model = getattr(self, "_model", None)  # absent when the constructor failed
        if model is not None:
            model.close()
        super().close()

    def __repr__(self) -> str:
        state = self._model.state
        return (
            f"RucioBrowser(query={state.query!r}, selected={len(state.selected)}, "
            f"paths={len(state.paths)})"
        )
