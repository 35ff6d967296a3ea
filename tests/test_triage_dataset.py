"""The classifier against the data: the blind set's frozen checksum and floors, the tuning
set's cross-validated figures, and the docs' generated block.

The floors are the blind figures measured once the method was final (docs/triage.md says
when), rounded down a little: a change that makes them worse fails here. Never tune on the
blind set: if a change is made *because* of its rows, the set is no longer blind."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from outreach.triage import TRIAGE_CLASSES, classify

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "triage"
CV = ROOT / "bench" / "results" / "triage_cv.json"

#: blind figures measured with the final method, rounded down (never above what was measured),
#: the lower of the two blind sets: blind29.csv and blind30.csv, one measurement each
#: (2026-11-30 03:57 UTC, model of f0267d5; blind31/32, the next pair, frozen, not measured):
#: accuracy 88.3 / 90.5 %, urgent recall 97.5 / 97.5 %, opt-out recall 96.6 / 95.9 %,
#: precision 98.8 / 98.5 %, needs_review 3.0 / 2.1 %; the sets before: blind27 and blind28
#: 91.5 / 95.8 / 96.9 / 98.7 % and 89.5 / 98.4 / 93.9 / 99.4 %, blind25 and blind26 89.2 /
#: 91.0 / 89.7 / 98.6 % and 90.8 / 94.2 / 94.8 / 97.5 %
BLIND_FLOORS = {
    "accuracy": 0.88,
    "urgent_recall": 0.97,
    "opt_out_recall": 0.95,
    "opt_out_precision": 0.98,
}
BLIND_MAX_NEEDS_REVIEW = 0.04


def _report():
    spec = importlib.util.spec_from_file_location(
        "triage_report", ROOT / "bench" / "triage_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BLINDS = ("blind29", "blind30")


@pytest.mark.parametrize("name", BLINDS)
def test_the_blind_sets_are_the_frozen_ones(name):
    want = (DATA / f"{name}.sha256").read_text(encoding="utf-8").split()[0]
    assert hashlib.sha256((DATA / f"{name}.csv").read_bytes()).hexdigest() == want


@pytest.fixture(scope="module")
def blind():
    report = _report()
    assert report.BLINDS == BLINDS
    return {name: report.measure_blind(name) for name in BLINDS}  # checksums checked again


@pytest.mark.parametrize("name", BLINDS)
def test_blind_floors(blind, name):
    fig = blind[name]
    got = {
        "accuracy": fig["accuracy"],
        "urgent_recall": fig["classes"]["urgent"]["recall"],
        "opt_out_recall": fig["classes"]["opt_out"]["recall"],
        "opt_out_precision": fig["classes"]["opt_out"]["precision"],
    }
    for key, floor in BLIND_FLOORS.items():
        assert got[key] >= floor, f"{name} {key} {got[key]:.3f} < floor {floor}"
    assert fig["needs_review"] <= BLIND_MAX_NEEDS_REVIEW


def test_the_tuning_set_is_large_varied_and_labelled_with_known_classes():
    with (DATA / "tuning.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 2900
    assert {r["label"] for r in rows} <= set(TRIAGE_CLASSES)
    assert sum(r["lang"] == "es" for r in rows) >= 0.15 * len(rows)


def test_the_cross_validated_comparison_is_recorded():
    data = json.loads(CV.read_text(encoding="utf-8"))
    methods = data["methods"]
    assert {"rules", "ngrams", "ngrams_rules", "pipeline"} <= set(methods)
    assert methods["ngrams_rules"]["accuracy"] > methods["rules"]["accuracy"]
    pipeline = methods["pipeline"]["classes"]
    assert pipeline["opt_out"]["precision"] >= 0.98
    assert pipeline["urgent"]["recall"] >= 0.93


def test_the_figures_in_the_docs_are_current(blind):
    report = _report()
    expected = report.cv_report() + "".join(
        "\n\n" + report.blind_report(blind[name]) for name in BLINDS
    )
    doc = report.DOCS.read_text(encoding="utf-8")
    block = doc[doc.index(report.BEGIN) + len(report.BEGIN) : doc.index(report.END)].strip()
    assert block == expected.strip(), (
        "run: .venv/bin/python bench/triage_report.py --blind --write-docs"
    )


def test_the_old_replies_still_mostly_agree():
    """tests/data/replies.csv was labelled under the old guide ("who is this" was wrong_number,
    opt_out outranked urgent); most of it must still agree."""
    with (ROOT / "tests" / "data" / "replies.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    right = sum(classify(r["text"]).triage_class == r["expected"] for r in rows)
    assert right / len(rows) >= 0.75
