"""Validation of Swedish organisation numbers and HSA-ids (domain.md §2)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

# SE + organisation number (10 digits) + "-" + letters/digits; at most 31 characters in all.
_HSA_ID = re.compile(r"^SE(\d{10})-([A-Z0-9]+)$")
HSA_ID_MAX_LENGTH = 31


def normalize_org_number(value: str) -> str:
    """Returns the 10 digits of a valid organisationsnummer or raises ValidationError."""
    try:
        return orgnr.validate(value)
    except InvalidLength:
        raise ValidationError(_("An organisation number has 10 digits."), code="length") from None
    except InvalidChecksum:
        raise ValidationError(
            _("The organisation number's check digit is wrong."), code="checksum"
        ) from None
    except (InvalidFormat, StdnumError):
        raise ValidationError(
            _("Write the organisation number as 10 digits, e.g. 232100-0032."), code="format"
        ) from None


def format_org_number(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else digits


def normalize_hsa_id(value: str) -> str:
    """Returns the HSA-id in upper case or raises ValidationError naming what is wrong."""
    candidate = value.strip().upper()
    if len(candidate) > HSA_ID_MAX_LENGTH:
        raise ValidationError(
            _("An HSA-id has at most %(max)d characters.") % {"max": HSA_ID_MAX_LENGTH},
            code="length",
        )
    match = _HSA_ID.match(candidate)
    if not match:
        raise ValidationError(
            _(
                "An HSA-id is SE, the 10-digit organisation number, a hyphen and letters A–Z "
                "or digits, e.g. SE2321000032-1234 (no å, ä or ö)."
            ),
            code="format",
        )
    if not orgnr.is_valid(match.group(1)):
        raise ValidationError(
            _("The organisation number inside the HSA-id has a wrong check digit."),
            code="checksum",
        )
    return candidate
