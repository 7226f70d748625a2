"""An in-memory stand-in of ``rucio_widgets.service.Service``, for testing the model and the
widget without a server. It keeps a small catalogue (DIDs, files, replicas, rules) and
counts the calls made to it, so tests can check that work is done in bulk.

It is not a Rucio: it matches names with ``fnmatch`` and understands only the ``name`` and
``type`` keys of a search's filters. Everything Rucio itself decides is tested against the
real sandbox (tests/integration).
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rucio_widgets.config import Settings
from rucio_widgets.errors import NotFoundError, PermissionDeniedError, RucioWidgetsError
from rucio_widgets.service import DIDRow, FileReplicas


@dataclass
class Entry:
    scope: str
    name: str
    type: str  # FILE | DATASET | CONTAINER
    bytes: int | None = None
    children: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def did(self) -> str:
        return f"{self.scope}:{self.name}"


class FakeStream:
    """A listing that can be closed from another thread, and that can be made to wait
    before each row (``gate``) so a test can catch it in flight."""

    def __init__(self, rows: list[dict[str, Any]], gate: threading.Event | None = None) -> None:
        self._rows = rows
        self._gate = gate
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._rows:
            if self._gate is not None:
                while not self._gate.wait(0.01):
                    if self._closed.is_set():
                        return
            if self._closed.is_set():
                return
            yield row

    def close(self) -> None:
        self._closed.set()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()


class FakeService:
    def __init__(self, settings: Settings, account: str = "alice") -> None:
        self.settings = settings
        self.account = account
        self.entries: dict[str, Entry] = {}
        self.rse_names: set[str] = set()
        #: file DID -> {rse: pfn}
        self.file_replicas: dict[str, dict[str, str]] = {}
        #: datasets that a rule placed: only these have dataset-replica rows (as in Rucio)
        self.placed: set[str] = set()
        self.rules: dict[str, dict[str, Any]] = {}
        self.deleted_rules: list[str] = []
        #: When set, file listings wait for it (to hold a background look back).
        self.gate_file_rows: threading.Event | None = None
        self.gate_files: threading.Event | None = None
        #: RSE -> (limit in bytes or None, bytes used), as get_local_account_usage tells.
        self.quota: dict[str, tuple[int | None, int]] = {}
        self.calls: Counter[str] = Counter()
        self.streams: list[FakeStream] = []
        #: call name -> error raised by the next such call
        self.fail: dict[str, Exception] = {}
        #: when set, search streams wait on it before each row
        self.search_gate: threading.Event | None = None
        self._ids = itertools.count(1)
        self.signed_in = True
        #: RSE -> the folder where this host sees its storage: a placed replica's bytes
        #: appear there at the PFN's path after /data/rucio (path_begins_at = 2)
        self.mounts: dict[str, Path] = {}

    # --- building the catalogue ------------------------------------------------------------
    def add_rse(self, *names: str) -> None:
        self.rse_names.update(names)

    def add_dataset(
        self,
        did: str,
        files: int,
        *,
        size: int = 100,
        on: Sequence[str] = (),
        placed: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> list[str]:
        scope, name = did.split(":")
        names = [f"{scope}:{name}.f{i:04d}" for i in range(files)]
        self.entries[did] = Entry(scope, name, "DATASET", files * size, names, metadata or {})
        for file in names:
            fscope, fname = file.split(":")
            self.entries[file] = Entry(fscope, fname, "FILE", size)
            for rse in on:
                self.place(file, rse)
        if placed:
            self.placed.add(did)
        return names

    def add_container(self, did: str, children: Sequence[str]) -> None:
        scope, name = did.split(":")
        self.entries[did] = Entry(scope, name, "CONTAINER", None, list(children))

    def place(self, file: str, rse: str) -> None:
        scope, name = file.split(":")
        self.file_replicas.setdefault(file, {})[rse] = (
            f"root://{rse.lower()}.example.org:1094//data/rucio/{scope}/{name}"
        )
        if rse in self.mounts:
            local = self.mounts[rse] / scope / name
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_bytes(b"x" * (self.entries[file].bytes or 0))

    def finish_rule(self, rule_id: str) -> None:
        """The transfers of a rule are done: replicas land, the rule is OK."""
        rule = self.rules[rule_id]
        did = f"{rule['scope']}:{rule['name']}"
        for file in self._files(did):
            self.place(file, rule["rse_expression"])
        if self.entries[did].type == "DATASET":
            self.placed.add(did)
        rule.update(state="OK", locks_ok_cnt=len(self._files(did)), locks_replicating_cnt=0)

    # --- helpers ------------------------------------------------------------------------------
    def _call(self, name: str) -> None:
        self.calls[name] += 1
        error = self.fail.pop(name, None)
        if error is not None:
            raise error

    def _entry(self, did: str) -> Entry:
        entry = self.entries.get(did)
        if entry is None:
            raise NotFoundError(f"Not found: {did}.", "Check the scope and name.")
        return entry

    def _files(self, did: str) -> list[str]:
        entry = self._entry(did)
        if entry.type == "FILE":
            return [did]
        return [f for child in entry.children for f in self._files(child)]

    def _row(self, entry: Entry) -> dict[str, Any]:
        length = len(self._files(entry.did)) if entry.type != "FILE" else None
        row: dict[str, Any] = {
            "scope": entry.scope,
            "name": entry.name,
            "did_type": entry.type,
            "bytes": entry.bytes,
            "length": length,
        }
        if entry.type == "FILE":  # checksums made up from the name, stable per file
            digest = hashlib.md5(entry.did.encode()).hexdigest()
            row.update(adler32=digest[:8], md5=digest)
        return row

    def _expression(self, expression: str) -> set[str]:
        return {rse for rse in expression.split("|") if rse in self.rse_names}

    # --- Service -----------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        raise RucioWidgetsError("The fake service has no rucio client.")

    def sign_in(self, **credentials: Any) -> Any:
        self._call("sign_in")
        self.signed_in = True

    def sign_out(self) -> None:
        self.signed_in = False

    def ensure_signed_in(self) -> None:
        self._call("ensure_signed_in")

    def credentials_hint(self) -> dict[str, str]:
        return {"account": self.account, "username": self.account}

    def auth_state(self) -> dict[str, Any]:
        return {
            "state": "signed_in",
            "auth_type": "userpass",
            "account": self.account,
            "username": self.account,
            "expires_at": None,
            "message": "",
        }

    def prepare(self) -> None:
        pass

    def close(self) -> None:
        pass

    def whoami(self) -> dict[str, Any]:
        self._call("whoami")
        return {"account": self.account}

    def list_scopes(self) -> list[str]:
        self._call("list_scopes")
        return sorted({e.scope for e in self.entries.values()})

    def account_scopes(self, account: str) -> list[str]:
        self._call("account_scopes")
        return [f"user.{account}"]

    def rses(self, expression: str) -> list[str]:
        self._call("rses")
        return sorted(self._expression(expression))

    def search(self, scope: str, filters: list[dict[str, Any]], did_type: str) -> FakeStream:
        self._call("search")
        pattern = str(filters[0].get("name", "*")) if filters else "*"
        kinds = {"all": None, "collection": {"DATASET", "CONTAINER"}}.get(
            did_type, {did_type.upper()}
        )
        rows = [
            self._row(e)
            for e in self.entries.values()
            if e.scope == scope
            and fnmatch.fnmatchcase(e.name, pattern)
            and (kinds is None or e.type in kinds)
        ]
        stream = FakeStream(rows, self.search_gate)
        self.streams.append(stream)
        return stream

    def content(self, scope: str, name: str) -> FakeStream:
        self._call("content")
        entry = self._entry(f"{scope}:{name}")
        return FakeStream([self._row(self.entries[c]) for c in entry.children])

    def files(self, scope: str, name: str) -> FakeStream:
        """The files below a DID as a stream; ``gate_files`` holds each row back."""
        self._call("files")
        stream = FakeStream(
            [self._row(self.entries[f]) for f in self._files(f"{scope}:{name}")], self.gate_files
        )
        self.streams.append(stream)
        return stream

    def file_rows(self, scope: str, name: str) -> list[DIDRow]:
        if self.gate_file_rows is not None:
            self.gate_file_rows.wait(10)
        self._call("file_rows")
        return [
            DIDRow.from_rucio(self._row(self.entries[f])) for f in self._files(f"{scope}:{name}")
        ]

    def get_did(self, scope: str, name: str) -> DIDRow:
        self._call("get_did")
        return DIDRow.from_rucio(self._row(self._entry(f"{scope}:{name}")))

    def metadata_bulk(self, dids: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        self._call("metadata_bulk")
        return {
            f"{s}:{n}": self._row(self.entries[f"{s}:{n}"])
            for s, n in dids
            if f"{s}:{n}" in self.entries
        }

    def replicas(
        self,
        files: Sequence[tuple[str, str]],
        rse_expression: str | None,
        *,
        all_states: bool = False,
        schemes: Sequence[str] | None = None,
    ) -> Iterator[FileReplicas]:
        self._call("replicas")
        wanted = self._expression(rse_expression) if rse_expression else None
        for scope, name in files:
            did = f"{scope}:{name}"
            if did not in self.entries:
                continue
            pfns = {
                rse: [pfn]
                for rse, pfn in self.file_replicas.get(did, {}).items()
                if (wanted is None or rse in wanted)
                and (not schemes or pfn.split("://", 1)[0] in schemes)
            }
            yield FileReplicas(did, self.entries[did].bytes, pfns, dict.fromkeys(pfns, "AVAILABLE"))

    def _parents(self, did: str) -> tuple[str, ...]:
        direct = [e.did for e in self.entries.values() if did in e.children]
        return tuple(dict.fromkeys(d for p in direct for d in (p, *self._parents(p))))

    def collection_files(
        self, collections: Sequence[tuple[str, str]], rse_expression: str | None
    ) -> Iterator[FileReplicas]:
        self._call("collection_files")
        wanted = self._expression(rse_expression) if rse_expression else None
        seen: set[str] = set()
        for scope, name in collections:
            for file in self._files(f"{scope}:{name}"):
                if file in seen:
                    continue
                seen.add(file)
                pfns = {
                    rse: [pfn]
                    for rse, pfn in self.file_replicas.get(file, {}).items()
                    if wanted is None or rse in wanted
                }
                if wanted is not None and not pfns:
                    continue  # as Rucio: with RSEs given, files without a replica there are out
                yield FileReplicas(file, self.entries[file].bytes, pfns, {}, self._parents(file))

    def _counts(self, did: str) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for file in self._files(did):
            counts.update(self.file_replicas.get(file, {}).keys())
        return dict(counts)

    def dataset_replicas(self, dids: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        self._call("dataset_replicas")
        out = []
        for scope, name in dids:
            did = f"{scope}:{name}"
            if did not in self.placed:
                continue
            total = len(self._files(did))
            for rse, available in self._counts(did).items():
                out.append(
                    {
                        "scope": scope,
                        "name": name,
                        "rse": rse,
                        "available_length": available,
                        "length": total,
                    }
                )
        return out

    def collection_replicas(self, scope: str, name: str) -> list[dict[str, Any]]:
        self._call("collection_replicas")
        did = f"{scope}:{name}"
        total = len(self._files(did))
        return [
            {
                "rse": rse,
                "state": "AVAILABLE" if n == total else "UNAVAILABLE",
                "available_length": n,
                "length": total,
            }
            for rse, n in self._counts(did).items()
        ]

    def metadata(self, scope: str, name: str) -> dict[str, Any]:
        self._call("metadata")
        entry = self._entry(f"{scope}:{name}")
        return {**self._row(entry), **entry.metadata}

    def did_rules(self, scope: str, name: str) -> list[dict[str, Any]]:
        self._call("did_rules")
        return [dict(r) for r in self.rules.values() if (r["scope"], r["name"]) == (scope, name)]

    def associated_rules(self, scope: str, name: str) -> list[dict[str, Any]]:
        self._call("associated_rules")
        did = f"{scope}:{name}"
        return [
            dict(r) for r in self.rules.values() if did in self._files(f"{r['scope']}:{r['name']}")
        ]

    def account_rules(self, account: str) -> list[dict[str, Any]]:
        self._call("account_rules")
        return [dict(r) for r in self.rules.values() if r["account"] == account]

    def get_rule(self, rule_id: str) -> dict[str, Any]:
        self._call("get_rule")
        if rule_id not in self.rules:
            raise NotFoundError(f"No rule {rule_id}.", "")
        return dict(self.rules[rule_id])

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
        self._call("add_rule")
        self._entry(f"{scope}:{name}")
        rule_id = f"{next(self._ids):032x}"  # hex, as Rucio's
        files = len(self._files(f"{scope}:{name}"))
        self.rules[rule_id] = {
            "id": rule_id,
            "scope": scope,
            "name": name,
            "account": self.account,
            "rse_expression": rse_expression,
            "state": "WAITING_APPROVAL" if ask_approval else "REPLICATING",
            "created_at": f"2026-01-01T00:{len(self.rules) // 60:02d}:{len(self.rules) % 60:02d}",
            "locks_ok_cnt": 0,
            "locks_replicating_cnt": files,
            "locks_stuck_cnt": 0,
            "expires_at": None,
            "error": None,
            "comments": comment,
            "lifetime": lifetime,
            "grouping": grouping,
        }
        return rule_id

    def boost_rule(self, rule_id: str) -> None:
        self._call("boost_rule")
        self.rules[rule_id]["state"] = "REPLICATING"

    def _own_rule(self, rule_id: str) -> dict[str, Any]:
        if rule_id not in self.rules:
            raise NotFoundError(f"No such rule: {rule_id}.", "")
        rule = self.rules[rule_id]
        if rule["account"] != self.account:
            raise PermissionDeniedError(f"Rucio refused this: {self.account} cannot change it.")
        return rule

    def update_rule(self, rule_id: str, options: dict[str, Any]) -> None:
        self._call("update_rule")
        rule = self._own_rule(rule_id)
        if "lifetime" in options:
            rule["lifetime"] = options["lifetime"]
            rule["expires_at"] = f"in {options['lifetime']} s"
        if options.get("boost_rule") and rule["state"] == "STUCK":
            rule["state"] = "REPLICATING"

    def delete_rule(self, rule_id: str) -> None:
        self._call("delete_rule")
        rule = self._own_rule(rule_id)
        rule["expires_at"] = "in 3600 s"  # Rucio's soft deletion
        self.deleted_rules.append(rule_id)

    def examine_rule(self, rule_id: str) -> dict[str, Any]:
        self._call("examine_rule")
        rule = self._own_rule(rule_id)
        return {"rule_error": rule.get("error"), "transfers": []}

    def local_usage(self, account: str) -> list[dict[str, Any]]:
        self._call("local_usage")
        return [
            {
                "rse": rse,
                "bytes": used,
                "files": 0,
                "bytes_limit": limit,
                "bytes_remaining": None if limit is None else limit - used,
            }
            for rse, (limit, used) in self.quota.items()
        ]

    def global_usage(self, account: str) -> list[dict[str, Any]]:
        self._call("global_usage")
        return []

    def parents(self, scope: str, name: str) -> list[dict[str, Any]]:
        self._call("parents")
        did = f"{scope}:{name}"
        return [
            {"scope": e.scope, "name": e.name, "type": e.type}
            for e in self.entries.values()
            if did in e.children
        ]
