"""Working out and refreshing each case's report facts (models.CaseFact).

`refresh()` runs before every report (and from `manage.py reports_refresh`): it finds what
changed since the last run and recomputes those cases only:
- cases whose messages were sent, cancelled (a cancellation is a new message referring to
  the original) or entered late since then: messages with a newer id;
- cases opened since then (the admission report counts cases without any notice too);
- cases with a new case event (transfer, changed details, state changes).
Ids are handed out in insertion order, but a transaction may commit after a later one, so
each refresh that finds anything new also looks again at the last OVERLAP ids before its
mark. When nothing is new, a refresh costs a handful of indexed queries. A change to the
agreements or to the amounts per day recomputes every case, as does `reports_refresh --full`.

The facts of a case, with the definitions of figures.py:
- admission: the first standing admission notice (the late-entry time if entered late) at
  most the agreement's hours after admission or the later assessment: in time / late /
  missing;
- discharge: the latest standing discharge notice; ready: the latest standing ready notice;
  ready_days = the local discharge date minus the local ready date;
- payment liability, for discharged cases with a municipality and a ready notice:
  samplan.discharge.liability.stay_liability (what the case page calls) with the case's
  standing messages and the terms of
  its region and municipality on the admission date; the days counted from day 0 when every
  condition holds (for the average model); the failing conditions' codes;
- national statistics (reports.national): the care type, and the ready periods as local dates
  from the standing ready, withdrawn, discharge and case-withdrawn messages;
- follow-up indicators (figures.indicators): the first standing admission notice at most 24 h
  after the admission or the later assessment (the fixed 24 h of the law, whatever the
  agreement says); calendar days from the admission to the latest standing ready notice; from
  the first standing SIP summons to the meeting time the latest standing summons proposes;
  readmitted: discharged, and the same person has another case admitted after the discharge
  and at most 30 calendar days (Swedish local dates) later. A new case therefore also
  recomputes the person's earlier cases (_changed_cases).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from samplan.core.localtime import local_date
from samplan.core.message_types import MessageType
from samplan.discharge.deadlines import admission_notice_deadline
from samplan.discharge.liability import (
    ReasonCode,
    Stay,
    StayMessage,
    discharge_time,
    liable_dates,
    stay_liability,
    told_time,
)
from samplan.discharge.models import CaseEvent, DailyAmount, DischargeCase
from samplan.messaging.models import Delivery, DeliveryState, Message
from samplan.organizations.models import Agreement
from samplan.organizations.terms import DEFAULT_TERMS, AgreementTerms
from samplan.reports.models import AdmissionState, CaseFact, FactsState
from samplan.reports.national import periods_text, ready_periods

M = MessageType
OVERLAP = 200
CHUNK = 2000
# Reasons that mean "every condition held, but no day was liable (yet)".
NOT_FAILURES = {ReasonCode.DISCHARGED_BEFORE_START, ReasonCode.GRACE_PERIOD_RUNNING}
UPDATED_FIELDS = [
    "region",
    "municipality",
    "ward",
    "admitted_month",
    "admission",
    "discharged_at",
    "discharged_month",
    "ready_at",
    "ready_days",
    "liable_days",
    "liable_amount",
    "amount_missing",
    "liability_counted",
    "counted_days",
    "grace_days",
    "reasons",
    "patient",
    "notice_within_24h",
    "admission_to_ready_days",
    "summons_to_meeting_days",
    "readmitted",
    "care_type",
    "ready_periods",
    "ready_from",
    "ready_until",
    "refreshed_at",
]
READMISSION_DAYS = 30
NOTICE_HOURS = 24


class TermsBook:
    """Every agreement and amount per day, loaded once, to find the terms in force per case
    without a query each (there are at most a few hundred agreements)."""

    def __init__(self) -> None:
        self._by_pair: dict[tuple[int, int | None], list[Agreement]] = {}
        for agreement in Agreement.objects.order_by("-valid_from"):
            key = (agreement.region_id, agreement.municipality_id)
            self._by_pair.setdefault(key, []).append(agreement)
        self.amounts = dict(DailyAmount.objects.values_list("year", "amount"))

    def terms(
        self, region_id: int, municipality_id: int | None, day: datetime.date
    ) -> AgreementTerms:
        for agreement in self._by_pair.get((region_id, municipality_id), ()):
            if agreement.is_in_force(day):
                return agreement.terms()
        return DEFAULT_TERMS

    def daily_amount(self, terms: AgreementTerms, year: int):
        return terms.daily_amount if terms.daily_amount is not None else self.amounts.get(year)


def month_of(moment: datetime.datetime) -> datetime.date:
    return local_date(moment).replace(day=1)


def _effective(prefix: str = "messages__") -> Coalesce:
    """When a message's event really happened: the late-entry time, else the send time."""
    return Coalesce(f"{prefix}occurred_at", f"{prefix}sent_at")


