"""Where a sandbox keeps things, and the names it seeds: one place for both to agree on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Bump when the folder layout or seed changes in a way an old sandbox cannot follow.
FORMAT_VERSION = 1

DEFAULT_SERVER_PORT = 18080

#: RSEs that hold the seeded data; a rule elsewhere needs a real transfer from them.
SOURCE_RSES = ("SITE_A_DATADISK", "SITE_B_DATADISK")
#: Where a normal account may upload (the generic policy lets users add replicas only on
#: *USERDISK, *SCRATCHDISK, *LOCALGROUPDISK and *MOCK RSEs).
SCRATCH_RSE = "SITE_A_SCRATCHDISK"
#: Stands for the network-attached storage mounted on the notebook host.
DESTINATION_RSE = "NOTEBOOK_LOCALGROUPDISK"
ALL_RSES = (*SOURCE_RSES, SCRATCH_RSE, DESTINATION_RSE)

#: RSEs served over root:// by XRootD servers of their own (when xrootd is installed):
#: a source disk that only root writes to (the generic policy keeps users off *DATADISK),
#: a scratch disk where alice and bob upload, and XRD1, the talk's storage that the
#: notebook host also mounts (root://...//rucio/test/80/25/file1 is
#: <xrd_mount_path>/test/80/25/file1).
XRD_SOURCE_RSE = "XRD_DATADISK"
XRD_SCRATCH_RSE = "XRD_SCRATCHDISK"
XRD_MOUNTED_RSE = "XRD1"
XRD_RSES = (XRD_SOURCE_RSE, XRD_SCRATCH_RSE, XRD_MOUNTED_RSE)
#: What every XRootD server exports; PFNs are root://127.0.0.1:PORT//rucio/<scope>/xx/yy/<name>.
XRD_EXPORT = "/rucio"

#: Seeded normal accounts; ``root`` exists too.
USER_ACCOUNTS = ("alice", "bob")
DEFAULT_ACCOUNT = "alice"
#: Scopes owned by root that hold the experiment's data.
DATA_SCOPES = ("data18", "mc20")


@dataclass(frozen=True)
class SandboxLayout:
    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "sandbox.json"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def secrets_file(self) -> Path:
        return self.etc / "secrets.json"

    @property
    def server_config(self) -> Path:
        return self.etc / "server" / "rucio.cfg"

    @property
    def alembic_ini(self) -> Path:
        return self.etc / "server" / "alembic.ini"

    @property
    def tls_dir(self) -> Path:
        """CA, server and client certificates of a sandbox made with --tls (see tls.py)."""
        return self.etc / "tls"

    def client_config(self, account: str) -> Path:
        """The rucio.cfg for ``account``; the default account's is etc/rucio.cfg."""
        if account == DEFAULT_ACCOUNT:
            return self.etc / "rucio.cfg"
        return self.etc / "accounts" / f"{account}.cfg"

    def token_dir(self, account: str) -> Path:
        return self.root / "tokens" / account

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def sqlite_db(self) -> Path:
        return self.root / "rucio.db"

    def rse_dir(self, rse: str) -> Path:
        """Storage of an RSE; the destination's sits at a path unlike its mount path."""
        if rse == DESTINATION_RSE:
            return self.root / "nas-server" / "export" / "rucio"
        return self.root / "rses" / rse

    @property
    def mount_path(self) -> Path:
        """Where the notebook host 'mounts' the destination RSE (a symlink to its storage)."""
        return self.root / "mnt" / "rucio"

    @property
    def path_begins_at(self) -> int:
        """Segments of the destination PFN's path to drop before joining it to mount_path."""
        return len(self.rse_dir(DESTINATION_RSE).parts) - 1  # parts[0] is "/"

    @property
    def xrd_mount_path(self) -> Path:
        """Where the notebook host 'mounts' XRD1's export (a symlink to its /rucio folder)."""
        return self.root / "mnt" / "rucio_xrd1"

    #: Segments of an XRD1 PFN's path (//rucio/...) to drop before joining it to the mount.
    xrd_path_begins_at = 1

    def download_dir(self, account: str) -> Path:
        return self.root / "downloads" / account

    @property
    def payload_dir(self) -> Path:
        """Where the seed writes the files it uploads."""
        return self.root / "payload"
