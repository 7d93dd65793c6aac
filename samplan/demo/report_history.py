"""Earlier stays of the demo's people, so that Rapporter's follow-up indicators and the
national statistics of utskrivningsklara days have figures for the months before this one.

Eight finished stays between ten and two and a half weeks ago, told through the same
services as the current cases (samplan.demo.cases.Story), each closed before the demo's
current cases open: a SIP summons with its meeting; an admission notice sent late (not within
24 hours); readiness withdrawn and given again; a psychiatric stay; stays across a month end
whatever day the demo is loaded; and two readmissions within 30 days (Margareta twice, and Göte,
whose current case opens 19 days after this earlier discharge). Every delivery is
acknowledged the same or the next working morning, so no inbox has anything old left.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.utils import timezone

from samplan.core.message_types import MessageType
from samplan.demo.cases import DemoClock, Story, _at, _members
from samplan.messaging.models import Delivery

M = MessageType


@dataclass(frozen=True)
class EarlierStay:
    patient: str
    ward: str
    admitted: tuple[int, str]  # (day offset from the last cut-off's day, wall time)
    notice: tuple[int, str]
    ready: tuple[int, str]
    discharged: tuple[int, str]
    withdrawn: tuple[int, str] | None = None  # readiness withdrawn, ready again a day later
    summons_from: str = ""  # the care centre that summons to a SIP (meeting 4 days on)


STAYS = (
    EarlierStay("arne", "MSEAVD11", (-68, "09:15"), (-68, "10:20"), (-60, "10:00"),
                (-52, "14:00"), summons_from="VCKNORR"),
    EarlierStay("kerstin", "MSEAVD12", (-62, "22:40"), (-61, "08:10"), (-55, "13:40"),
                (-49, "11:30"), summons_from="VCKNORR"),
    # The admission notice two days late.
    EarlierStay("bengt", "MSEAVD11", (-50, "11:00"), (-48, "10:05"), (-44, "09:00"),
                (-40, "15:20")),
    EarlierStay("patrik", "MSEAVD51", (-58, "02:30"), (-58, "08:45"), (-50, "09:30"),
                (-44, "10:00")),
    EarlierStay("margareta", "MSEAVD12", (-45, "08:00"), (-45, "10:00"), (-38, "09:00"),
                (-33, "13:00")),
    EarlierStay("gote", "MSEAVD12", (-42, "16:30"), (-42, "17:05"), (-37, "10:10"),
                (-33, "11:00")),
    EarlierStay("sven", "MSEAVD11", (-40, "10:30"), (-40, "11:15"), (-35, "09:20"),
                (-29, "12:00"), withdrawn=(-34, "08:30")),
    # Margareta back 7 days after her discharge.
    EarlierStay("margareta", "MSEAVD11", (-25, "19:45"), (-24, "08:05"), (-21, "11:00"),
                (-18, "10:30")),
)  # fmt: skip


def _acknowledge_all(s: Story, message, at: datetime.datetime, codes: dict[int, str]) -> None:
    """Every delivery of the message, by its unit, at `at`."""
    for unit_id in Delivery.objects.filter(message=message).values_list("unit_id", flat=True):
        s.acknowledge(message, **{codes[unit_id]: at})


def _tell(s: Story, c: DemoClock, stay: EarlierStay, codes: dict[int, str]) -> None:
    def day(moment: tuple[int, str]) -> datetime.datetime:
        return c.day(*moment)

    def next_morning(moment: datetime.datetime) -> datetime.datetime:
        return moment + datetime.timedelta(hours=1, minutes=10)

    # Only to units someone answers for in the demo, so that every delivery is acknowledged.
    unanswered = [code for code in codes.values() if code not in s.members]
    send = functools.partial(s.send, drop=unanswered)

    ward = stay.ward
    s.open(stay.patient, ward, admitted=day(stay.admitted), at=day(stay.admitted))
    notice = send(M.ADMISSION_NOTICE, ward, day(stay.notice), {"ward_phone": "016-10 32 00"})
    _acknowledge_all(s, notice, next_morning(day(stay.notice)), codes)
    ready_at = day(stay.ready)
    ready = send(M.READY_FOR_DISCHARGE, ward, ready_at, {"judged_at": _at(ready_at)})
    _acknowledge_all(s, ready, next_morning(ready_at), codes)
    if stay.withdrawn is not None:
        withdrawn_at = day(stay.withdrawn)
        withdrawn = send(
            M.READINESS_WITHDRAWN,
            ward,
            withdrawn_at,
            {"reason": "Feber sedan i natt, odlingar tagna."},
            text="Feber sedan i natt, odlingar tagna.",
        )
        _acknowledge_all(s, withdrawn, next_morning(withdrawn_at), codes)
        again_at = withdrawn_at + datetime.timedelta(days=1)
        again = send(M.READY_FOR_DISCHARGE, ward, again_at, {"judged_at": _at(again_at)})
        _acknowledge_all(s, again, next_morning(again_at), codes)
        ready_at = again_at
    if stay.summons_from:
        summons_at = ready_at + datetime.timedelta(hours=5)
        summons = send(
            M.SIP_SUMMONS,
            stay.summons_from,
            summons_at,
            {
                "meeting_at": _at(summons_at + datetime.timedelta(days=4)),
                "place": "Avdelningens samtalsrum, och Teams för hemtjänsten",
            },
        )
        _acknowledge_all(s, summons, next_morning(summons_at), codes)
    discharged_at = day(stay.discharged)
    discharged = send(
        M.DISCHARGE_NOTICE,
        ward,
        discharged_at,
        {"discharged_at": _at(discharged_at - datetime.timedelta(minutes=30))},
    )
    _acknowledge_all(s, discharged, next_morning(discharged_at), codes)
    s.close(discharged_at + datetime.timedelta(hours=3))


def build_report_history(demo) -> None:
    """Runs before build_cases: the earlier stays must be closed before the current open."""
    clock = DemoClock.at(timezone.now())
    members = _members()
    codes = {unit.pk: code for code, unit in demo.units.items()}
    terms_cache: dict = {}
    for stay in STAYS:
        story = Story(demo=demo, clock=clock, members=members, terms_cache=terms_cache)
        _tell(story, clock, stay, codes)
