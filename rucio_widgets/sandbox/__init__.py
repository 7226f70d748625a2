"""The local Rucio sandbox: a real Rucio server on 127.0.0.1, the project's test bed and demo.

See ``rucio-widgets sandbox --help``. The server package lives in a private virtual
environment (``serverenv``); everything else is in the sandbox folder.
"""

from .layout import DEFAULT_ACCOUNT, DESTINATION_RSE, SCRATCH_RSE, SOURCE_RSES, SandboxLayout
from .manager import Sandbox, StatusReport, default_dir, running_sandbox
from .processes import SandboxError
from .serverenv import RUCIO_VERSION

__all__ = [
    "DEFAULT_ACCOUNT",
    "DESTINATION_RSE",
    "RUCIO_VERSION",
    "SCRATCH_RSE",
    "SOURCE_RSES",
    "Sandbox",
    "SandboxError",
    "SandboxLayout",
    "StatusReport",
    "default_dir",
    "running_sandbox",
]
