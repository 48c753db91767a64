"""The console's script parses: one syntax error would silently take away every nicety
(keys, redaction by selection, the queue's refresh), since the pages work without it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import console

SCRIPT = Path(console.__file__).parent / "static" / "console.js"


def test_the_console_script_is_valid_javascript():
    node = shutil.which("node")
    assert node, "node is needed (the accessibility test's axe-core needs it too)"
    checked = subprocess.run(
        [node, "--check", str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
