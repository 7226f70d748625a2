"""The build step of the front end: hatch-jupyter-builder's ``build-function`` (pyproject.toml).

npm builds the bundle when it is missing or older than js/, as before. An sdist carries the
bundle, so a wheel builds from it without Node: hatch-jupyter-builder's own ``npm_builder``
looks for npm before it checks whether anything needs building, and fails without it.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from hatch_jupyter_builder import npm_builder
from hatch_jupyter_builder.utils import is_stale

log = logging.getLogger(__name__)

BUNDLE = ("widget.js", "widget.css")


def build_bundle(
    target_name: str, version: str, *, build_dir: str, source_dir: str, **kwargs: Any
) -> None:
    """Run npm_builder unless the bundle in build_dir is there and (no npm or up to date)."""
    bundle = [Path(build_dir) / name for name in BUNDLE]
    present = all(path.exists() for path in bundle)
    stale = not present or is_stale(build_dir, source_dir)
    if not stale:
        log.info("%s is up to date with %s/; npm not needed", build_dir, source_dir)
        return
    if shutil.which("npm") is None:
        if present:
            log.warning(
                "%s/ is newer than %s but npm is not on PATH; using the bundle as it is",
                source_dir,
                build_dir,
            )
            return
        missing = ", ".join(str(path) for path in bundle if not path.exists())
        raise RuntimeError(
            f"The front end ({missing}) is not built and npm is not on PATH. Install Node.js "
            "and npm to build it from js/, or install from an sdist or wheel, which carry it."
        )
    # force: npm_builder's own staleness check looks at the newest file in build_dir only,
    # so a missing widget.css next to a fresh widget.js would not be rebuilt.
    npm_builder(
        target_name, version, build_dir=build_dir, source_dir=source_dir, force=True, **kwargs
    )
