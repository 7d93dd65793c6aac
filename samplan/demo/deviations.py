"""Deviations in the demo (issue 15): the region's patient-safety function at Regionkansliet
and Katrineholm's MAS at VOF receive them; Eva Söderberg and Birgitta Olsson handle them.

Home health care in Katrineholm has reported deviations about the region in every state
(received, under investigation, answered, closed), from cases it takes part in; a ward has
reported one to Katrineholm; and one free-standing deviation concerns Flen as well. Everything
goes through the services, so the thread, the due dates and the access log are as in a running
installation.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from samplan.accounts.models import Membership, Role
from samplan.core.actor import task_actor
from samplan.deviations import services
from samplan.deviations.models import Category, Deviation, DeviationSettings
from samplan.discharge.models import CaseParticipant

HOUR = datetime.timedelta(hours=1)


def _case_of(unit):
    return (
        CaseParticipant.objects.filter(unit=unit, left_at__isnull=True)
        .order_by("case_id")
        .values_list("case_id", flat=True)
    )


def build_deviations(demo) -> None:
    region_unit, municipal_unit = demo.units["RSKANSLI"], demo.units["VOF"]
    region, katrineholm = region_unit.organization, municipal_unit.organization
    flen = demo.units["FLHSV"].organization
    DeviationSettings.objects.create(organization=region, receiving_unit=region_unit)
    DeviationSettings.objects.create(organization=katrineholm, receiving_unit=municipal_unit)
    started = timezone.localdate() - datetime.timedelta(days=365)
    region_handler, municipal_handler = demo.users["eva.soderberg"], demo.users["birgitta.olsson"]
    Membership.objects.bulk_create(
        [
            Membership(
                user=region_handler,
                unit=region_unit,
                role=Role.DEVIATION_HANDLER,
                valid_from=started,
            ),
            Membership(
                user=municipal_handler,
                unit=municipal_unit,
                role=Role.DEVIATION_HANDLER,
                valid_from=started,
            ),
        ]
    )
    nurse = task_actor(demo.users["fatima.hassan"], demo.units["VOFHSVN"])
    ward = task_actor(demo.users["anna.lindqvist"], demo.units["MSEAVD11"])
    region_handling = task_actor(region_handler, region_unit)
    municipal_handling = task_actor(municipal_handler, municipal_unit)
    now = timezone.now()
    nurse_cases = list(_case_of(demo.units["VOFHSVN"])[:4])
    ward_cases = list(_case_of(demo.units["MSEAVD11"])[:1])

    def report(actor, key, category, text, organizations, case_id=None, hours_ago=5) -> Deviation:
        return services.deviation_report(
            actor=actor,
            category=category,
            occurred_at=now - hours_ago * HOUR,
            description=text,
            organization_ids=[o.pk for o in organizations],
            submission_key=f"demo-{key}",
            case_id=case_id,
        )

    def recipient(deviation: Deviation, organization):
        return deviation.recipients.get(organization=organization).pk

    case = iter(nurse_cases + [None] * 4)
    report(  # received: waits for the region
        nurse,
        "received",
        Category.MESSAGE_LATE,
        "Inskrivningsmeddelandet kom först dagen efter inskrivningen, när hemsjukvården redan "
        "hade åkt hem till patienten för ett planerat besök.",
        [region],
        next(case),
    )
    investigating = report(
        nurse,
        "investigating",
        Category.MEDICATION,
        "Läkemedelslistan saknades vid hemgång; kvällens insulindos kunde inte ges enligt "
        "ordination förrän vårdcentralen nåtts nästa morgon.",
        [region],
        next(case),
        hours_ago=30,
    )
    services.deviation_move(
        actor=region_handling, recipient_id=recipient(investigating, region), to="investigating"
    )
    services.deviation_comment(
        actor=region_handling,
        recipient_id=recipient(investigating, region),
        text="Vi utreder med avdelningen. Vilken tid kom patienten hem?",
    )
    services.deviation_comment(
        actor=nurse,
        recipient_id=recipient(investigating, region),
        text="Patienten kom hem kl. 17.40 med sjukresa.",
    )
    answered = report(
        nurse,
        "answered",
        Category.AIDS,
        "Patienten skrevs ut utan beställd rullator och toalettförhöjning trots att behovet "
        "stod i planeringsunderlaget.",
        [region],
        next(case),
        hours_ago=72,
    )
    services.deviation_move(
        actor=region_handling,
        recipient_id=recipient(answered, region),
        to="answered",
        text="Beställningen föll mellan arbetsterapeutens och avdelningens ansvar. Avdelningen "
        "har nu en checklista för hjälpmedel före utskrivningsklar.",
    )
    closed = report(
        nurse,
        "closed",
        Category.INFORMATION,
        "Planeringsunderlaget saknade uppgift om att patienten behöver hjälp med förflyttning "
        "nattetid.",
        [region],
        next(case),
        hours_ago=200,
    )
    services.deviation_move(
        actor=region_handling,
        recipient_id=recipient(closed, region),
        to="answered",
        text="Mallen för planeringsunderlag har fått ett fält för nattliga behov.",
    )
    services.deviation_move(actor=nurse, recipient_id=recipient(closed, region), to="closed")
    # A ward reports to Katrineholm; the MAS has started investigating.
    from_ward = report(
        ward,
        "ward",
        Category.PLANNING,
        "Hemtjänsten var inte på plats vid hemgången trots bekräftad tid i planeringen.",
        [katrineholm],
        ward_cases[0] if ward_cases else None,
        hours_ago=50,
    )
    services.deviation_move(
        actor=municipal_handling,
        recipient_id=recipient(from_ward, katrineholm),
        to="investigating",
    )
    # Free-standing, to the region and Flen (which has no receiving unit yet).
    report(
        nurse,
        "free",
        Category.WRONG_RECIPIENT,
        "Flera meddelanden om patienter folkbokförda i Flen har adresserats till "
        "hemsjukvården i Katrineholm den senaste veckan.",
        [region, flen],
    )
