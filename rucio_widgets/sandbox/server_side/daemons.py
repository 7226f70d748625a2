"""Rucio's own daemons in a loop, with a local copy standing in for FTS (server env only).

Rules created through the API then behave as on a real deployment: the judge evaluates
them, the conveyor submits transfers, the (patched) mock transfer tool really copies the
source file to the destination PFN, the poller and finisher mark the replicas AVAILABLE and
the rule OK, and abacus keeps usage counters and dataset replicas current.

Copies between file:// PFNs are local file copies; a copy with a root:// end (either end)
runs ``xrdcp``: a real XRootD copy through this process (two-party; the sandbox's servers
have no third-party copy), checked against the file's adler32. As FTS with gfal2 would
copy between a local file system and XRootD, the conveyor is told that file and root
schemes can be paired, so rules from file:// RSEs to root:// RSEs (and back) are planned.

Each pass runs every daemon once (``once=True``), then sleeps ``--interval`` seconds; SIGTERM
ends the loop between passes.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from urllib.parse import urlparse

_stop = False


def _request_stop(signum, frame):
    global _stop
    _stop = True


#: XRootD client settings for the copies: fail within seconds when a server is down
#: (the defaults retry the connection for about eight minutes, with the loop blocked).
_XRDCP_ENV = {
    "XRD_CONNECTIONRETRY": "1",
    "XRD_CONNECTIONWINDOW": "10",
    "XRD_REQUESTTIMEOUT": "60",
    "XRD_STREAMTIMEOUT": "60",
}


class CopyFailed(Exception):
    pass


def _end(url: str) -> tuple[str, str]:
    """("file", local path) or ("root", url) of a transfer's source or destination."""
    parsed = urlparse(url)
    if parsed.scheme in ("file", ""):
        return "file", parsed.path
    if parsed.scheme in ("root", "xroot"):
        return "root", url
    raise CopyFailed(f"the sandbox copies only file:// and root:// URLs, not {url}")


def _copy(source_url: str, dest_url: str, adler32: str | None) -> None:
    """Copy one file; the destination shows only once it is whole."""
    (src_kind, source), (dst_kind, destination) = _end(source_url), _end(dest_url)
    if src_kind == dst_kind == "file":
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        partial = destination + ".part"
        try:
            shutil.copyfile(source, partial)
        except OSError as exc:
            raise CopyFailed(f"SOURCE [{exc.errno}] {exc.strerror}: {source}") from exc
        os.replace(partial, destination)
        return
    argv = ["xrdcp", "--force", "--nopbar", "--silent"]
    if adler32:
        argv += ["--cksum", f"adler32:{adler32}"]
    if dst_kind == "root":
        # Persist on successful close: a copy that breaks off leaves no file behind.
        argv += ["--posc", "--rm-bad-cksum", source, destination]
        target = destination
    else:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        target = destination + ".part"
        argv += [source, target]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, **_XRDCP_ENV},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CopyFailed(f"xrdcp {source_url} took longer than 600 s") from exc
    if done.returncode != 0:
        if dst_kind == "file":
            with contextlib.suppress(OSError):
                os.unlink(target)
        said = " ".join(done.stderr.split()) or f"exit {done.returncode}"
        raise CopyFailed(f"xrdcp {source_url} -> {dest_url}: {said}")
    if dst_kind == "file":
        os.replace(target, destination)


def _pair_file_and_root_schemes() -> None:
    """Let the conveyor plan transfers between file:// and root:// RSEs (see above)."""
    from rucio.common.constants import SCHEME_MAP

    SCHEME_MAP.setdefault("root", ["root"])
    SCHEME_MAP.setdefault("file", ["file"])
    for scheme, other in (("root", "file"), ("file", "root")):
        if other not in SCHEME_MAP[scheme]:
            SCHEME_MAP[scheme].append(other)


#: request id -> why its copy failed; the poller then reports the transfer FAILED, as FTS
#: would, and Rucio retries it and finally marks its lock (and the rule) STUCK.
_FAILED: dict[str, str] = {}


def _patch_mock_transfertool() -> None:
    from rucio.db.sqla.constants import RequestState
    from rucio.transfertool.mock import MockTransferStatusReport, MockTransfertool

    original_submit = MockTransfertool.submit
    original_query = MockTransfertool.bulk_query

    class FailedReport(MockTransferStatusReport):
        supported_db_fields = ("state", "external_id", "err_msg")

        def __init__(self, request_id: str, external_id: str, reason: str):
            super().__init__(request_id, external_id)
            self.state = RequestState.FAILED
            self.err_msg = reason

    def copying_submit(self, transfers, job_params, timeout=None):
        transfers = list(transfers)
        for transfer in transfers:
            try:
                _copy(
                    transfer.source_url(transfer.src),
                    transfer.dest_url,
                    getattr(transfer.rws, "adler32", None),
                )
            except (CopyFailed, OSError) as exc:
                _FAILED[str(transfer.rws.request_id)] = str(exc)
        return original_submit(self, transfers, job_params, timeout)

    def failing_query(self, requests_by_eid, timeout=None):
        response = original_query(self, requests_by_eid, timeout)
        for external_id, reports in response.items():
            for request_id in list(reports):
                reason = _FAILED.get(str(request_id))
                if reason is not None:
                    reports[request_id] = FailedReport(request_id, external_id, reason)
        return response

    MockTransfertool.submit = copying_submit
    # The copy above handles root:// too; the plain mock claims file:// and mock:// only.
    MockTransfertool.supported_schemes = {"mock", "file", "root"}
    MockTransfertool.bulk_query = failing_query


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    _patch_mock_transfertool()
    _pair_file_and_root_schemes()

    from rucio.daemons.abacus.account import account_update
    from rucio.daemons.abacus.collection_replica import collection_replica_update
    from rucio.daemons.abacus.rse import rse_update
    from rucio.daemons.conveyor.finisher import finisher
    from rucio.daemons.conveyor.poller import poller
    from rucio.daemons.conveyor.submitter import submitter
    from rucio.daemons.judge.evaluator import re_evaluator
    from rucio.daemons.judge.injector import rule_injector
    from rucio.daemons.judge.repairer import rule_repairer

    passes = [
        ("judge-injector", lambda: rule_injector(once=True)),
        ("judge-evaluator", lambda: re_evaluator(once=True)),
        ("judge-repairer", lambda: rule_repairer(once=True)),
        ("conveyor-submitter", lambda: submitter(once=True, partition_wait_time=0)),
        ("conveyor-poller", lambda: poller(once=True, older_than=0, partition_wait_time=0)),
        ("conveyor-finisher", lambda: finisher(once=True, partition_wait_time=0)),
        ("abacus-account", lambda: account_update(once=True)),
        ("abacus-rse", lambda: rse_update(once=True)),
        ("abacus-collection-replica", lambda: collection_replica_update(once=True)),
    ]
    print(f"daemons: loop started (pid {os.getpid()})", flush=True)
    while not _stop:
        for name, run_once in passes:
            if _stop:
                break
            try:
                run_once()
            except Exception:  # one daemon's failure must not stop the others
                print(f"daemons: {name} failed:\n{traceback.format_exc()}", flush=True)
        if args.once:
            break
        deadline = time.monotonic() + args.interval
        while not _stop and time.monotonic() < deadline:
            time.sleep(0.1)
    print("daemons: loop stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
