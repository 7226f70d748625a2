#!/usr/bin/env python3
"""The warm second look (issue: "a warm second look"): a dataset's paths from a new kernel.

    python3 benchmarks/bench_warm.py [--dir /tmp/rw-bench] [--reps 5]

Against a running sandbox (the bench sandbox of bench_browser.py, or any): each look is a
fresh Python process (a new kernel) that builds a RucioBrowser, selects the dataset and
times ``select()`` → ``wait_paths()``. Looks:

- cold: no cache entry (the cache folder is emptied first);
- warm: the entry the cold look left;
- after the guaranteeing rule was suspended (so it is not OK): the entry must be refused;
- after the guaranteeing rule was deleted: through the API, by root (a soft deletion:
  the rule stays OK and listed for up to an hour, and so do its paths), then for good, as
  Rucio's judge-cleaner deletes it when that hour is over (the rule is made to expire now
  and the daemon run once, in the server's environment): the entry must be refused;
- after one file was removed from the mount: the entry must be refused when the sample
  hits it (a dataset of 5 files: always), and the path never returned.

Two datasets: the 5,000-file scale dataset (placed on the destination without a rule: the
sampled replicas are checked), and a fresh 5-file dataset brought by a rule. Prints a
markdown table; figures are medians over ``--reps`` looks, with min..max.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rucio_widgets.sandbox import Sandbox  # noqa: E402

SCALE_DATASET = "mc20:mc20_13TeV.999999.ScaleTest.DAOD_PHYS"

LOOK = r"""
import json, sys, time
t0 = time.perf_counter()
from rucio_widgets.widget import RucioBrowser
browser = RucioBrowser()
browser.model.start(wait=True)
t1 = time.perf_counter()
browser.select(sys.argv[1])
try:
    paths = browser.wait_paths(timeout=300)
    missing = []
except Exception as exc:
    paths, missing = list(browser.paths), list(getattr(exc, "missing", {}))
t2 = time.perf_counter()
if len(sys.argv) > 2:
    open(sys.argv[2], "w").write("\n".join(paths))
print(json.dumps({"look": t2 - t1, "paths": len(paths), "missing": missing,
                  "warm": browser.model.selection.warm_answers,
                  "gone": [p for p in paths if not __import__("os").path.exists(p)]}))
