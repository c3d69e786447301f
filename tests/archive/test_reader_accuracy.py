"""Accuracy of the report reader on 82 real reports (tests/data/reports), labelled by hand.

Per field and overall; the test fails when any field falls below 90 %. The figures are printed
(run with -s) so that a change of rules shows what it gains and loses.
"""

import pytest
from reader_eval import FIELDS, REPORTS, score

MIN_ACCURACY = 0.90


@pytest.fixture(scope="module")
def everything():
    return score()


def test_the_set_is_large_and_varied():
    import yaml

    labels = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in REPORTS.glob("*.yaml")]
    texts = [p.with_suffix(".txt").read_text(encoding="utf-8") for p in REPORTS.glob("*.yaml")]
    assert len(labels) >= 30
    assert sum(1 for x in labels if x["language"] == "ja") >= 5
    outlets = {t.splitlines()[1] for t in texts}
    assert all(t.startswith(("Title:",)) and t.splitlines()[1].startswith("Outlet:") for t in texts)
    assert len(outlets) >= 25
    years = {int(x["date"][:4]) for x in labels if x.get("date")}
    assert min(years) <= 2016 and max(years) >= 2024


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_is_read_right_in_nine_reports_of_ten(everything, field):
    acc = everything.accuracy(field)
    misses = [m for m in everything.misses if f" {field}:" in m]
    print(f"{field}: {acc:.1%} ({everything.right[field]}/{everything.total[field]})")
    assert acc >= MIN_ACCURACY, "\n".join(misses)


def test_overall_accuracy_and_the_held_out_reports(everything):
    held = score("heldout")
    print(f"overall {everything.overall:.1%}; held out {held.overall:.1%}")
    assert everything.overall >= MIN_ACCURACY
    assert held.overall >= MIN_ACCURACY
    for field in FIELDS:
        assert held.accuracy(field) >= MIN_ACCURACY - 0.05, field
