"""Constants and helpers shared by the fixtures and the tests (conftest modules are not
importable by name)."""

import os
import subprocess
import sys
from pathlib import Path

PUBLIC_BASE_URL = "https://outreach.test"
ROOT = Path(__file__).resolve().parent.parent

#: Twilio's OpenAPI description of REST API v2010, kept in the repository (see its README.md)
TWILIO_OPENAPI = Path(__file__).resolve().parent / "twilio_api" / "twilio_api_v2010.json"


def run_worker(env: dict, timeout: float = 90) -> subprocess.CompletedProcess:
    """One `outreach worker --burst` process with this environment, to completion."""
    return subprocess.run(
        [sys.executable, "-m", "outreach", "worker", "--burst"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
