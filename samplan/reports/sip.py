"""SIP figures: plans started, signed, and followed up on time (domain.md §7, §9).

The SIP app owns its models; this module owns the definitions, over plain facts, so that the
report does not depend on how plans are stored. The SIP app registers a source from its
AppConfig.ready():

    from samplan.reports.sip import SipFacts, register_sip_source

    def sip_report_facts(reach, unit, year):
        # Plans started in `year` (Swedish local time) by a unit within `reach` (and `unit`
        # when given; for reach.unit_ids None, any unit of reach.organization), one each:
        for plan in SipPlan.objects.filter(...).values(...):
            yield SipFacts(unit_id=..., started_at=..., signed_at=..., follow_up_date=...,
                           followed_up_at=...)

    register_sip_source(sip_report_facts)

Until a source is registered the SIP report says that there are no SIP figures yet.

Definitions (per month the plan was started, per unit that started it):
- started: plans opened (the initiative) in the month;
- signed: of those, the plans finalised (slutjusterad) after every summoned unit signed;
- follow-ups due: plans followed up, and plans whose follow-up date has passed;
- followed up in time: a new version made from the locked one no later than the end of the
  follow-up date (earlier counts too); late: made after it; overdue: not made and the date
  has passed (a follow-up due today is not overdue yet).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from samplan.core.localtime import local_date
from samplan.reports.periods import Year


@dataclass(frozen=True)
class SipFacts:
    unit_id: int
    started_at: datetime.datetime
    signed_at: datetime.datetime | None
    follow_up_date: datetime.date | None
    followed_up_at: datetime.datetime | None


SipSource = Callable[..., Iterable[SipFacts]]
_sources: dict[str, SipSource] = {}


def register_sip_source(source: SipSource, name: str = "sip") -> None:
    _sources[name] = source


def sip_source() -> SipSource | None:
    return _sources.get("sip")


@dataclass
class SipRow:
    month: int
    unit_id: int
    started: int = 0
    signed: int = 0
    follow_ups_due: int = 0
    followed_up_in_time: int = 0
    followed_up_late: int = 0
    follow_up_overdue: int = 0

    @property
    def share_signed(self) -> float | None:
        return self.signed / self.started if self.started else None

    @property
    def share_in_time(self) -> float | None:
        return self.followed_up_in_time / self.follow_ups_due if self.follow_ups_due else None


def sip_figures(facts: Iterable[SipFacts], year: Year, today: datetime.date) -> list[SipRow]:
    rows: dict[tuple[int, int], SipRow] = {}
    for plan in facts:
        if not year.start <= plan.started_at < year.end:
            continue
        month = year.month_of(plan.started_at)
        row = rows.setdefault((month, plan.unit_id), SipRow(month, plan.unit_id))
        row.started += 1
        if plan.signed_at is not None:
            row.signed += 1
        if plan.follow_up_date is None:
            continue
        if plan.followed_up_at is not None:
            row.follow_ups_due += 1
            if local_date(plan.followed_up_at) <= plan.follow_up_date:
                row.followed_up_in_time += 1
            else:
                row.followed_up_late += 1
        elif plan.follow_up_date < today:
            row.follow_ups_due += 1
            row.follow_up_overdue += 1
    return sorted(rows.values(), key=lambda r: (r.month, r.unit_id))
