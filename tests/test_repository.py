"""The repository is complete on its own: a fresh clone on a fresh machine has everything the
tests read, pinned, and nothing in the code, tests, CI or docs points outside it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from testenv import TWILIO_OPENAPI

ROOT = Path(__file__).resolve().parent.parent
#: what a path outside the checkout looks like: the sibling folder of the development machine
OUTSIDE = re.compile(r"\.\./shared|/work/(shared|main)\b")


def _tracked(*patterns: str) -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "-z", "--", *patterns], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [ROOT / name.decode() for name in names if name]


def test_nothing_tracked_points_outside_the_repository():
    offenders = []
    for path in _tracked():
        if path.suffix in {".csv", ".npz", ".png", ".json"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [
            f"{path.relative_to(ROOT)}:{n}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line) and path.name != "test_repository.py"
        ]
    assert offenders == []


def test_the_twilio_description_the_tests_check_against_is_tracked_in_the_repository():
    assert TWILIO_OPENAPI.is_relative_to(ROOT)
    assert _tracked(str(TWILIO_OPENAPI.relative_to(ROOT))) == [TWILIO_OPENAPI]
    document = json.loads(TWILIO_OPENAPI.read_text(encoding="utf-8"))
    assert "/2010-04-01/Accounts/{AccountSid}/Messages.json" in document["paths"]


def test_the_node_tools_are_pinned_by_a_tracked_lockfile_that_make_test_installs():
    lock = ROOT / "tests" / "contract" / "package-lock.json"
    assert _tracked("tests/contract/package.json", "tests/contract/package-lock.json") == [
        ROOT / "tests" / "contract" / "package-lock.json",
        ROOT / "tests" / "contract" / "package.json",
    ]
    pinned = json.loads(lock.read_text(encoding="utf-8"))["packages"]
    prism = pinned["node_modules/@stoplight/prism-cli"]
    assert prism["version"] == "5.9.0" and prism["integrity"].startswith("sha512-")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "npm ci" in makefile and "tests/contract/node_modules/.installed" in makefile
    assert "ensure_chromium.py" in makefile  # the browser tests' Chromium, or one line why not


def test_the_demo_installs_only_the_runtime_dependencies():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo = re.search(r"^demo: (.+)$", makefile, re.M).group(1)
    runtime = re.search(r"^\$\(VENV\)/\.runtime:.*\n\t(.+)$", makefile, re.M).group(1)
    assert demo.strip() == "$(VENV)/.runtime"
    assert "pip install" in runtime and "[test]" not in runtime
