"""Rucio's own daemons in a loop, with a local copy standing in for FTS (server env only).

Rules created through the API then behave as on a real deployment: the judge evaluates
them, the conveyor submits transfers, the (patched) mock transfer tool really copies the
source file to the destination PFN, the poller and finisher mark the replicas AVAILABLE and
the rule OK, and abacus keeps usage counters and dataset replicas current.

Each pass runs every daemon once (``once=True``), then sleeps ``--interval`` seconds; SIGTERM
ends the loop between passes.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import time
import traceback
from urllib.parse import urlparse

_stop = False


def _request_stop(signum, frame):
    global _stop
    _stop = True


def _local_path(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("file", ""):
        raise ValueError(f"the sandbox copies only file:// URLs, not {url}")
    return parsed.path


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
            source = _local_path(transfer.source_url(transfer.src))
            destination = _local_path(transfer.dest_url)
            try:
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                partial = destination + ".part"
                shutil.copyfile(source, partial)
                os.replace(partial, destination)
            except OSError as exc:
                _FAILED[str(transfer.rws.request_id)] = (
                    f"SOURCE [{exc.errno}] {exc.strerror}: {source}"
                )
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
