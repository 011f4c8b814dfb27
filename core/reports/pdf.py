"""PDF documents with reportlab: a member's statement (running balances, a balance chart) and a group report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.ledger.statements import Statement

BRAND = colors.HexColor("#0b6e4f")


def amount(value: int, currency: str) -> str:
    return f"{value:,} {currency}"


@dataclass(frozen=True, slots=True)
class StatementDoc:
    organization: str
    member_name: str
    member_phone: str
    group: str
    start: date
    end: date  # exclusive
    statement: Statement


@dataclass(frozen=True, slots=True)
class GroupReportDoc:
    organization: str
    group: str
    start: date
    end: date
    currency: str
    members: Sequence[tuple[str, int]]  # name, balance
    months: Sequence[tuple[date, int]]  # collections per month


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), BRAND),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("ALIGN", (-2, 1), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def _balance_chart(points: Sequence[tuple[int, int]]) -> Drawing:
    drawing = Drawing(170 * mm, 55 * mm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 15 * mm, 8 * mm, 150 * mm, 42 * mm
    plot.data = [list(points) if len(points) > 1 else [(0, 0), (1, points[0][1] if points else 0)]]
    plot.lines[0].strokeColor = BRAND
    plot.lines[0].strokeWidth = 1.5
    plot.xValueAxis.visibleLabels = False
    drawing.add(plot)
    return drawing


def _bar_chart(values: Sequence[int], labels: Sequence[str]) -> Drawing:
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 10 * mm, 150 * mm, 40 * mm
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = list(labels) or [""]
    chart.categoryAxis.labels.fontSize = 7
    chart.bars[0].fillColor = BRAND
    drawing.add(chart)
    return drawing


def _header(doc_title: str, organization: str, lines: Sequence[str]) -> list[object]:
    styles = getSampleStyleSheet()
    out: list[object] = [Paragraph(organization, styles["Title"]), Paragraph(doc_title, styles["Heading2"])]
    out += [Paragraph(line, styles["Normal"]) for line in lines]
    out.append(Spacer(1, 4 * mm))
    return out


def member_statement_pdf(doc: StatementDoc) -> bytes:
    """A statement for one member's savings in one group over a period: opening, lines, closing, chart."""
    st, cur = doc.statement, doc.statement.currency
    last = date.fromordinal(doc.end.toordinal() - 1)
    story = _header(
        "Member statement",
        doc.organization,
        [
            f"{doc.member_name} · {doc.member_phone}",
            f"Group: {doc.group}",
            f"Period: {doc.start.isoformat()} to {last.isoformat()}",
            f"Opening balance: {amount(st.opening_balance.amount, cur)}",
            f"Closing balance: {amount(st.closing_balance.amount, cur)}",
        ],
    )
    rows = [["Date", "Kind", "Memo", "Amount", "Balance"]]
    rows += [
        [
            line.effective_at.strftime("%Y-%m-%d"),
            line.kind,
            line.memo[:40],
            amount(line.amount.amount, cur),
            amount(line.running_balance.amount, cur),
        ]
        for line in st.lines
    ]
    story.append(_table(rows, [24 * mm, 30 * mm, 55 * mm, 30 * mm, 32 * mm]))
    story.append(Spacer(1, 6 * mm))
    points = [(0, st.opening_balance.amount)] + [
        (i + 1, ln.running_balance.amount) for i, ln in enumerate(st.lines)
    ]
    story.append(_balance_chart(points))
    return _build(story, f"Statement {doc.member_name}")


def group_report_pdf(doc: GroupReportDoc) -> bytes:
    """A group's collections per month in a period and its members' balances, with a bar chart."""
    last = date.fromordinal(doc.end.toordinal() - 1)
    total = sum(v for _, v in doc.months)
    story = _header(
        "Group report",
        doc.organization,
        [
            f"Group: {doc.group}",
            f"Period: {doc.start.isoformat()} to {last.isoformat()}",
            f"Collected: {amount(total, doc.currency)}",
        ],
    )
    story.append(_bar_chart([v for _, v in doc.months], [m.strftime("%Y-%m") for m, _ in doc.months]))
    rows = [["Member", "Savings"]] + [[name, amount(bal, doc.currency)] for name, bal in doc.members]
    story.append(_table(rows, [120 * mm, 40 * mm]))
    return _build(story, f"Group report {doc.group}")


def _build(story: list[object], title: str) -> bytes:
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="Ibimina",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    pdf.build(story)
    return buffer.getvalue()
