"""workbook.display's line chart: a Vega-Lite 5 spec JupyterLab draws, and the same numbers as text."""

import pytest

from workbook.display import VEGA_LITE_MIME, line_chart


def test_a_line_chart_is_a_vega_lite_spec_with_its_numbers_as_a_text_table():
    chart = line_chart(
        [1_000, 5_000],
        {"sequential scan": [0.5, 2.25], "index scan": [0.03, 0.031]},
        x_title="rows in the table",
        y_title="ms",
        title="SELECT ...",
    )
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {VEGA_LITE_MIME, "text/plain"}
    assert VEGA_LITE_MIME == "application/vnd.vegalite.v5+json"
    spec = bundle[VEGA_LITE_MIME]
    assert spec["$schema"].endswith("/vega-lite/v5.json") and spec["title"] == "SELECT ..."
    assert spec["encoding"]["x"]["title"] == "rows in the table" and spec["encoding"]["y"]["title"] == "ms"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["sequential scan", "index scan"]
    assert {"x": 5_000, "y": 2.25, "series": "sequential scan"} in spec["data"]["values"]
    assert len(spec["data"]["values"]) == 4
    lines = bundle["text/plain"].splitlines()
    assert lines[0] == "SELECT ..."
    assert lines[1].split() == ["rows", "in", "the", "table", "sequential", "scan", "index", "scan"]
    assert lines[2].split() == ["1,000", "0.500", "0.030"]
    assert lines[3].split() == ["5,000", "2.250", "0.031"]


def test_counts_keep_whole_number_ticks_and_print_as_integers():
    chart = line_chart([1, 2], {"plain": [3, 5]}, x_title="n", y_title="queries", integers=True)
    spec = chart.spec
    assert spec["encoding"]["y"]["axis"] == {"tickMinStep": 1, "format": "d"}
    assert "title" not in spec
    assert str(chart).splitlines() == ["n   plain", "1       3", "2       5"]


def test_a_series_of_the_wrong_length_is_refused_with_the_lengths():
    with pytest.raises(ValueError, match=r"2 x values, but \{'plain': 3\}"):
        line_chart([1, 2], {"plain": [3, 5, 7]}, x_title="n", y_title="queries")
