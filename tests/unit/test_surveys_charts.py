"""Survey charts are self-contained SVG: well formed, nothing to run, what they were given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from aerie_gateway.surveys.charts import Line, MatrixPoint, Panel, matrix_svg, trend_svg

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg.encode())
    assert root.tag == f"{SVG}svg"
    assert not [e for e in root.iter() if e.tag in (f"{SVG}script", f"{SVG}foreignObject")]
    assert "href" not in svg and "url(" not in svg
    return root


def test_the_matrix_draws_one_numbered_point_per_driver_with_its_figures() -> None:
    points = [
        MatrixPoint("Workload <fair>", 0.62, 48.0, "CONCENTRATE_HERE", 1),
        MatrixPoint("Coaching", 0.55, 81.0, "KEEP_UP_THE_GOOD_WORK", 2),
    ]
    root = parsed(matrix_svg("Drivers", "pulse-3, site north", points, 0.58, 64.5))
    drivers = [g for g in root.iter(f"{SVG}g") if g.get("class") == "driver"]
    assert len(drivers) == 2
    hover = drivers[0].find(f"{SVG}title")
    assert hover is not None and hover.text is not None
    assert hover.text.startswith("#1 Workload <fair>: importance 0.62")


def test_a_trend_leaves_a_gap_where_a_wave_is_withheld() -> None:
    panel = Panel("Employee satisfaction", 0, 100, (Line("north", (60.0, None, 70.0, 72.0)),), "%")
    root = parsed(trend_svg("Trend", "pulse", ["w1", "w2", "w3", "w4"], [panel]))
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1  # w1 stands alone; w3-w4 are joined
    assert len(lines[0].get("points", "").split()) == 2
    assert len(list(root.iter(f"{SVG}circle"))) == 3