browser.close()
"""


def look(did: str, env: dict[str, str], dump: Path | None = None) -> dict[str, object]:
    extra = [str(dump)] if dump else []
    done = subprocess.run(
        [sys.executable, "-c", LOOK, did, *extra],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}..{max(ms):.0f}, n={len(ms)})"


CLEAN = r"""
from rucio.daemons.judge.cleaner import rule_cleaner
rule_cleaner(once=True)
"""


def rule_to_destination(client: Any, did: str) -> dict[str, Any]:
    scope, name = did.split(":")
    (rule,) = [
        r
        for r in client.list_did_rules(scope, name)
        if r["rse_expression"] == "NOTEBOOK_LOCALGROUPDISK"
    ]
    return dict(rule)


def after_deletion(
    session: Any, sandbox: Sandbox, env: dict[str, str]
) -> list[tuple[str, str, str]]:
    """Looks at a 5-file dataset whose rule is deleted: softly, then for good."""
    from rucio.common.exception import RuleNotFound

    from rucio_widgets.sandbox.serverenv import server_python

    made = session.make_dataset(files=5)
    alice, root = session.client("alice"), session.client("root")
    scope, name = made.did.split(":")
    rule_id = alice.add_replication_rule(
        [{"scope": scope, "name": name}], 1, "NOTEBOOK_LOCALGROUPDISK"
    )[0]
    session.wait_for_rule(rule_id, timeout=120)
    look(made.did, env)  # cold: leaves the entry
    time.sleep(2.0)
    label = "5 files, a rule"
    rows = []
    warm = look(made.did, env)
    rows.append((label, "warm look before the deletion", describe(warm)))
    # Soft: it expires within the hour. (The generic policy lets only root and admins
    # delete rules, so root deletes alice's rule here, as an admin would for her.)
    root.delete_replication_rule(rule_id)
    soft = look(made.did, env)
    expires = rule_to_destination(root, made.did).get("expires_at")
    rows.append(
        (
            label,
            f"after the rule was deleted through the API (soft: still OK, expires at {expires})",
            describe(soft),
        )
    )
    # The hour is over: the rule expires now and the judge-cleaner deletes it.
    root.update_replication_rule(rule_id, {"lifetime": 1})
    time.sleep(1.5)
    server_env = {**os.environ, "RUCIO_CONFIG": str(sandbox.layout.server_config)}
    server_env.pop("RUCIO_HOME", None)
    subprocess.run(
        [str(server_python()), "-c", CLEAN], env=server_env, check=True, capture_output=True
    )
    try:
        root.get_replication_rule(rule_id)
        gone = "the rule is still there (the cleaner did not delete it)"
    except RuleNotFound:
        gone = "the rule is gone (RuleNotFound)"
    hard = look(made.did, env)
    rows.append((label, f"after the judge-cleaner deleted it ({gone})", describe(hard)))
    return rows


def describe(answer: dict[str, Any]) -> str:
    return (
        f"{float(answer['look']) * 1000:.0f} ms, {answer['paths']} paths, "
        f"answered from the cache: {bool(answer['warm'])}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/rw-bench"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-warm.md")
    args = parser.parse_args()
    sandbox = Sandbox(args.dir)
    if not sandbox.status().up:
        print(f"no sandbox running in {args.dir}: start one first", file=sys.stderr)
        return 2
    cache = Path(tempfile.mkdtemp(prefix="rw-warm-cache-"))
    env = {
        **os.environ,
        "RUCIO_CONFIG": str(sandbox.layout.client_config("alice")),
        "RUCIO_WIDGETS_CACHE_DIR": str(cache),
        "PYTHONPATH": str(HERE.parent),
    }
    os.environ["RUCIO_CONFIG"] = env["RUCIO_CONFIG"]
    from rucio_widgets.sandbox.testing import SandboxSession

    session = SandboxSession(sandbox)
    made = session.make_dataset(files=5)
    alice = session.client("alice")
    alice.add_replication_rule(
        [{"scope": made.did.split(":")[0], "name": made.did.split(":")[1]}],
        1,
        "NOTEBOOK_LOCALGROUPDISK",
    )
    root = session.client("root")
    scope, name = made.did.split(":")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rules = [r for r in root.list_did_rules(scope, name) if r["state"] == "OK"]
        if len(rules) == len(list(root.list_did_rules(scope, name))):
            break
        time.sleep(0.5)

    # The scale dataset is registered without bytes: give its files (empty) bytes on the
    # destination's storage once, so that the sampled paths exist as on a real mount.
    listing = cache / "scale-paths.txt"
    look(SCALE_DATASET, env, listing)
    for line in listing.read_text().splitlines():
        path = Path(line)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()

    rows = []
    for did, label in ((SCALE_DATASET, "5,000 files, no rule"), (made.did, "5 files, a rule")):
        cold, warm = [], []
        hits = 0
        for _ in range(args.reps):
            shutil.rmtree(cache / "paths", ignore_errors=True)
            cold.append(float(look(did, env)["look"]))
            time.sleep(2.0)  # the cold look writes its entry in the background
            answer = look(did, env)
            warm.append(float(answer["look"]))
            hits += int(bool(answer["warm"]))
        rows.append((label, "cold look (no entry)", fmt(cold)))
        rows.append((label, f"warm look (answered from the cache {hits}/{args.reps})", fmt(warm)))
        rows.append(
            (label, "warm / cold", f"{statistics.median(warm) / statistics.median(cold):.2f}x")
        )

    # the rule that guaranteed the 5-file dataset's paths is suspended: the entry is refused
    look(made.did, env)
    time.sleep(2.0)
    (rule,) = [
        r
        for r in root.list_did_rules(scope, name)
        if r["rse_expression"] == "NOTEBOOK_LOCALGROUPDISK"
    ]
    root.update_replication_rule(rule["id"], {"state": "SUSPENDED"})
    after_rule = look(made.did, env)
    rows.append(
        (
            "5 files, a rule",
            "after the rule was suspended",
            f"{float(after_rule['look']) * 1000:.0f} ms, {after_rule['paths']} paths, "
            f"answered from the cache: {bool(after_rule['warm'])}",
        )
    )
    # the guaranteeing rule of another 5-file dataset is deleted: softly, then for good
    rows.extend(after_deletion(session, sandbox, env))

    # one file removed from the mount: the entry is refused, the path never returned
    shutil.rmtree(cache / "paths", ignore_errors=True)
    look(SCALE_DATASET, env)
    time.sleep(2.0)
    local = Path(sandbox.layout.mount_path)
    first = next(iter(sorted(local.rglob("ScaleTest.DAOD_PHYS._00000*"))), None)
    note = "no file on the mount to remove (the scale files are registered without bytes)"
    if first is not None:
        first.unlink()
        after_file = look(SCALE_DATASET, env)
        shutil.rmtree(cache / "paths", ignore_errors=True)
        cold_after = look(SCALE_DATASET, env)
        note = (
            f"{float(after_file['look']) * 1000:.0f} ms, answered from the cache: "
            f"{bool(after_file['warm'])}; the removed path returned by it: "
            f"{str(first) in after_file['gone']}, by a cold look: "
            f"{str(first) in cold_after['gone']}"
        )
        first.touch()
    rows.append(("5,000 files, no rule", "after a file was removed from the mount", note))

    commit = subprocess.run(
        ["git", "-C", str(HERE.parent), "log", "-1", "--format=%h %s"],
        check=False,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = [
        "# The warm second look: figures",
        "",
        f"- date: {time.strftime('%Y-%m-%dT%H:%M:%S')}; code: `{commit}`",
        f"- machine: {os.cpu_count()} cores; load average at the end "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())} (other work on the machine adds noise)",
        f"- command: `python3 benchmarks/bench_warm.py --dir {args.dir} --reps {args.reps}`; "
        "each look is a new Python process (a new kernel), select() to wait_paths()",
        "",
        "| dataset | look | figure |",
        "|---|---|---|",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        "A file removed from the mount while Rucio still lists its replica is returned by a",
        "cold look as well (paths are mapped, not stat-ed one by one); the warm look finds it",
        "only when it is among the sampled files, and the full refresh behind it does not stat",
        "every file either.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
