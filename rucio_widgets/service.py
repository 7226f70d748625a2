"""Everything rucio-widgets asks of Rucio, in one place; returns plain data, knows no widgets.

Listings that can be long (searches, a collection's content, a dataset's files) are read
as streams over httpx, with the Rucio client's own token and error mapping, so a reader
can stop after the first page and close the connection when a newer search replaces it.
Replica lookups are bulk: at most 1,000 DIDs per ``list_replicas`` call, restricted to the
RSEs that matter, with a ``random`` sort (the default geoip sort is wasted server work when
the answer is wanted for one destination).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote_plus

import httpx

from .config import Credentials, Settings
from .errors import (
    AuthenticationError,
    RucioWidgetsError,
    StorageUnavailableError,
    garbled_answer,
    is_timeout,
    looks_like_html,
    silent_server,
    translate,
)
from .rucioclient import Connection, connect, token_lifetime
from .words import clip

log = logging.getLogger(__name__)

DIDKind = Literal["FILE", "DATASET", "CONTAINER"]
T = TypeVar("T")

#: ``list_replicas`` refuses more DIDs than this in one call.
REPLICA_CHUNK = 1000


def _shared(text: object) -> str:
    """One string object for a value that repeats across rows (a scope, a type): 100,000
    rows of a search hold one ``"bench"``, not 100,000 copies of it."""
    return sys.intern(str(text))


@dataclass(frozen=True, slots=True)
class DIDRow:
    """One DID as the browser keeps it: slotted, its scope and type shared (a 100,000-row
    search holds 100,000 of them)."""

    scope: str
    name: str
    type: str  # FILE | DATASET | CONTAINER
    bytes: int | None = None
    length: int | None = None
    adler32: str | None = None  # files, where the listing carries them
    md5: str | None = None

    @property
    def did(self) -> str:
        return f"{self.scope}:{self.name}"

    @property
    def kind(self) -> DIDKind:
        """The type as the protocol spells it (unknown types read as FILE)."""
        return self.type if self.type in ("DATASET", "CONTAINER") else "FILE"  # type: ignore[return-value]

    @classmethod
    def from_rucio(cls, data: dict[str, Any]) -> DIDRow:
        kind = data.get("did_type") or data.get("type") or "FILE"
        return cls(
            scope=_shared(data["scope"]),
            name=str(data["name"]),
            type=_shared(str(kind).upper().replace("DIDTYPE.", "")),
            bytes=data.get("bytes"),
            length=data.get("length"),
            adler32=data.get("adler32"),
            md5=data.get("md5"),
        )

    @classmethod
    def file_of(cls, data: dict[str, Any]) -> DIDRow:
        """A row of a file listing (``list_files``: scope, name, bytes, checksums)."""
        return cls(
            scope=_shared(data["scope"]),
            name=str(data["name"]),
            type="FILE",
            bytes=data.get("bytes"),
            adler32=data.get("adler32"),
            md5=data.get("md5"),
        )


@dataclass(frozen=True)
class FileReplicas:
    """Where one file has replicas: RSE -> PFNs (only AVAILABLE replicas unless all_states)."""

    did: str
    bytes: int | None
    pfns: dict[str, list[str]]
    states: dict[str, str]
    #: The collections above the file (all of them, datasets and containers), when asked.
    parents: tuple[str, ...] = ()


class Stream(Protocol):
    """A listing read as it arrives; ``close()`` stops it from any thread."""

    def __iter__(self) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...


class Service(Protocol):
    """What the model asks of Rucio. ``RucioService`` is the real one; the tests have an
    in-memory stand-in. Every call blocks: the model runs them on workers."""

    settings: Settings

    @property
    def client(self) -> Any:
        """The rucio Client (downloads, uploads: Rucio's own clients need it)."""
        ...

    def sign_in(
        self,
        *,
        account: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> Any: ...

    def sign_out(self) -> None: ...

    def ensure_signed_in(self) -> None: ...

    def credentials_hint(self) -> dict[str, str]: ...

    def auth_state(self) -> dict[str, Any]: ...

    def prepare(self) -> None: ...

    def close(self) -> None: ...

    def whoami(self) -> dict[str, Any]: ...

    def list_scopes(self) -> list[str]: ...

    def account_scopes(self, account: str) -> list[str]: ...

    def rses(self, expression: str) -> list[str]: ...

    def search(self, scope: str, filters: list[dict[str, Any]], did_type: str) -> Stream: ...

    def content(self, scope: str, name: str) -> Stream: ...

    def files(self, scope: str, name: str) -> Stream: ...

    def file_rows(self, scope: str, name: str) -> list[DIDRow]: ...

    def get_did(self, scope: str, name: str) -> DIDRow: ...

    def metadata_bulk(self, dids: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]: ...

    def replicas(
        self,
        files: Sequence[tuple[str, str]],
        rse_expression: str | None,
        *,
        all_states: bool = False,
        schemes: Sequence[str] | None = None,
    ) -> Iterator[FileReplicas]: ...

    def dataset_replicas(self, dids: Sequence[tuple[str, str]]) -> list[dict[str, Any]]: ...

    def collection_files(
        self, collections: Sequence[tuple[str, str]], rse_expression: str | None
    ) -> Iterator[FileReplicas]: ...

    def collection_replicas(self, scope: str, name: str) -> list[dict[str, Any]]: ...

    def metadata(self, scope: str, name: str) -> dict[str, Any]: ...

    def did_rules(self, scope: str, name: str) -> list[dict[str, Any]]: ...

    def associated_rules(self, scope: str, name: str) -> list[dict[str, Any]]: ...

    def account_rules(self, account: str) -> list[dict[str, Any]]: ...

    def get_rule(self, rule_id: str) -> dict[str, Any]: ...

    def add_rule(
        self,
        scope: str,
        name: str,
        rse_expression: str,
        *,
        lifetime: int | None,
        grouping: str,
        asynchronous: bool,
        comment: str | None,
        ask_approval: bool = False,
    ) -> str | None: ...

    def boost_rule(self, rule_id: str) -> None: ...

    def update_rule(self, rule_id: str, options: dict[str, Any]) -> None: ...

    def delete_rule(self, rule_id: str) -> None: ...

    def examine_rule(self, rule_id: str) -> dict[str, Any]: ...

    def local_usage(self, account: str) -> list[dict[str, Any]]: ...

    def global_usage(self, account: str) -> list[dict[str, Any]]: ...

    def parents(self, scope: str, name: str) -> list[dict[str, Any]]: ...

    def add_dataset(self, scope: str, name: str) -> bool: ...

    def attach(self, scope: str, name: str, files: Sequence[tuple[str, str]]) -> None: ...

    def upload(self, items: Sequence[dict[str, Any]]) -> None: ...


class JsonLineStream:
    """A GET whose answer is read line by line; ``close()`` stops it from any thread."""

    def __init__(
        self, service: RucioService, path: str, params: dict[str, Any] | None, doing: str
    ) -> None:
        self._service = service
        self._path = path
        self._params = params
        self._doing = doing
        self._response: httpx.Response | None = None
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for attempt in (1, 2):
            if self._closed.is_set():
                return
            try:
                response = self._service._open_stream(self._path, self._params)
            except httpx.HTTPError as exc:
                if self._closed.is_set():
                    return
                raise self._service.failure(exc, self._doing) from exc
            self._response = response
            try:
                if response.status_code == 401 and attempt == 1:
                    self._service.refresh_token()
                    continue
                if response.status_code != 200:
                    raise self._service._error_from(response, self._doing)
                yield from self._rows(response)
                return
            except httpx.HTTPError as exc:
                if self._closed.is_set():
                    return  # closed from another thread: the reader stops quietly
                raise self._service.failure(exc, self._doing) from exc
            finally:
                response.close()

    def _rows(self, response: httpx.Response) -> Iterator[dict[str, Any]]:
        for line in response.iter_lines():
            if self._closed.is_set():
                return
            if not line:
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            if not isinstance(row, dict):
                raise garbled_answer(self._service.host, response.status_code, line, self._doing)
            yield row

    def close(self) -> None:
        self._closed.set()
        response = self._response
        if response is not None:
            response.close()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()


class RucioService:
    """The Rucio calls of rucio-widgets. Thread-safe; every call blocks: run it on a worker."""

    def __init__(
        self, settings: Settings, client: Any = None, credentials: Credentials | None = None
    ) -> None:
        self.settings = settings
        self._credentials = credentials or Credentials()
        self._connection: Connection | None = None
        if client is not None:  # a ready client from the caller: it signs in by itself
            auth_type = str(getattr(client, "auth_type", "") or "client")
            self._connection = Connection(client, auth_type, None, None)
        self._lock = threading.RLock()
        self._http: httpx.Client | None = None

    # --- connection -----------------------------------------------------------------------
    @property
    def connection(self) -> Connection:
        with self._lock:
            if self._connection is None:
                self._connection = connect(self.settings, self._credentials)
            return self._connection

    @property
    def client(self) -> Any:
        connection = self.connection
        connection.refresh_token()
        return connection.client

    @property
    def signed_in(self) -> bool:
        return self._connection is not None

    def ensure_signed_in(self) -> None:
        """Sign in now (raises NotSignedInError when the credentials do not work)."""
        self.connection  # noqa: B018 - the property signs in

    def sign_in(
        self,
        *,
        account: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
    ) -> Connection:
        """Sign in with what the panel's form sent (kept in memory only)."""
        changes: dict[str, Any] = {}
        if username:
            changes["username"] = username
        if password is not None:
            changes["password"] = password
        if token:
            changes.update(token=token, token_file=None, token_env=None)
        credentials = replace(self._credentials, **changes)
        settings = self.settings
        if account:
            settings = replace(settings, account=account)
        elif username and (settings.auth_type or "userpass") == "userpass" and not settings.account:
            settings = replace(settings, account=username)
        connection = connect(settings, credentials)
        with self._lock:
            self._credentials, self.settings, self._connection = credentials, settings, connection
            self._close_http()
        return connection

    def sign_out(self) -> None:
        with self._lock:
            self._connection = None
            self._credentials = replace(self._credentials, password=None, token=None)
            self._close_http()

    def credentials_hint(self) -> dict[str, str]:
        """What the sign-in form may prefill: the account and the username, nothing secret."""
        return {
            "account": self.settings.account or "",
            "username": self._credentials.username or "",
        }

    def auth_state(self) -> dict[str, Any]:
        """The ``auth`` trait when signed in (nothing secret)."""
        connection = self.connection
        if connection.expires_at is None:
            connection.expires_at = token_lifetime(connection)
        expires = connection.expires_at
        return {
            "state": "signed_in",
            "auth_type": connection.auth_type,
            "account": str(connection.client.account or ""),
            "username": self._credentials.username or "",
            "expires_at": expires.isoformat() if expires else None,
            "message": "",
        }

    @property
    def http(self) -> httpx.Client:
        client = self.client  # sign in before building the HTTP client
        with self._lock:
            if self._http is None:
                verify: Any = True
                if client.ca_cert not in (None, True, ""):
                    verify = client.ca_cert
                wait = self.settings.request_timeout
                self._http = httpx.Client(
                    # read: the longest silence between two chunks of an answer
                    timeout=httpx.Timeout(
                        connect=min(10.0, wait), read=wait, write=wait, pool=wait
                    ),
                    verify=verify,
                )
            return self._http

    def prepare(self) -> None:
        """Build the HTTP client now, so the first listing does not pay for it."""
        self.http  # noqa: B018 - the property builds it

    def refresh_token(self) -> None:
        """Make the Rucio client fetch a fresh token (it does so on a 401 of its own)."""
        try:
            self.client.whoami()
        except Exception as exc:
            raise translate(exc, doing="renewing the Rucio token") from exc

    def _headers(self) -> dict[str, str]:
        client = self.client
        headers = {"X-Rucio-Auth-Token": client.auth_token or "", "X-Rucio-VO": client.vo}
        if client.account:
            headers["X-Rucio-Account"] = client.account
        return headers

    def _open_stream(self, path: str, params: dict[str, Any] | None) -> httpx.Response:
        from rucio.common.utils import build_url

        url = build_url(self.client.host, path=path, params=params)
        request = self.http.build_request("GET", url, headers=self._headers())
        return self.http.send(request, stream=True)

    @property
    def host(self) -> str:
        return str(self.settings.rucio_host or "")

    def failure(self, exc: BaseException, doing: str) -> RucioWidgetsError:
        """The project's error for a failed request: a silent server is named as such."""
        if isinstance(exc, RucioWidgetsError):
            return exc
        if is_timeout(exc):
            return silent_server(self.host, self.settings.request_timeout, doing)
        text = str(exc).split("Details:", 1)[-1]
        if looks_like_html(text):  # a proxy's error page
            return garbled_answer(self.host, None, text, doing)
        lost = re.search(r"no error information passed \(http status code: (\d+)\)", text)
        if lost:  # the Rucio client found no Rucio error in the answer: not Rucio's
            return garbled_answer(self.host, int(lost.group(1)), "", doing)
        return translate(exc, doing=doing, auth_type=self.settings.auth_type or "userpass")

    def _error_from(self, response: httpx.Response, doing: str) -> RucioWidgetsError:
        body = response.read()
        if "json" not in response.headers.get("content-type", "") and not response.headers.get(
            "ExceptionClass"
        ):
            return garbled_answer(self.host, response.status_code, body, doing)
        exc_cls, message = self.client._get_exception(
            headers=response.headers, status_code=response.status_code, data=body
        )
        return translate(
            exc_cls(message), doing=doing, auth_type=self.settings.auth_type or "userpass"
        )

    def _close_http(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def close(self) -> None:
        with self._lock:
            self._close_http()

    # --- who and where --------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        return dict(self._call("asking who you are", lambda c: c.whoami()))

    def list_scopes(self) -> list[str]:
        return sorted(self._call("listing scopes", lambda c: list(c.list_scopes())))

    def account_scopes(self, account: str) -> list[str]:
        return sorted(
            self._call("listing your scopes", lambda c: list(c.list_scopes_for_account(account)))
        )

    def rses(self, expression: str) -> list[str]:
        """The RSEs an expression selects (raises when it selects none)."""
        found = self._call(
            f"evaluating the RSE expression `{expression}`",
            lambda c: [r["rse"] for r in c.list_rses(expression)],
        )
        return sorted(found)

    # --- listings (streams) ---------------------------------------------------------------
    def search(self, scope: str, filters: list[dict[str, Any]], did_type: str) -> JsonLineStream:
        """Stream the DIDs of ``scope`` matching ``filters`` (rows as DIDRow-ready dicts)."""
        params = {"type": did_type, "filters": filters, "long": True, "recursive": False}
        path = "/".join(["dids", quote_plus(scope), "dids", "search"])
        return JsonLineStream(self, path, params, doing=f"searching {scope}")

    def content(self, scope: str, name: str) -> JsonLineStream:
        """Stream the direct children of a dataset or container."""
        path = "/".join(["dids", quote_plus(scope), quote_plus(name), "dids"])
        return JsonLineStream(self, path, None, doing=f"listing {scope}:{name}")

    def files(self, scope: str, name: str) -> JsonLineStream:
        """Stream every file below a DID (a file lists itself)."""
        path = "/".join(["dids", quote_plus(scope), quote_plus(name), "files"])
        return JsonLineStream(self, path, None, doing=f"listing the files of {scope}:{name}")

    def file_rows(self, scope: str, name: str) -> list[DIDRow]:
        """Every file below a DID, as rows (a file lists itself)."""
        return [DIDRow.file_of(f) for f in self.files(scope, name)]

    # --- bulk look-ups --------------------------------------------------------------------
    def get_did(self, scope: str, name: str) -> DIDRow:
        data = self._call(f"looking up {scope}:{name}", lambda c: c.get_did(scope, name))
        return DIDRow.from_rucio(data)

    def metadata_bulk(self, dids: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """Column metadata (type, bytes, length, ...) of many DIDs in one call per 1,000."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(dids), REPLICA_CHUNK):
            chunk = [{"scope": s, "name": n} for s, n in dids[start : start + REPLICA_CHUNK]]

            def read(client: Any, chunk: list[dict[str, str]] = chunk) -> list[dict[str, Any]]:
                return list(client.get_metadata_bulk(chunk))

            rows = self._call("reading metadata", read)
            for row in rows:
                found[f"{row['scope']}:{row['name']}"] = row
        return found

    def replicas(
        self,
        files: Sequence[tuple[str, str]],
        rse_expression: str | None,
        *,
        all_states: bool = False,
        schemes: Sequence[str] | None = None,
    ) -> Iterator[FileReplicas]:
        """Replicas of ``files`` on the RSEs of ``rse_expression``: one call per 1,000 files,
        yielded as the server sends them (so paths appear progressively). ``schemes``: only
        PFNs of these protocols (RSEs that serve none of them are left out)."""
        for start, stop in replica_chunks(len(files)):
            chunk = [{"scope": s, "name": n} for s, n in files[start:stop]]
            try:
                stream = self.client.list_replicas(
                    chunk,
                    rse_expression=rse_expression,
                    all_states=all_states,
                    sort="random",
                    resolve_archives=False,
                    schemes=list(schemes) if schemes else None,
                )
                for item in stream:
                    yield FileReplicas(
                        did=f"{item['scope']}:{item['name']}",
                        bytes=item.get("bytes"),
                        pfns={rse: list(pfns) for rse, pfns in (item.get("rses") or {}).items()},
                        states={
                            rse: str(state) for rse, state in (item.get("states") or {}).items()
                        },
                    )
            except Exception as exc:
                raise self.failure(exc, "looking up replicas") from exc

    def collection_files(
        self, collections: Sequence[tuple[str, str]], rse_expression: str | None
    ) -> Iterator[FileReplicas]:
        """The files of many collections with the collections above each one, in one
        ``list_replicas`` per 1,000 collections. With ``rse_expression``, only the files
        that have an AVAILABLE replica on those RSEs come back."""
        for start in range(0, len(collections), REPLICA_CHUNK):
            chunk = [{"scope": s, "name": n} for s, n in collections[start : start + REPLICA_CHUNK]]
            try:
                stream = self.client.list_replicas(
                    chunk,
                    rse_expression=rse_expression,
                    sort="random",
                    resolve_archives=False,
                    resolve_parents=True,
                )
                for item in stream:
                    yield FileReplicas(
                        did=f"{item['scope']}:{item['name']}",
                        bytes=item.get("bytes"),
                        pfns={rse: list(pfns) for rse, pfns in (item.get("rses") or {}).items()},
                        states={},
                        parents=tuple(str(p) for p in item.get("parents") or ()),
                    )
            except Exception as exc:
                raise self.failure(exc, "counting the files of collections") from exc

    def dataset_replicas(self, dids: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Per-RSE availability of datasets (available_length, length), one call in all."""
        if not dids:
            return []
        chunk = [{"scope": s, "name": n} for s, n in dids]
        return self._call(
            "looking up dataset replicas", lambda c: list(c.list_dataset_replicas_bulk(chunk))
        )

    def collection_replicas(self, scope: str, name: str) -> list[dict[str, Any]]:
        """Per-RSE availability of a container (deep: computed from its datasets' files)."""
        return self._call(
            f"looking up replicas of {scope}:{name}",
            lambda c: list(c.list_dataset_replicas(scope, name, deep=True)),
        )

    def metadata(self, scope: str, name: str) -> dict[str, Any]:
        """Metadata of one DID from every plugin (column metadata alone where the server's
        custom plugin cannot answer: SQLite servers answer 500 to plugin ALL)."""
        for plugin in ("ALL", "DID_COLUMN"):
            try:
                return dict(self.client.get_metadata(scope, name, plugin=plugin))
            except Exception as exc:
                if plugin == "DID_COLUMN":
                    raise translate(exc, doing=f"reading the metadata of {scope}:{name}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    # --- rules ----------------------------------------------------------------------------
    def did_rules(self, scope: str, name: str) -> list[dict[str, Any]]:
        return self._call(
            f"listing the rules of {scope}:{name}", lambda c: list(c.list_did_rules(scope, name))
        )

    def associated_rules(self, scope: str, name: str) -> list[dict[str, Any]]:
        """Rules that hold a lock on a file, including rules on its datasets and containers."""
        return self._call(
            f"listing the rules of {scope}:{name}",
            lambda c: list(c.list_associated_rules_for_file(scope, name)),
        )

    def account_rules(self, account: str) -> list[dict[str, Any]]:
        return self._call("listing your rules", lambda c: list(c.list_account_rules(account)))

    def get_rule(self, rule_id: str) -> dict[str, Any]:
        return dict(self._call("checking a rule", lambda c: c.get_replication_rule(rule_id)))

    def add_rule(
        self,
        scope: str,
        name: str,
        rse_expression: str,
        *,
        lifetime: int | None,
        grouping: str,
        asynchronous: bool,
        comment: str | None,
        ask_approval: bool = False,
    ) -> str | None:
        """Add a rule with one copy; its id, or None when an identical rule exists."""
        from rucio.common.exception import DuplicateRule

        try:
            ids = self.client.add_replication_rule(
                [{"scope": scope, "name": name}],
                1,
                rse_expression,
                lifetime=lifetime,
                grouping=grouping,
                asynchronous=asynchronous,
                comment=comment,
                ask_approval=ask_approval,
            )
        except DuplicateRule:
            return None
        except Exception as exc:
            raise translate(exc, doing=f"requesting {scope}:{name} on {rse_expression}") from exc
        return str(ids[0])

    def boost_rule(self, rule_id: str) -> None:
        """Ask Rucio to retry a stuck rule soon (the judge-repairer picks boosted rules)."""
        self._call(
            "retrying a rule", lambda c: c.update_replication_rule(rule_id, {"boost_rule": True})
        )

    def update_rule(self, rule_id: str, options: dict[str, Any]) -> None:
        self._call("changing a rule", lambda c: c.update_replication_rule(rule_id, options))

    def delete_rule(self, rule_id: str) -> None:
        """Rucio's soft deletion: the rule expires within the hour, then a cleaner removes it."""
        self._call("deleting a rule", lambda c: c.delete_replication_rule(rule_id))

    def examine_rule(self, rule_id: str) -> dict[str, Any]:
        return dict(
            self._call("examining a rule", lambda c: c.examine_replication_rule(rule_id)) or {}
        )

    def local_usage(self, account: str) -> list[dict[str, Any]]:
        """Per RSE: bytes used, the limit and what remains (RSEs with a limit or usage)."""
        return self._call("reading your quotas", lambda c: list(c.get_local_account_usage(account)))

    def global_usage(self, account: str) -> list[dict[str, Any]]:
        """Per RSE expression with a global limit: bytes used, the limit, what remains."""
        return self._call(
            "reading your quotas", lambda c: list(c.get_global_account_usage(account))
        )

    def parents(self, scope: str, name: str) -> list[dict[str, Any]]:
        return self._call(
            f"listing the parents of {scope}:{name}",
            lambda c: list(c.list_parent_dids(scope, name)),
        )

    # --- uploads --------------------------------------------------------------------------
    def add_dataset(self, scope: str, name: str) -> bool:
        """Create an open dataset; False when it exists already."""
        from rucio.common.exception import DataIdentifierAlreadyExists

        try:
            self.client.add_dataset(scope, name)
        except DataIdentifierAlreadyExists:
            return False
        except Exception as exc:
            raise translate(exc, doing=f"creating dataset {scope}:{name}") from exc
        return True

    def attach(self, scope: str, name: str, files: Sequence[tuple[str, str]]) -> None:
        """Attach files to a dataset (those attached already are fine)."""
        from rucio.common.exception import FileAlreadyExists

        for start in range(0, len(files), REPLICA_CHUNK):
            chunk = [{"scope": s, "name": n} for s, n in files[start : start + REPLICA_CHUNK]]
            try:
                self.client.attach_dids(scope, name, chunk)
            except FileAlreadyExists:
                for item in chunk:  # some were there: attach the others one by one
                    try:
                        self.client.attach_dids(scope, name, [item])
                    except FileAlreadyExists:
                        continue
            except Exception as exc:
                raise translate(exc, doing=f"attaching files to {scope}:{name}") from exc

    def upload(self, items: Sequence[dict[str, Any]]) -> None:
        """Upload with Rucio's UploadClient: each file is copied to the RSE, checked, and
        only then registered (``register_after_upload``), so a copy that breaks off leaves
        no replica for bytes that never arrived (StorageUnavailableError says which)."""
        from rucio.client.uploadclient import UploadClient

        reasons = _UploadLog()
        try:
            UploadClient(_client=self.client, logger=reasons).upload(list(items))
        except Exception as exc:
            if type(exc).__name__ in ("NoFilesUploaded", "NotAllFilesUploaded"):
                names = ", ".join(clip(Path(str(i["path"])).name, 60) for i in items[:3])
                rses = ", ".join(sorted({str(i["rse"]) for i in items}))
                why = f" ({clip(reasons.failures[-1], 200)})" if reasons.failures else ""
                raise StorageUnavailableError(
                    f"The storage of {rses} did not take {names}{why}; nothing was "
                    "registered for it."
                ) from exc
            raise translate(exc, doing="uploading") from exc

    # --- helpers --------------------------------------------------------------------------
    def _call(self, doing: str, fn: Callable[[Any], T]) -> T:
        try:
            return fn(self.client)
        except RucioWidgetsError:
            raise
        except Exception as exc:
            error = self.failure(exc, doing)
            if isinstance(error, AuthenticationError):
                log.debug("authentication failed while %s", doing)
            raise error from exc


class _UploadLog:
    """A logger for Rucio's upload client: warnings go to ``rucio_widgets.upload``, and
    why an attempt failed (which the client tells only its log) is kept."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("rucio_widgets.upload")
        self.failures: list[str] = []

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        text = str(msg) % args if args else str(msg)
        if text.startswith("Exception: "):  # Rucio's wrappers, then the storage's words
            said = text.removeprefix("Exception: ").rsplit("Details:", 1)[-1]
            self.failures.append(" ".join(said.split()))
        if level >= logging.WARNING:
            self.logger.log(level, text)


#: The first replica call asks for this many files, so the first paths show within a
#: fraction of a second; the rest go 1,000 at a time.
FIRST_REPLICA_CHUNK = 100


def replica_chunks(count: int) -> list[tuple[int, int]]:
    """(start, stop) of each list_replicas call for ``count`` files: up to REPLICA_CHUNK (the
    server's limit) in one call; more start with a small chunk, then REPLICA_CHUNK each.
    (The selection's resolution sends its own small first batch, then batches of
    REPLICA_CHUNK, each of them one call.)"""
    if count <= REPLICA_CHUNK:
        return [(0, count)] if count else []
    bounds = [(0, FIRST_REPLICA_CHUNK)]
    for start in range(FIRST_REPLICA_CHUNK, count, REPLICA_CHUNK):
        bounds.append((start, min(start + REPLICA_CHUNK, count)))
    return bounds
