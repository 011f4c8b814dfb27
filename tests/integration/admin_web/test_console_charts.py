"""Pure helpers of the console: bar geometry for the SVG chart, CSV cells that cannot run as formulas, money."""

from __future__ import annotations

from datetime import date, timedelta

from admin_web.charts import bar_chart
from admin_web.i18n import money
from core.money import Money
from core.reports.collections import to_csv


def test_bars_scale_to_the_tallest_and_stay_inside() -> None:
    days = [(date(2026, 11, 1) + timedelta(n), v) for n, v in enumerate([0, 5000, 10000, 2500])]
    chart = bar_chart(days, width=400, height=100)
    heights = [b.height for b in chart.bars]
    assert heights[0] == 0 and heights[2] == max(heights) and abs(heights[1] - heights[2] / 2) < 0.01
    assert all(b.x >= 0 and b.x + b.width <= 400 and b.y >= 0 for b in chart.bars)
    assert chart.bars[-1].tick == "04/11" and chart.peak == 10000
    assert bar_chart([]).bars == () and bar_chart([(date(2026, 1, 1), 0)]).bars[0].height == 0


def test_csv_cells_are_not_formulas_and_money_reads_well() -> None:
    text = to_csv(["name", "amount"], [["=HYPERLINK(1)", 5], ["Aline", -3], ["+250788123456", "-1+2"]])
    assert text.splitlines() == ["name,amount", "'=HYPERLINK(1),5", "Aline,-3", "+250788123456,'-1+2"]
    assert money(Money(1250000, "RWF")) == "1\u202f250\u202f000 RWF"
    assert money(None) == "—"
