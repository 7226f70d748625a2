"""The ``rucio-widgets`` command: ``sandbox up|down|status|env|remove``, ``demo`` and
``doctor``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _sandbox_parser(sub: argparse._SubParsersAction) -> None:
    sandbox = sub.add_parser("sandbox", help="a local Rucio server with demo data")
    verbs = sandbox.add_subparsers(dest="verb", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="sandbox folder (default: $RUCIO_WIDGETS_SANDBOX or "
        "~/.local/state/rucio-widgets/sandbox)",
    )
    up = verbs.add_parser("up", parents=[common], help="create or restart the sandbox")
    up.add_argument(
        "--db",
        choices=("postgresql", "sqlite"),
        default=None,
        help="database (default: postgresql when installed, else sqlite)",
    )
    up.add_argument("--port", type=int, default=None, help="server port (default 18080)")
    up.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve HTTPS with the sandbox's own CA and accept X.509 client certificates "
        "and proxies (set when the sandbox is made; a later `up` keeps it)",
    )
    up.add_argument(
        "--rucio-version",
        default=None,
        metavar="X.Y.Z",
        help="the Rucio server release to run, in an environment of its own "
        "(default: the one the sandbox is tested with; set when the sandbox is made)",
    )
    verbs.add_parser("down", parents=[common], help="stop what the sandbox started")
    verbs.add_parser("status", parents=[common], help="say what runs and where")
    env = verbs.add_parser(
        "env", parents=[common], help="print shell lines that point rucio at the sandbox"
    )
    env.add_argument("--account", default="alice", help="root, alice or bob (default alice)")
    verbs.add_parser("remove", parents=[common], help="stop the sandbox and delete its data")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rucio-widgets", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _sandbox_parser(sub)
    demo = sub.add_parser("demo", help="start the sandbox, a Voila dashboard and JupyterLab")
    demo.add_argument("--dir", type=Path, default=None, help="sandbox folder")
    demo.add_argument("--no-lab", action="store_true", help="serve only the Voila dashboard")
    doctor = sub.add_parser("doctor", help="check this host's setup: config, token, server, mount")
    doctor.add_argument("--instance", default=None, help="an instance of the JupyterLab extension")
    args = parser.parse_args(argv)
    if args.command == "doctor":
        from rucio_widgets.doctor import main as doctor_main

        return doctor_main(["--instance", args.instance] if args.instance else [])

    from rucio_widgets.sandbox import Sandbox, SandboxError

    try:
        if args.command == "demo":
            from rucio_widgets.demo import run_demo

            return run_demo(args.dir, lab=not args.no_lab)
        if args.command == "sandbox":
            sandbox = Sandbox(args.dir)
            if args.verb == "up":
                report = sandbox.up(
                    db=args.db, port=args.port, tls=args.tls, rucio_version=args.rucio_version
                )
                print(report.describe())
                print(
                    '\nNext: eval "$(rucio-widgets sandbox env'
                    + (f" --dir {sandbox.dir}" if args.dir else "")
                    + ')"  then  rucio whoami  or, in a notebook, RucioBrowser()'
                )
                return 0
            if args.verb == "down":
                sandbox.down()
                return 0
            if args.verb == "status":
                report = sandbox.status()
                print(report.describe())
                return 0 if report.up else 3
            if args.verb == "env":
                print(sandbox.env_lines(args.account), end="")
                return 0
            if args.verb == "remove":
                sandbox.remove()
                print(f"Removed the sandbox at {sandbox.dir}.")
                return 0
    except SandboxError as exc:
        print(f"rucio-widgets: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rucio-widgets: interrupted.", file=sys.stderr)
        return 130
    parser.error("unknown command")
    return 2


if __name__ == "__main__":
    sys.exit(main())