def _standing(message_type: str) -> Q:
    return Q(messages__message_type=message_type, messages__cancelled_at__isnull=True)


def _case_rows(case_ids: Sequence[int]) -> Iterable[dict]:
    return (
        DischargeCase.objects.filter(pk__in=case_ids)
        .annotate(
            f_admission_notice_at=Min(_effective(), filter=_standing(M.ADMISSION_NOTICE)),
            f_ready_at=Max(_effective(), filter=_standing(M.READY_FOR_DISCHARGE)),
            f_withdrawn_at=Max(_effective(), filter=_standing(M.READINESS_WITHDRAWN)),
            f_care_contact_at=Min(_effective(), filter=_standing(M.CARE_CONTACT_APPOINTED)),
            f_sip_summons_at=Min(_effective(), filter=_standing(M.SIP_SUMMONS)),
            f_discharged_at=Max(_effective(), filter=_standing(M.DISCHARGE_NOTICE)),
        )
        .values(
            "pk",
            "patient_id",
            "ward_id",
            "region_id",
            "municipality_id",
            "care_type",
            "admitted_at",
            "services_need_assessed_at",
            "care_contact_needed",
            "sip_needed",
            "services_refused",
            "state",
            "f_admission_notice_at",
            "f_ready_at",
            "f_withdrawn_at",
            "f_care_contact_at",
            "f_sip_summons_at",
            "f_discharged_at",
        )
        .order_by()
    )


# The message types the payment-liability rules read.
LIABILITY_TYPES = (
    M.ADMISSION_NOTICE,
    M.READY_FOR_DISCHARGE,
    M.READINESS_WITHDRAWN,
    M.CARE_CONTACT_APPOINTED,
    M.SIP_SUMMONS,
    M.DISCHARGE_NOTICE,
    M.CASE_WITHDRAWN,
)


def _stay_messages(
    case_ids: Sequence[int],
) -> tuple[dict[int, list[StayMessage]], dict[int, datetime.datetime]]:
    """Each case's standing messages as the liability rules read them (two queries, on
    the case links by case and delivery_message_unit_unique), the same facts the case page
    hands to liability.stay_liability; and the meeting time of each case's latest standing
    SIP summons."""
    to_municipality = Q(unit__organization_id=F("message__case_link__case__municipality_id")) | Q(
        unit__organization__contracted_by_id=F("message__case_link__case__municipality_id")
    )
    reached = set(
        Delivery.objects.filter(
            to_municipality,
            message__case_link__case_id__in=case_ids,
            message__cancelled_at__isnull=True,
            message__message_type__in=LIABILITY_TYPES,
        )
        .exclude(state=DeliveryState.RETURNED)
        .values_list("message_id", flat=True)
        .distinct()
    )
    by_case: dict[int, list[StayMessage]] = {}
    rows = (
        Message.objects.filter(
            case_link__case_id__in=case_ids,
            cancelled_at__isnull=True,
            message_type__in=LIABILITY_TYPES,
        )
        .annotate(
            at=Coalesce("occurred_at", "sent_at"),
            told=KT("content__discharged_at"),
            meeting=KT("content__meeting_at"),
        )
        .values_list("pk", "case_link__case_id", "message_type", "at", "told", "meeting")
        .order_by("at", "pk")
    )
    meetings: dict[int, datetime.datetime] = {}
    for pk, case_id, message_type, at, told, meeting in rows:
        if message_type == M.SIP_SUMMONS:
            meeting_at = told_time(meeting)
            if meeting_at is not None:
                meetings[case_id] = meeting_at  # the latest summons wins (ordered by time)
        by_case.setdefault(case_id, []).append(
            StayMessage(
                message_type=message_type,
                at=at,
                order=pk,
                reached_municipality=pk in reached,
                told_discharged_at=told_time(told) if message_type == M.DISCHARGE_NOTICE else None,
            )
        )
    return by_case, meetings


