"""The migration that moves each message's case from messaging_message.case_id into
discharge.CaseMessage: every link arrives, none is invented, and it runs back too. Runs on
SQLite and PostgreSQL (CI runs the suite on both)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from samplan.discharge.models import DischargeCase
from samplan.patients.testing import PatientFactory
from samplan.testing import build_cast

BEFORE = [("discharge", "0005_agreement_moved"), ("messaging", "0003_alerts")]
AFTER = [("discharge", "0006_case_message_link"), ("messaging", "0004_message_case_moved")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_links_move_to_the_case_and_back():
    cast = build_cast()
    cases = [
        DischargeCase.objects.create(
            patient=PatientFactory(),
            ward=cast.ward,
            care_type="somatic",
            admitted_at=timezone.now() - datetime.timedelta(days=2),
            region=cast.region,
            opened_by=cast.ward_nurse,
        )
        for _ in range(2)
    ]
    old = _migrate(BEFORE)
    Message = old.get_model("messaging", "Message")

    def message(case, key):
        return Message.objects.create(
            message_type="extra_message",
            patient_id=(case or cases[0]).patient_id,
            sender_unit_id=cast.ward.pk,
            sender_user_id=cast.ward_nurse.pk,
            case_id=case.pk if case else None,
            idempotency_key=key,
        )

    on_first = [message(cases[0], f"a{i}") for i in range(3)]
    on_second = [message(cases[1], "b")]
    loose = message(None, "loose")

    new = _migrate(AFTER)
    CaseMessage = new.get_model("discharge", "CaseMessage")
    links = dict(CaseMessage.objects.values_list("message_id", "case_id"))
    assert links == {
        **{m.pk: cases[0].pk for m in on_first},
        **{m.pk: cases[1].pk for m in on_second},
    }
    assert loose.pk not in links
    assert "case_id" not in {f.column for f in new.get_model("messaging", "Message")._meta.fields}

    back = _migrate(BEFORE)
    restored = dict(back.get_model("messaging", "Message").objects.values_list("pk", "case_id"))
    assert restored == {
        **{m.pk: cases[0].pk for m in on_first},
        on_second[0].pk: cases[1].pk,
        loose.pk: None,
    }
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
