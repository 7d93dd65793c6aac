"""The calendar year a report covers, in Swedish local time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Value, When

from samplan.core.localtime import STOCKHOLM, start_of_local_day


@dataclass(frozen=True)
class Year:
    year: int

    @property
    def start(self) -> datetime.datetime:
        return start_of_local_day(datetime.date(self.year, 1, 1))

    @property
    def end(self) -> datetime.datetime:
        return start_of_local_day(datetime.date(self.year + 1, 1, 1))

    def month_of(self, moment: datetime.datetime) -> int:
        return moment.astimezone(STOCKHOLM).month

    @property
    def months(self) -> range:
        return range(1, 13)

    def month_case(self, field_name: str) -> Case:
        """The local month (1–12) of a time in the year, as SQL: a CASE over the eleven month
        boundaries. Cheaper than converting every row's time zone, on both databases."""
        whens = [
            When(
                **{f"{field_name}__lt": start_of_local_day(datetime.date(self.year, m + 1, 1))},
                then=Value(m),
            )
            for m in range(1, 12)
        ]
        return Case(*whens, default=Value(12), output_field=IntegerField())
