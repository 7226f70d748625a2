"""Pure rules of availability: where a file is locally, and what a collection's state is.

Replica mode (as the Rucio JupyterLab extension): a file is local when it has an AVAILABLE
replica on the destination RSE, and its path is ``rse_mount_path`` joined with the PFN's
path after dropping the first ``path_begins_at`` segments.

Download mode: a file is local when ``download_dir/<scope>/<name>`` exists with the
expected size; names that would escape ``download_dir`` are refused.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlencode, urlparse

from .errors import ConfigurationError, InvalidQueryError
from .protocol import AVAILABLE, EMPTY, NOT_AVAILABLE, PARTIALLY_AVAILABLE, RowStatus
from .words import clip


def pfn_to_local_path(pfn: str, rse_mount_path: str, path_begins_at: int) -> str:
    """The extension's mapping: mount path + PFN path without its first N segments.

    >>> pfn_to_local_path("file://localhost/data/nas/rucio/mc20/06/b4/f.csv", "/mnt/rucio", 3)
    '/mnt/rucio/mc20/06/b4/f.csv'
    """
    path = unquote(urlparse(pfn).path)
    segments = path.strip("/").split("/")
    if path_begins_at >= len(segments):
        raise ConfigurationError(
            f"path_begins_at = {path_begins_at} drops the whole path of PFN `{clip(pfn)}`, "
            f"which has {len(segments)} segments.",
            f"Set path_begins_at to at most {len(segments) - 1} (the segments before the "
            "part of the path that the mount shows).",
        )
    suffix = "/".join(segments[path_begins_at:])
    return os.path.join(rse_mount_path, suffix)


def mount_shows(path: str, mount: str) -> bool:
    """Whether the storage shows at ``mount`` for the mapped ``path``: the file itself, or
    at least the first folder below the mount on the way to it.

    A single missing file (lost on the storage, registered without bytes) is not a mount
    problem, while an unmounted storage, a wrong ``rse_mount_path`` or a wrong
    ``path_begins_at`` all miss the first folder as well.
    """
    if os.path.exists(path):
        return True
    relative = PurePosixPath(os.path.relpath(path, mount))
    if not relative.parts or relative.parts[0] == ".." or len(relative.parts) < 2:
        return False
    return os.path.isdir(os.path.join(mount, relative.parts[0]))


def mount_problem(
    path: str, pfn: str, settings_mount: str, path_begins_at: int
) -> ConfigurationError:
    """What to say when a mapped path is not there: which setting is probably wrong."""
    return ConfigurationError(
        f"`{clip(path)}` does not exist: is the storage mounted at rse_mount_path "
        f"(`{clip(settings_mount)}`), and is path_begins_at = {path_begins_at} right for PFN "
        f"`{clip(pfn)}`?",
        "Check the mount on this host (ls the folder), or fix rse_mount_path / path_begins_at "
        "in [widgets] of rucio.cfg; `rucio-widgets doctor` checks one file for you.",
    )


def download_path(download_dir: str, scope: str, name: str) -> str:
    """Where download mode keeps ``scope:name``: ``download_dir/scope/name``.

    Rucio names may contain ``/``; they become sub-folders. A scope or name that would
    leave ``download_dir`` (``..``, absolute paths) is refused rather than followed.
    """
    base = Path(download_dir).expanduser().resolve()
    parts = PurePosixPath(scope, name).parts
    if any(part in ("..", "") for part in parts) or PurePosixPath(name).is_absolute():
        raise InvalidQueryError(
            f"DID `{scope}:{name}` cannot be stored below the download folder.",
            "Rename it in Rucio, or fetch it with the rucio command.",
        )
    target = base.joinpath(*parts).resolve()
    if base != target and base not in target.parents:
        raise InvalidQueryError(f"DID `{scope}:{name}` points outside the download folder.")
    return str(target)


def collection_status(available: int | None, total: int | None) -> RowStatus:
    """A dataset's or container's badge from its counts of available and total files."""
    if total is None:
        return (
            {"status": NOT_AVAILABLE}
            if not available
            else {"status": PARTIALLY_AVAILABLE, "available": available}
        )
    if total == 0:
        return {"status": EMPTY, "available": 0, "total": 0}
    done = min(available or 0, total)
    if done >= total:
        return {"status": AVAILABLE, "available": done, "total": total}
    if done > 0:
        return {"status": PARTIALLY_AVAILABLE, "available": done, "total": total}
    return {"status": NOT_AVAILABLE, "available": 0, "total": total}


def file_status(local: bool) -> RowStatus:
    return {"status": AVAILABLE if local else NOT_AVAILABLE}


def _webui_base(webui: str | None) -> str | None:
    if not webui or urlparse(webui).scheme not in ("http", "https"):
        return None
    return webui.rstrip("/")


def webui_did_url(webui: str | None, scope: str, name: str) -> str | None:
    """The DID's page in the Rucio web UI (``rucio_webui_url``), or None."""
    base = _webui_base(webui)
    return f"{base}/did?{urlencode({'scope': scope, 'name': name})}" if base else None


def webui_rule_url(webui: str | None, rule_id: str) -> str | None:
    """The rule's page in the Rucio web UI (``rucio_webui_url``), or None."""
    base = _webui_base(webui)
    return f"{base}/rule?rule_id={quote(rule_id)}" if base else None
