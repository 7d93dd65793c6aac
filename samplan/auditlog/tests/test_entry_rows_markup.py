# ruff: noqa: E501 (the template before, as it was, in TEMPLATE_BEFORE)
"""The access-log table's rows written in Python (logreview/templatetags/log_entries.py)
give, character for character, the markup logreview/_entries.html's template loop gave."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from samplan.accounts.models import User
from samplan.auditlog.details import detail_code
from samplan.auditlog.models import AccessLogEntry
from samplan.core.localtime import STOCKHOLM
from samplan.logreview.presentation import entry_rows
from samplan.logreview.selectors import ROW_RELATED
from samplan.organizations.models import Unit
from samplan.patients.models import Patient, Protection

# logreview/_entries.html as it was before its rows were written in Python (commit 35011ef),
# but for the unit's filter link: the unit filter is typed since, so the link carries the
# unit's HSA-id, or its name when it has none, instead of its id.
TEMPLATE_BEFORE = """{% load i18n %}{# The rows of the access log: rows (presentation.EntryRow), caption, select (checkbox name or empty), checked_column (show "Checked: yes/no" instead), links (filter links on) #}
<div class="table-wrap">
<table class="log-table">
  <caption>{{ caption }}</caption>
  <thead><tr>
    {% if select %}<th scope="col"><span class="visually-hidden">{% translate "Choose" %}</span></th>{% elif checked_column %}<th scope="col">{% translate "Checked" %}</th>{% endif %}
    <th scope="col">{% translate "Time" %}</th>
    <th scope="col">{% translate "User" %}</th>
    <th scope="col">{% translate "Unit" %}</th>
    <th scope="col">{% translate "Patient" %}</th>
    <th scope="col">{% translate "Action" %}</th>
    <th scope="col">{% translate "Marks" %}</th>
  </tr></thead>
  <tbody>
  {% for row in rows %}{% with entry=row.entry %}
    <tr{% if row.flags %} class="log-row--flagged"{% endif %}>
      {% if select %}<td><input type="checkbox" name="{{ select }}" value="{{ entry.pk }}" id="{{ select }}-{{ entry.pk }}"{% if row.checked %} checked{% endif %}><label for="{{ select }}-{{ entry.pk }}"><span class="visually-hidden">{% blocktranslate with time=entry.at|date:"Y-m-d H:i" user=row.user_name %}Access {{ time }} by {{ user }}{% endblocktranslate %}</span></label></td>{% elif checked_column %}<td>{% if row.checked %}{% translate "Yes" %}{% else %}{% translate "No" %}{% endif %}</td>{% endif %}
      <td class="nowrap">{{ entry.at|date:"Y-m-d H:i:s" }}</td>
      <td>{% if links %}<a href="?user={{ entry.user.username|urlencode }}">{{ row.user_name }}</a>{% else %}{{ row.user_name }}{% endif %}{% if entry.user_hsa_id %}<br><span class="muted">{{ entry.user_hsa_id }}</span>{% endif %}</td>
      <td>{% if entry.unit_id %}{% if links %}<a href="?unit={{ entry.unit.hsa_id|default:entry.unit.name|urlencode }}">{{ entry.unit.name }}</a>{% else %}{{ entry.unit.name }}{% endif %}{% else %}<span class="muted">{% translate "No unit" %}</span>{% endif %}</td>
      <td>{% if row.patient %}{% if links %}<a href="?patient={{ row.patient.pk }}">{{ row.patient.name }}</a>{% else %}{{ row.patient.name }}{% endif %}<br><span class="nowrap">{{ row.patient.identity }}</span>{% if row.patient.badge %} <span class="badge badge--alert">{{ row.patient.badge }}</span>{% endif %}
        {% elif row.searched %}<span class="muted">{% translate "Searched for" %}</span> <span class="nowrap">{{ row.searched }}</span><br><span class="muted">{% translate "nobody shown" %}</span>
        {% else %}<span class="muted">–</span>{% endif %}</td>
      <td>{{ row.action }}{% if row.what %}: {{ row.what }}{% endif %}{% if row.detail %}<br><span class="muted">{{ row.detail }}</span>{% endif %}{% if entry.client_address %}<br><span class="muted">{{ entry.client_address }}</span>{% endif %}{% if entry.integration_client %}<br><span class="muted">{% translate "Integrating system" %}: {{ entry.integration_client }}</span>{% endif %}</td>
      <td>{% for flag in row.flags %}<span class="badge badge--warn">{{ flag }}</span> {% empty %}<span class="muted">{% translate "None" context "access log marks" %}</span>{% endfor %}</td>
    </tr>
  {% endwith %}{% empty %}
    <tr><td colspan="{% if select or checked_column %}7{% else %}6{% endif %}">{% translate "No accesses match." %}</td></tr>
  {% endfor %}
  </tbody>
</table>
</div>
"""

AT = datetime.datetime(2026, 3, 3, 23, 59, 58, tzinfo=STOCKHOLM)


def hand_made_rows() -> list[AccessLogEntry]:
    """Rows the fixture's log has not: no unit, an integrating system, a detail code, no
    HSA-id and no full name, and markup and quotes in every free-text value."""
    odd = User(pk=990001, username="o'hara&<b>", first_name="", last_name="")
    named = User(pk=990002, username="anna svensson+x/y", first_name="Anna <i>", last_name="Ö")
    unit = Unit(pk=990003, name='Avd. 5 "<Hjärta>" & kärl')
    with_hsa_id = Unit(pk=990006, name="Avd/6 #1", hsa_id="SE2321000016-A&B 6")
    patient = Patient(
        pk=990004,
        first_name="<script>",
        last_name="O'Neil",
        identity_number="191212121212",
        protection=Protection.NONE,
    )
    hidden = Patient(
        pk=990005,
        first_name="Sara",
        last_name="Skyddad",
        identity_number="197001011234",
        protection=Protection.PROTECTED_REGISTRATION,
    )
    base = {"at": AT, "seq": 1, "prev_hash": "", "hash": ""}
    return [
        AccessLogEntry(
            pk=990010,
            user=odd,
            unit=None,
            patient=None,
            action="view",
            object_type="",
            **base,
        ),
        AccessLogEntry(
            pk=990011,
            user=named,
            user_hsa_id="SE2321000016-<1>",
            unit=unit,
            patient=patient,
            action="update",
            object_type="sipplan",
            detail=detail_code("list_page", list="received", page=2),
            client_address="10.0.0.7",
            integration_client="Journal & <Co>",
            not_participant=True,
            outside_hours=True,
            many_patients=True,
            **base,
        ),
        AccessLogEntry(
            pk=990012,
            user=named,
            unit=unit,
            patient=hidden,
            action="print",
            object_type="unknown_kind",
            detail="free <text> & more",
            protected_identity=True,
            **base,
        ),
        AccessLogEntry(
            pk=990013,
            user=odd,
            unit=unit,
            patient=None,
            searched_identity="191212121212",
            action="search",
            object_type="accesslog",
            **base,
        ),
        AccessLogEntry(
            pk=990014,
            user=odd,
            unit=with_hsa_id,
            patient=None,
            action="strange_action",
            **base,
        ),
    ]


MODES = {
    "search": {"select": "entries", "links": True},
    "review open": {"select": "checked"},
    "review recorded": {"checked_column": True},
    "plain": {},
}


def both(rows, **mode) -> tuple[str, str]:
    context = {"rows": rows, "caption": "12 <accesses>", **mode}
    before = engines["django"].from_string(TEMPLATE_BEFORE).render(context)
    return before, render_to_string("logreview/_entries.html", context)


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("mode", MODES)
def test_the_rows_are_the_templates(cast, log, language, mode):
    entries = (
        list(AccessLogEntry.objects.select_related(*ROW_RELATED).order_by("-at", "-pk"))
        + hand_made_rows()
    )
    assert len(entries) == 10
    checked = {log.ward_row.pk, 990011, 990013}
    with translation.override(language):
        rows = entry_rows(entries, checked=checked)
        before, after = both(rows, **MODES[mode])
    assert after == before
    if mode == "search":
        # The unit filter's links: the HSA-id, else the name, quoted for the address.
        assert 'href="?unit=SE2321000016-A%26B%206"' in after
        assert 'href="?unit=Avd.%205%20%22%3CHj%C3%A4rta%3E%22%20%26%20k%C3%A4rl"' in after
    # What the comparison covers: flags, protection, no unit, a system, escaping.
    assert "log-row--flagged" in after and "badge--alert" in after
    assert "&lt;script&gt;" in after and "<script>" not in after
    assert ("Integrerat system" if language == "sv" else "Integrating system") in after
    assert ("Ingen enhet" if language == "sv" else "No unit") in after


@pytest.mark.parametrize("mode", MODES)
def test_no_rows_is_the_templates(db, mode):
    with translation.override("sv"):
        before, after = both([], **MODES[mode])
    assert after == before and "Inga åtkomster matchar." in after
