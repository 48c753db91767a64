"""Files and folders that only the service's own user may read.

The data folder holds the embedded database, the generated secret key, media and partial
uploads: other local users must not be able to list or read any of it, whatever the
umask of the shell that started the service.
"""

from __future__ import annotations

from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> None:
    """Create the folder (and missing parents) as 0700, and tighten it if it exists."""
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for folder in {path, *missing}:
        folder.chmod(PRIVATE_DIR)  # mkdir's mode is reduced by the umask


def make_files_private(*paths: Path) -> None:
    """Set 0600 on each of the files that exist (SQLite creates its own with the umask)."""
    for path in paths:
        if path.exists():
            path.chmod(PRIVATE_FILE)
