"""The calendar year a report covers, in Swedish local time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from samplan.discharge.deadlines import start_of_local_day
from samplan.discharge.terms import STOCKHOLM


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