def _admissions_by_patient(
    patient_ids: set[int],
) -> dict[int, list[tuple[int, datetime.datetime]]]:
    """Every case of the given people: (case, admission time), for readmissions."""
    found: dict[int, list[tuple[int, datetime.datetime]]] = {}
    rows = DischargeCase.objects.filter(patient_id__in=patient_ids).values_list(
        "patient_id", "pk", "admitted_at"
    )
    for patient_id, pk, admitted_at in rows.order_by():
        found.setdefault(patient_id, []).append((pk, admitted_at))
    return found


def readmitted(
    case_id: int, discharged: datetime.datetime, others: Iterable[tuple[int, datetime.datetime]]
) -> bool:
    """Whether another case of the person was admitted after the discharge and at most
    READMISSION_DAYS Swedish calendar days later (discharged the 1st, admitted again the 31st:
    a readmission; the 32nd: not)."""
    day = local_date(discharged)
    return any(
        pk != case_id
        and admitted_at > discharged
        and (local_date(admitted_at) - day).days <= READMISSION_DAYS
        for pk, admitted_at in others
    )


def compute(case_ids: Sequence[int], book: TermsBook) -> list[CaseFact]:
    """The facts of the given cases (five queries, however many cases)."""
    stay_messages, meetings = _stay_messages(case_ids)
    rows = list(_case_rows(case_ids))
    admissions = _admissions_by_patient(
        {row["patient_id"] for row in rows if row["f_discharged_at"] is not None}
    )
    facts = []
    for row in rows:
        admitted = row["admitted_at"]
        start = row["services_need_assessed_at"] or admitted
        terms = book.terms(row["region_id"], row["municipality_id"], local_date(admitted))
        notice = row["f_admission_notice_at"]
        if notice is None:
            admission = AdmissionState.MISSING
        elif notice <= admission_notice_deadline(start, terms):
            admission = AdmissionState.IN_TIME
        else:
            admission = AdmissionState.LATE
        fact = CaseFact(
            case_id=row["pk"],
            region_id=row["region_id"],
            municipality_id=row["municipality_id"],
            ward_id=row["ward_id"],
            admitted_month=month_of(admitted),
            admission=admission,
            ready_at=row["f_ready_at"],
            discharged_at=row["f_discharged_at"],
            refreshed_at=timezone.now(),
            patient_id=row["patient_id"],
            notice_within_24h=notice is not None
            and notice <= start + datetime.timedelta(hours=NOTICE_HOURS),
            care_type=row["care_type"],
        )
        periods = ready_periods((m.message_type, m.at) for m in stay_messages.get(row["pk"], []))
        if periods:
            fact.ready_periods = periods_text(periods)
            fact.ready_from = periods[0][0]
            fact.ready_until = periods[-1][1]
        discharged, ready = row["f_discharged_at"], row["f_ready_at"]
        if ready is not None and ready >= admitted:
            fact.admission_to_ready_days = (local_date(ready) - local_date(admitted)).days
        summons, meeting = row["f_sip_summons_at"], meetings.get(row["pk"])
        if summons is not None and meeting is not None and meeting >= summons:
            fact.summons_to_meeting_days = (local_date(meeting) - local_date(summons)).days
        if discharged is not None:
            fact.discharged_month = month_of(discharged)
            fact.readmitted = readmitted(
                row["pk"], discharged, admissions.get(row["patient_id"], ())
            )
            if ready is not None and ready <= discharged:
                fact.ready_days = (local_date(discharged) - local_date(ready)).days
        if discharged is not None and ready is not None and row["municipality_id"] is not None:
            _add_liability(fact, row, terms, book, stay_messages.get(row["pk"], []))
        facts.append(fact)
    return facts


