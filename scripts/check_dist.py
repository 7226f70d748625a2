"""Build the sdist and wheel, check them with twine, and build a wheel from the sdist with no
npm or node on PATH (what pip does on a machine without Node). Each archive must carry the
front-end bundle, the wheels the example notebooks too. Everything is built in a temporary
folder, removed afterwards (--keep leaves it and prints where).

    python scripts/check_dist.py [--keep]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ["rucio_widgets/static/widget.js", "rucio_widgets/static/widget.css"]
NOTEBOOKS = sorted(f"rucio_widgets/notebooks/{p.name}" for p in ROOT.glob("notebooks/*.ipynb"))


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(
        [str(a) for a in args], check=False, env=env, capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"check_dist: {' '.join(map(str, args))} failed:\n{done.stdout}{done.stderr}")


def expect(archive: Path, names: list[str], wanted: list[str]) -> None:
    missing = [w for w in wanted if w not in names]
    if missing:
        sys.exit(f"check_dist: {archive.name} lacks {', '.join(missing)}")


def wheel_names(wheel: Path, version: str) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        found = re.search(r"^Version: (\S+)$", z.read(metadata).decode(), re.MULTILINE)
    if not found or found.group(1) != version:
        sys.exit(f"check_dist: {wheel.name} has version {found and found.group(1)}, not {version}")
    return names


def main() -> None:
    init = (ROOT / "rucio_widgets/__init__.py").read_text()
    found = re.search(r'^__version__ = "([^"]+)"$', init, re.MULTILINE)
    if not found:
        sys.exit("check_dist: no __version__ in rucio_widgets/__init__.py")
    version = found.group(1)
    if not NOTEBOOKS:
        sys.exit("check_dist: no notebooks/*.ipynb to expect in the wheel")
    tmp = Path(tempfile.mkdtemp(prefix="rucio-widgets-dist-"))
    try:
        start = time.monotonic()
        dist = tmp / "dist"
        run(sys.executable, "-m", "build", "--outdir", dist, ROOT)
        built = time.monotonic() - start
        run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()))
        (sdist,) = dist.glob("*.tar.gz")
        (wheel,) = dist.glob("*.whl")

        # The PATH of a machine without Node: an empty folder. pip runs the build backend
        # with its own interpreter's full path, so nothing else is needed on PATH.
        bare = tmp / "bin"
        bare.mkdir()
        skips = ("SKIP_JUPYTER_BUILDER", "HATCH_JUPYTER_BUILDER_SKIP_NPM")
        env = {k: v for k, v in os.environ.items() if k not in skips} | {"PATH": str(bare)}
        assert shutil.which("npm", path=env["PATH"]) is None
        again = time.monotonic()
        run(
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-w",
            tmp / "no-npm",
            sdist,
            env=env,
        )
        no_npm = time.monotonic() - again
        (wheel_no_npm,) = (tmp / "no-npm").glob("*.whl")

        with tarfile.open(sdist) as t:
            prefix = f"{sdist.name.removesuffix('.tar.gz')}/"
            sdist_names = [n.removeprefix(prefix) for n in t.getnames()]
        expect(sdist, sdist_names, [*BUNDLE, "hatch_build.py", "js/widget.js"])
        for w in (wheel, wheel_no_npm):
            expect(w, wheel_names(w, version), [*BUNDLE, *NOTEBOOKS])
        print(
            f"check_dist: {sdist.name} ({len(sdist_names)} files), {wheel.name}"
            f" ({len(wheel_names(wheel, version))} files) in {built:.0f} s, twine check passed;"
            f" without npm the sdist's wheel built in {no_npm:.0f} s; each carries the bundle,"
            f" the wheels {len(NOTEBOOKS)} notebooks"
        )
    finally:
        if "--keep" in sys.argv:
            print(f"check_dist: archives left in {tmp}")
        else:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
