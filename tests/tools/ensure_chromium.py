"""Make sure the browser tests have a Chromium: Debian's, else Playwright's own download.

Run by `make test`. Prints one line saying what is missing when neither can be had.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def playwright_chromium() -> bool:
    """Whether Playwright's own Chromium is installed (it launches)."""
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            playwright.chromium.launch(args=["--no-sandbox"]).close()
    except Error:
        return False
    return True


def main() -> int:
    """0 when a Chromium is there or could be installed; 1 with one line on stderr if not."""
    if DEBIAN_CHROMIUM.exists() or playwright_chromium():
        return 0
    install = [sys.executable, "-m", "playwright", "install", "chromium"]
    if subprocess.run(install, capture_output=True).returncode == 0 and playwright_chromium():
        return 0
    print(
        "make test: the browser tests need Chromium: `sudo apt-get install chromium` "
        "(Debian, Ubuntu) or `.venv/bin/python -m playwright install chromium`",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
