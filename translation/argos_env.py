"""The one place argostranslate is imported and pointed at our model folder.

argostranslate reads its configuration (ARGOS_PACKAGES_DIR and friends) from the
environment when `argostranslate.settings` is first imported, and creates that folder at
once. Importing it from anywhere else could freeze it on a default under the home
directory; so every use goes through `argos_package_module`, which sets the environment
before the first import and re-points the module-level settings on every call (tests
and the CLI may use several folders in one process). We still pass our folder explicitly
to every argos call: the module globals are only for argos' own tools.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

_lock = threading.Lock()


def argos_package_module(package_dir: Path) -> ModuleType:
    """`argostranslate.package`, configured to use `package_dir` for installed models."""
    package_dir = package_dir.resolve()
    with _lock:
        if "argostranslate.settings" not in sys.modules:
            os.environ.setdefault("ARGOS_PACKAGES_DIR", str(package_dir))
            os.environ.setdefault("ARGOS_DEVICE_TYPE", "cpu")
            os.environ.setdefault("ARGOS_DEBUG", "0")
        package_dir.mkdir(parents=True, exist_ok=True)
        # Through importlib so the module is typed as one (argostranslate has no stubs).
        argos_package = importlib.import_module("argostranslate.package")
        import argostranslate.settings as argos_settings

        argos_settings.package_data_dir = package_dir
        argos_settings.package_dirs = [package_dir]
        return argos_package


def engine_name() -> str:
    """What produced a translation, as stored with the report."""
    return f"argos-translate {version('argostranslate')}"
