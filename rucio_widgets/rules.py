"""Replication rules as the browser shows them: one ``Rule`` shape for ``browser.rules()``,
the rules in ``browser.details()``, and the wire (``protocol.RuleInfo``, the same fields),
and quotas as ``Quota``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

from .availability import webui_rule_url
from .protocol import QuotaInfo, RuleInfo


def _iso(value: Any) -> str | None:
    """A Rucio date (datetime, or the server's text) as ISO 8601 UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    for pattern in ("%a, %d %b %Y %H:%M:%S %Z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = dt.datetime.strptime(text[:29] if "," in text else text[:19], pattern)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


@dataclass(frozen=True)
class Rule:
    """One replication rule, with its lock counts."""

    id: str
    account: str
    did: str
    rse_expression: str
    state: str  # OK, REPLICATING, STUCK, SUSPENDED, WAITING_APPROVAL, INJECT
    locks_ok: int
    locks_replicating: int
    locks_stuck: int
    created_at: str | None  # ISO 8601 UTC
    expires_at: str | None  # ISO 8601 UTC; None: never
    error: str | None
    comment: str | None
    url: str | None  # the rule in the Rucio web UI, when one is configured

    @classmethod
    def from_rucio(cls, rule: dict[str, Any], webui: str | None = None) -> Rule:
        state = str(rule.get("state") or "")
        return cls(
            id=str(rule["id"]),
            account=str(rule.get("account") or ""),
            did=f"{rule.get('scope')}:{rule.get('name')}",
            rse_expression=str(rule.get("rse_expression") or ""),
            state=state.upper().replace("RULESTATE.", ""),
            locks_ok=int(rule.get("locks_ok_cnt") or 0),
            locks_replicating=int(rule.get("locks_replicating_cnt") or 0),
            locks_stuck=int(rule.get("locks_stuck_cnt") or 0),
            created_at=_iso(rule.get("created_at")),
            expires_at=_iso(rule.get("expires_at")),
            error=str(rule["error"]) if rule.get("error") else None,
            comment=str(rule["comments"]) if rule.get("comments") else None,
            url=webui_rule_url(webui, str(rule["id"])),
        )

    def to_wire(self) -> RuleInfo:
        return RuleInfo(**asdict(self))  # type: ignore[typeddict-item]

    @property
    def locks(self) -> int:
        return self.locks_ok + self.locks_replicating + self.locks_stuck


@dataclass(frozen=True)
class Quota:
    """The account's quota on one RSE, or on an RSE expression (a global limit); bytes."""

    rse: str
    kind: Literal["local", "global"]
    limit: int | None  # None: no limit
    used: int
    remaining: int | None  # None: no limit

    def to_wire(self) -> QuotaInfo:
        return QuotaInfo(**asdict(self))  # type: ignore[typeddict-item]

    def __getitem__(self, key: str) -> Any:  # quotas()[i]["remaining"] reads as documented
        return getattr(self, key)


def make_quota(rse: str, kind: Literal["local", "global"], limit: Any, used: Any) -> Quota:
    """A quota from Rucio's numbers: a limit of None or infinity means no limit."""
    used_bytes = int(used or 0)
    if limit is None or (isinstance(limit, float) and limit == float("inf")):
        return Quota(rse, kind, None, used_bytes, None)
    limit_bytes = int(limit)
    return Quota(rse, kind, limit_bytes, used_bytes, max(0, limit_bytes - used_bytes))
