from django.http import HttpRequest

from samplan.accounts.access import (
    can_open_discharge_case,
    can_review_logs,
    can_use_addressing_register,
    can_view_reports,
    can_work_with_patients,
    can_work_with_sip,
    is_administrator,
)
from samplan.accounts.commissions import session_units


def current_unit(request: HttpRequest) -> dict:
    """The header's user, unit and unit switcher, on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_unit": getattr(request, "unit", None),
        "switchable_units": session_units(request),
        "show_admin_link": is_administrator(user),
        "show_patient_search": can_work_with_patients(user, getattr(request, "unit", None)),
        "show_new_case": can_open_discharge_case(user, getattr(request, "unit", None)),
        "show_sip": can_work_with_sip(user, getattr(request, "unit", None)),
        # Lazy: only the nav evaluates it (a housing coordinator check costs one query).
        "show_addressing_link": lambda: can_use_addressing_register(user),
        "show_log_review_link": can_review_logs(user, getattr(request, "unit", None)),
        "show_reports_link": can_view_reports(user, getattr(request, "unit", None)),
    }
