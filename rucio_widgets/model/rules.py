"""The account's rules and quotas: list (newest first, paged, filtered), extend, boost,
delete, examine; quotas per RSE and whether a request fits.

Every method here calls Rucio: call it on a worker (the façade does), never on the
kernel's main thread. While the Rules pane watches a page, a poller lists the account's
rules once per round (one ``list_account_rules``) and sends the rules of that page whose
state or locks changed; it stops when nothing on the page is in flight any more, or when
the pane stops watching.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence

from ..config import Settings
from ..errors import (
    InvalidQueryError,
    NotFoundError,
    PermissionDeniedError,
    RucioWidgetsError,
    translate,
)
from ..protocol import RULE_STATES, RULES_PAGE_SIZE, QuotasAnswer, RuleInfo, RulesAnswer
from ..rules import Quota, Rule, make_quota
from ..service import Service
from ..transfers import Backoff
from ..words import clip, format_bytes
from .state import log

#: States in which a rule may still change by itself (the watcher keeps polling).
MOVING_STATES = frozenset({"REPLICATING", "INJECT", "WAITING_APPROVAL", "STUCK"})
#: The longest lifetime extend accepts, in days (ten years).
MAX_EXTEND_DAYS = 3650


def _check_rule_id(rule_id: str) -> str:
    text = str(rule_id).strip()
    if not text or len(text) > 64 or not all(c in "0123456789abcdefABCDEF-" for c in text):
        raise InvalidQueryError(
            f"`{clip(text, 40)}` is not a rule id.",
            "Rule ids are 32 hex digits, as browser.rules() shows them.",
        )
    return text.replace("-", "").lower()


@contextlib.contextmanager
def _policy_words(action: str) -> Iterator[None]:
    """Rucio's refusal in words: whose rule it is, or the server's permission policy (the
    generic policy lets only administrators change or delete rules, even their owners')."""
    try:
        yield
    except PermissionDeniedError as exc:
        raise PermissionDeniedError(
            f"Rucio refused to {action}: {exc.message.split(': ', 1)[-1]}",
            "Only the rule's owner may change it, and on some servers (Rucio's generic "
            "permission policy) only administrators: ask them, or use the Rucio web UI.",
        ) from None


class RulesDesk:
    def __init__(
        self,
        service: Service,
        settings: Settings,
        account: Callable[[], str],
        send_changed: Callable[[list[RuleInfo]], None],
    ) -> None:
        self.service = service
        self.settings = settings
        self.account = account
        self.send_changed = send_changed
        self.backoff = Backoff(first=2.0, ceiling=30.0)
        self._lock = threading.Lock()
        self._deleted: set[str] = set()
        self._watched: dict[str, Rule] = {}
        self._watcher: threading.Thread | None = None
        self._wake = threading.Event()
        self._closed = False

    # --- listing --------------------------------------------------------------------------
    def rules(self, state: str | None = None) -> list[Rule]:
        """The account's rules, newest first; only those in ``state`` when given."""
        if state is not None and state.upper() not in RULE_STATES:
            raise InvalidQueryError(
                f"`{clip(state, 40)}` is not a rule state.", f"Use one of {', '.join(RULE_STATES)}."
            )
        webui = self.settings.rucio_webui_url
        rules = [Rule.from_rucio(r, webui) for r in self.service.account_rules(self.account())]
        rules.sort(key=lambda r: (r.created_at or "", r.id), reverse=True)
        return [r for r in rules if state is None or r.state == state.upper()]

    def page(
        self, offset: int, limit: int, state: str | None, text: str | None, watch: bool
    ) -> RulesAnswer:
        every = self.rules()
        counts: dict[str, int] = {}
        for rule in every:
            counts[rule.state] = counts.get(rule.state, 0) + 1
        needle = (text or "").strip().lower()
        chosen = [
            r
            for r in every
            if (not state or r.state == state.upper())
            and (not needle or needle in r.did.lower() or needle in r.rse_expression.lower())
        ]
        offset = max(0, offset)
        rows = chosen[offset : offset + max(1, min(limit, RULES_PAGE_SIZE))]
        self._watch(rows if watch else [])
        return {
            "offset": offset,
            "rows": [r.to_wire() for r in rows],
            "total": len(chosen),
            "counts": counts,
        }

    # --- actions --------------------------------------------------------------------------
    def get(self, rule_id: str) -> Rule:
        return Rule.from_rucio(
            self.service.get_rule(_check_rule_id(rule_id)), self.settings.rucio_webui_url
        )

    def extend(self, rule_id: str, days: int) -> Rule:
        """Set the rule's lifetime to ``days`` from now."""
        try:
            whole = int(days)
        except (TypeError, ValueError):
            whole = 0
        if not 1 <= whole <= MAX_EXTEND_DAYS:
            raise InvalidQueryError(
                f"`{clip(str(days), 20)}` is not a lifetime: give whole days, 1 to "
                f"{MAX_EXTEND_DAYS}.",
                "For example browser.extend_rule(rule_id, 30).",
            )
        rule_id = _check_rule_id(rule_id)
        with _policy_words(f"extend rule {rule_id}"):
            self.service.update_rule(rule_id, {"lifetime": whole * 86400})
        return self.get(rule_id)

    def boost(self, rule_id: str) -> tuple[Rule, str]:
        """Ask Rucio to retry a stuck rule soon; a rule that is not stuck is left alone."""
        rule = self.get(rule_id)
        if rule.state != "STUCK":
            return rule, f"Rule {rule.id} is {rule.state}, not STUCK: nothing to boost."
        with _policy_words(f"boost rule {rule.id}"):
            self.service.boost_rule(rule.id)
        self._wake.set()
        return self.get(rule.id), (
            f"Rule {rule.id} is boosted: Rucio retries its {rule.locks_stuck} stuck "
            "lock(s) at its next round."
        )

    def delete(self, rule_id: str) -> tuple[Rule | None, str]:
        """Rucio's soft deletion: the rule expires within the hour. Twice is once."""
        rule_id = _check_rule_id(rule_id)
        soft = (
            "Rucio deletes softly: the rule expires within the hour, then its replicas may "
            "be cleaned up."
        )
        with self._lock:
            if rule_id in self._deleted:
                return None, f"Rule {rule_id} is already being deleted. {soft}"
            self._deleted.add(rule_id)
        try:
            with _policy_words(f"delete rule {rule_id}"):
                self.service.delete_rule(rule_id)
        except Exception:
            with self._lock:
                self._deleted.discard(rule_id)
            raise
        try:
            after: Rule | None = self.get(rule_id)
        except NotFoundError:
            after = None
        return after, f"Rule {rule_id} is deleted. {soft}"

    def examine(self, rule_id: str) -> str:
        """Rucio's analysis of a (stuck) rule, as text."""
        analysis = self.service.examine_rule(_check_rule_id(rule_id))
        lines = []
        if analysis.get("rule_error"):
            lines.append(str(analysis["rule_error"]))
        for transfer in analysis.get("transfers") or []:
            name = f"{transfer.get('scope')}:{transfer.get('name')}"
            where = transfer.get("rse") or transfer.get("rse_id") or ""
            reason = transfer.get("last_error") or str(transfer.get("state") or "").split(".")[-1]
            attempts = transfer.get("attempts")
            lines.append(
                f"{name} to {where}: {reason}" + (f" ({attempts} attempts)" if attempts else "")
            )
        return "\n".join(lines) or "Rucio has nothing to report on this rule."

    # --- quotas ---------------------------------------------------------------------------
    def quotas(self) -> list[Quota]:
        """Local (per RSE) and global (per RSE expression) quotas of the account."""
        account = self.account()
        found = [
            make_quota(str(u["rse"]), "local", u.get("bytes_limit"), u.get("bytes"))
            for u in self.service.local_usage(account)
        ]
        try:
            usages = self.service.global_usage(account)
        except RucioWidgetsError:
            usages = []  # servers without global limits
        found += [
            make_quota(str(u["rse_expression"]), "global", u.get("bytes_limit"), u.get("bytes"))
            for u in usages
        ]
        return found

    def fit(self, rse_expression: str, rses: Sequence[str], size: int | None) -> QuotasAnswer:
        """The quotas of the RSEs an expression selects, and whether ``size`` bytes fit on
        the RSE Rucio would pick (one copy: any selected RSE with room will do)."""
        local = {q.rse: q for q in self.quotas() if q.kind == "local"}
        chosen = [local.get(rse) or make_quota(rse, "local", 0, 0) for rse in rses]
        room = [q.remaining for q in chosen]
        fits = size is None or any(r is None or r >= size for r in room)
        note = ""
        if not fits:
            best = max((r for r in room if r is not None), default=0)
            note = (
                f"{format_bytes(size or 0)} do not fit in your quota on `{clip(rse_expression)}` "
                f"({format_bytes(best)} left at most). Ask for approval (with a comment saying "
                "why), pick another RSE, or free space by deleting old rules."
            )
        return {
            "rse_expression": rse_expression,
            "quotas": [q.to_wire() for q in chosen],
            "bytes": size,
            "fits": fits,
            "note": note,
        }

    # --- watching -------------------------------------------------------------------------
    def _watch(self, rows: Sequence[Rule]) -> None:
        with self._lock:
            self._watched = {r.id: r for r in rows}
            moving = any(r.state in MOVING_STATES for r in rows)
            if moving and self._watcher is None and not self._closed:
                self.backoff.delay = self.backoff.first
                self._watcher = threading.Thread(
                    target=self._watch_loop, daemon=True, name="rucio-widgets rules"
                )
                self._watcher.start()
        self._wake.set()

    def _watch_loop(self) -> None:
        while not self._closed:
            with self._lock:
                if not any(r.state in MOVING_STATES for r in self._watched.values()):
                    self._watcher = None
                    return
            changed = self._poll_once()
            self._wake.clear()
            self._wake.wait(self.backoff.next(changed))

    def _poll_once(self) -> bool:
        try:
            fresh = {r.id: r for r in self.rules()}
        except RucioWidgetsError as exc:
            log.debug("rucio-widgets: polling rules failed: %s", exc)
            return False
        except Exception as exc:
            log.debug("rucio-widgets: polling rules failed: %s", translate(exc))
            return False
        with self._lock:
            changed = [
                fresh[i] for i, old in self._watched.items() if i in fresh and fresh[i] != old
            ]
            for rule in changed:
                self._watched[rule.id] = rule
        if changed:
            self.send_changed([r.to_wire() for r in changed])
        return bool(changed)

    def close(self) -> None:
        self._closed = True
        self._wake.set()
