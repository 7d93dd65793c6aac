"""What of a patient may be shown: the one place that decides it (domain.md §3).

Every template, export and message that shows a patient takes a PatientDisplay from
`patient_display` and prints its strings; it never reads name, identity number, address or
phone from the Patient itself. Hidden values are replaced by a placeholder in the strings
themselves, so code that forgets to look at the flags still prints nothing protected.

Rules for a patient with protected identity (any protection other than none):
- address, postal code, municipality, listing and phone (the person's whereabouts) are never
  shown, exported or sent, to anyone;
- a badge "Skyddad identitet: <kind>" goes wherever the patient appears;
- name and identity number are shown only to units that are participants (take part in the
  patient's case or plan, or keep the patient in their addressing register); others see the
  placeholder.
For a patient without protection everything is shown; who may see the patient at all is
decided before this, by the access functions (samplan.patients.access).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from samplan.patients.models import Patient, Protection

# The Patient fields patient_display reads (and the listed care centre's name): what a page
# that reads only the columns it shows must read of each patient it displays.
DISPLAY_FIELDS = (
    "identity_number",
    "identity_kind",
    "first_name",
    "last_name",
    "birth_date",
    "protection",
    "registered_municipality",
    "postal_code",
    "street_address",
    "city",
    "phone",
    "listed_care_centre",
)


@dataclass(frozen=True)
class PatientDisplay:
    pk: int
    name: str
    identity: str
    identity_kind: str
    birth_date: datetime.date | None
    street_address: str
    postal_address: str  # postal code and city
    registered_municipality: str
    listed_care_centre: str
    phone: str
    protection: str
    badge: str | None  # "Skyddad identitet: <kind>" for a protected patient, else None
    identity_shown: bool  # name, identity number and birth date
    contact_shown: bool  # address, municipality, listing, phone

    @property
    def is_protected(self) -> bool:
        return self.badge is not None

    @property
    def placeholder(self) -> str:
        return protected_placeholder()

    @property
    def address(self) -> str:
        """One line for lists and exports."""
        if not self.contact_shown:
            return self.street_address
        return ", ".join(part for part in (self.street_address, self.postal_address) if part)


def protected_placeholder() -> str:
    return _("Protected")


def protection_badge(protection: str) -> str | None:
    if protection == Protection.NONE:
        return None
    return _("Protected identity: %(kind)s") % {"kind": Protection(protection).label}


def patient_display(patient: Patient, *, participant: bool) -> PatientDisplay:
    """What the acting unit may see of the patient; `participant` per the module docstring."""
    if patient.protection == Protection.NONE:
        # Everything shown: the common case, and lists show twenty patients at a time.
        code, city = patient.postal_code, patient.city
        return PatientDisplay(
            pk=patient.pk,
            name=f"{patient.first_name} {patient.last_name}".strip(),
            identity=patient.identity_display,
            identity_kind=patient.get_identity_kind_display(),
            birth_date=patient.birth_date,
            street_address=patient.street_address,
            postal_address=f"{code} {city}" if code and city else code or city or "",
            registered_municipality=patient.registered_municipality,
            listed_care_centre=(
                patient.listed_care_centre.name if patient.listed_care_centre_id else ""
            ),
            phone=patient.phone,
            protection=patient.protection,
            badge=None,
            identity_shown=True,
            contact_shown=True,
        )
    # Protected identity: whereabouts never shown; name and number to participants only.
    hidden = protected_placeholder()
    return PatientDisplay(
        pk=patient.pk,
        name=f"{patient.first_name} {patient.last_name}".strip() if participant else hidden,
        identity=patient.identity_display if participant else hidden,
        identity_kind=patient.get_identity_kind_display(),
        birth_date=patient.birth_date if participant else None,
        street_address=hidden,
        postal_address=hidden,
        registered_municipality=hidden,
        listed_care_centre=hidden,
        phone=hidden,
        protection=patient.protection,
        badge=protection_badge(patient.protection),
        identity_shown=participant,
        contact_shown=False,
    )