def _add_liability(
    fact: CaseFact,
    row: dict,
    terms: AgreementTerms,
    book: TermsBook,
    messages: list[StayMessage],
) -> None:
    stay = Stay(
        care_type=row["care_type"],
        admitted_at=row["admitted_at"],
        services_need_assessed_at=row["services_need_assessed_at"],
        care_contact_needed=row["care_contact_needed"],
        sip_needed=row["sip_needed"],
        services_refused=row["services_refused"],
        withdrawn=row["state"] == "withdrawn",
    )
    result = stay_liability(stay, messages, now=timezone.now(), terms=terms, amounts=book.amounts)
    failures = [code for code in result.reason_codes if code not in NOT_FAILURES]
    fact.liability_counted = True
    fact.reasons = ",".join(failures)
    fact.grace_days = result.grace_days
    if failures:
        return
    fact.counted_days = len(liable_dates(result.day_zero, discharge_time(messages)))
    fact.liable_days = result.liable_days
    fact.liable_amount = result.amount
    fact.amount_missing = result.amount is None


def _terms_signature() -> str:
    agreements = Agreement.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    amounts = DailyAmount.objects.aggregate(n=Count("pk"), latest=Max("updated_at"))
    return f"{agreements['n']}:{agreements['latest']}|{amounts['n']}:{amounts['latest']}"[:200]


def _newest() -> tuple[int, int, int]:
    return (
        Message.objects.aggregate(n=Max("pk"))["n"] or 0,
        DischargeCase.objects.aggregate(n=Max("pk"))["n"] or 0,
        CaseEvent.objects.aggregate(n=Max("pk"))["n"] or 0,
    )


def _locked_state() -> FactsState:
    FactsState.objects.bulk_create([FactsState(pk=1)], ignore_conflicts=True)
    return FactsState.objects.select_for_update().get(pk=1)


def _changed_cases(state: FactsState) -> set[int]:
    messages = Message.objects.filter(pk__gt=state.last_message_id - OVERLAP)
    changed = set(
        messages.filter(case_link__isnull=False).values_list("case_link__case_id", flat=True)
    )
    changed |= set(
        messages.filter(refers_to__case_link__isnull=False).values_list(
            "refers_to__case_link__case_id", flat=True
        )
    )
    changed |= set(
        DischargeCase.objects.filter(pk__gt=state.last_case_id - OVERLAP).values_list(
            "pk", flat=True
        )
    )
    changed |= set(
        CaseEvent.objects.filter(pk__gt=state.last_event_id - OVERLAP).values_list(
            "case_id", flat=True
        )
    )
    if changed:
        # A new (or moved) admission can make the person's earlier case a readmission.
        changed |= set(
            DischargeCase.objects.filter(
                patient_id__in=DischargeCase.objects.filter(pk__in=list(changed)).values(
                    "patient_id"
                )
            ).values_list("pk", flat=True)
        )
    return changed


def refresh(*, full: bool = False) -> int:
    """Bring the facts up to date (see the module docstring); returns how many cases were
    recomputed. Concurrent callers queue on the state row and then find nothing to do."""
    with transaction.atomic():
        state = _locked_state()
        newest = _newest()
        signature = _terms_signature()
        if full or state.refreshed_at is None or signature != state.terms_signature:
            case_ids: Iterable[int] = DischargeCase.objects.order_by("pk").values_list(
                "pk", flat=True
            )
        elif newest == (state.last_message_id, state.last_case_id, state.last_event_id):
            return 0
        else:
            case_ids = sorted(_changed_cases(state))
        book = TermsBook()
        done = 0
        chunk: list[int] = []
        for case_id in case_ids:
            chunk.append(case_id)
            if len(chunk) == CHUNK:
                done += _store(chunk, book)
                chunk = []
        if chunk:
            done += _store(chunk, book)
        state.last_message_id, state.last_case_id, state.last_event_id = newest
        state.terms_signature = signature
        state.refreshed_at = timezone.now()
        state.save()
    return done


def _store(case_ids: list[int], book: TermsBook) -> int:
    facts = compute(case_ids, book)
    CaseFact.objects.bulk_create(
        facts, update_conflicts=True, unique_fields=["case"], update_fields=UPDATED_FIELDS
    )
    return len(facts)
