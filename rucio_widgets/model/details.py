"""The details of one DID: metadata, replicas (with local paths where mounted), rules."""

from __future__ import annotations

from typing import Any

from .. import dids as didlib
from ..availability import webui_did_url
from ..config import Settings
from ..errors import translate
from ..modes import AvailabilityMode
from ..protocol import DetailsAnswer, ParentInfo, ReplicaInfo, RuleInfo
from ..rules import Rule
from ..service import Service


def rule_info(rule: dict[str, Any], webui: str | None) -> RuleInfo:
    """A rule of Rucio's as the protocol shows it: the same shape as ``browser.rules()``."""
    return Rule.from_rucio(rule, webui).to_wire()


def _plain(value: object) -> object:
    """A metadata value that JSON can carry (dates and the like become text)."""
    return value if isinstance(value, (int, float, bool, str)) or value is None else str(value)


def details(
    service: Service, settings: Settings, mode: AvailabilityMode, did: str
) -> DetailsAnswer:
    """Metadata, replicas and rules of ``did``; raises the project's typed errors."""
    try:
        parsed = didlib.parse_did(did)
    except didlib.InvalidDIDError as exc:
        raise translate(exc) from None
    row = service.get_did(parsed.scope, parsed.name)
    metadata = service.metadata(parsed.scope, parsed.name)
    replicas: list[ReplicaInfo] = []
    if row.type == "FILE":
        for found in service.replicas([(parsed.scope, parsed.name)], None, all_states=True):
            for rse, pfns in found.pfns.items():
                pfn = pfns[0] if pfns else None
                replicas.append(
                    {
                        "rse": rse,
                        "state": found.states.get(rse, "AVAILABLE"),
                        "pfn": pfn,
                        "path": mode.local_path(rse, pfn),
                    }
                )
    else:
        for entry in service.collection_replicas(parsed.scope, parsed.name):
            replicas.append(
                {
                    "rse": str(entry["rse"]),
                    "state": str(entry.get("state", "")),
                    "path": None,
                    "available": entry.get("available_length"),
                    "total": entry.get("length"),
                }
            )
    rules = service.did_rules(parsed.scope, parsed.name)
    parents: list[ParentInfo] = [
        {
            "did": f"{p['scope']}:{p['name']}",
            "type": str(p.get("type") or p.get("did_type") or "").upper().replace("DIDTYPE.", ""),
        }
        for p in service.parents(parsed.scope, parsed.name)
    ]
    return {
        "did": row.did,
        "did_url": webui_did_url(settings.rucio_webui_url, row.scope, row.name),
        "did_type": row.kind,
        "metadata": {k: _plain(v) for k, v in metadata.items()},
        "replicas": replicas,
        "rules": [rule_info(r, settings.rucio_webui_url) for r in rules],
        "parents": parents,
    }
