"""My reports writes its rows in Python: each reads exactly as the template wrote it."""

import re

from django.template import Context, Template
from django.urls import reverse

from cases import services
from cases.conversation import report_message_post
from cases.models import MessageSide
from cases.views import _my_row
from tests.factories import ReportFactory

# The row as the page's template wrote it before the rows were written in Python.
TEMPLATE_ROW = Template("""
  <a class="list-group-item list-group-item-action" href="{{ report.url }}">
    <div class="d-flex justify-content-between align-items-start gap-2">
      <span><strong>{{ report.reference|default:"Draft" }}</strong> · {{ report.category_label }}{% if report.new_messages %} <span class="badge bg-warning text-dark" data-testid="new-messages">{{ report.new_messages }} new message{{ report.new_messages|pluralize }}</span>{% endif %}</span>
      <span class="badge status-{{ report.status }} flex-shrink-0">{{ report.status_label }}</span>
    </div>
    <div class="small text-truncate" data-testid="snippet">{{ report.narrative|truncatechars:90 }}</div>
    <div class="small text-muted">{{ report.event_type_label }} · {{ report.date_label }}{% if report.feedback %} · <strong class="text-success">Feedback from your safety lead</strong>{% endif %}</div>
  </a>
""")  # noqa: E501


def between_tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_each_row_reads_as_the_template_wrote_it(world, client_for):
    long_text = "Pump alarm <silenced> & \"ignored\" at the start of the shift; " * 3
    combining = "e\u0301" * 95  # 95 letters written as 190 characters
    reports = [
        ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=long_text,
                      feedback="Thank you <b>for this</b>", category="fall"),
        ReportFactory(hospital=world.hospital, reporter=world.staff, narrative=combining),
        ReportFactory(hospital=world.hospital, reporter=world.staff, narrative="x" * 90,
                      status="draft", reference="", submitted_at=None, category=""),
        ReportFactory(hospital=world.hospital, reporter=world.staff, narrative="x" * 91,
                      reference="TST-<&>-1"),
    ]
    for count, report in zip((1, 2), reports[:2], strict=True):
        for n in range(count):
            report_message_post(report=report, author=world.lead, side=MessageSide.REVIEWER,
                                text=f"Question {n}")
    services.report_withdraw(report=reports[3], actor=world.lead, reason="Duplicate.")

    response = client_for(world.staff).get(reverse("my-reports"))
    page = response.context["page"]
    assert {r.pk for r in page} == {r.pk for r in reports}
    assert sorted(r.new_messages for r in page) == [0, 0, 1, 2]
    html = response.content.decode()
    for report in page:
        row = _my_row(report)
        assert between_tags(row) == between_tags(TEMPLATE_ROW.render(Context({"report": report})))
        assert row in html
    assert "&lt;silenced&gt; &amp; &quot;ignored&quot;" in html
    assert "TST-&lt;&amp;&gt;-1" in html and "<b>for this" not in html
    assert "1 new message<" in html and "2 new messages<" in html
    assert ">Draft</strong>" in html


def test_no_report_says_how_to_file_one(world, client_for):
    html = client_for(world.staff).get(reverse("my-reports")).content.decode()
    assert 'data-testid="empty-state"' in html and "list-group-item-action" not in html
