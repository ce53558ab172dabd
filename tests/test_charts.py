"""Chart geometry (pure functions): bars proportional to their values, whole-number ticks, a
text alternative that names the extremes, labels that fit (``tests/test_layering.py`` checks
that they import no framework)."""

from __future__ import annotations

import pytest

from training.charts import bar_chart, line_chart, short


def test_bars_are_proportional_and_described():
    chart = bar_chart("Completion by unit", [("Unit 1", 50), ("Unit 2", 100), ("Unit 3", 0)])
    assert [b.length for b in chart.bars] == [chart.plot_width / 2, chart.plot_width, 0]
    assert [t.label for t in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert "Highest: Unit 2, 100%" in chart.description and "Lowest: Unit 3, 0%" in chart.description
    assert chart.height > chart.bars[-1].y + chart.bar_height


def test_long_labels_are_cut_to_fit_but_kept_in_full():
    label = "Irregular migration, migrant smuggling and trafficking in persons"
    bar = bar_chart("x", [(label, 10)]).bars[0]
    assert bar.full_label == label and len(bar.label) <= 30 and bar.label.endswith("…")
    assert short("Short") == "Short"


@pytest.mark.parametrize("values, top", [([0, 1, 3], 4), ([5, 7], 8), ([19], 20), ([41], 80), ([150, 90], 200)])
def test_line_chart_scales_to_a_whole_number_ceiling(values, top):
    chart = line_chart("Completions", [(f"M{i}", v) for i, v in enumerate(values)])
    assert chart.y_ticks[-1].label == str(top)
    assert all(t.label.isdigit() for t in chart.y_ticks)
    assert chart.path.startswith("M") and chart.path.count("L") == len(values) - 1


def test_empty_charts_say_so():
    assert bar_chart("By country", []).description == "By country: no data yet."
    assert line_chart("Completions", []).points == ()
