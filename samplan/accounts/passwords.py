"""Password rules from the login routine (seed 000, domain.md §9) as Django validators.

- 8–30 characters, where å, ä and ö (either case) count as two;
- at least one upper-case letter, one lower-case letter, one digit and one special character;
- only letters, digits and the allowed special characters;
- not the same as the previous password.
"""

from __future__ import annotations

import string

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SWEDISH_LETTERS = "åäöÅÄÖ"
LETTERS = string.ascii_letters + SWEDISH_LETTERS
DIGITS = string.digits
SPECIAL_CHARACTERS = "!\"#%&()*+,-./:;=?@_§€$'"
MIN_LENGTH = 8
MAX_LENGTH = 30


def counted_length(password: str) -> int:
    """Length as the rule counts it: å, ä and ö count as two characters."""
    return sum(2 if char in SWEDISH_LETTERS else 1 for char in password)


class LengthValidator:
    def validate(self, password: str, user: object = None) -> None:
        length = counted_length(password)
        if length < MIN_LENGTH or length > MAX_LENGTH:
            raise ValidationError(
                _("The password must be %(min)d–%(max)d characters long (å, ä and ö count as two).")
                % {"min": MIN_LENGTH, "max": MAX_LENGTH},
                code="password_length",
            )

    def get_help_text(self) -> str:
        return _("%(min)d–%(max)d characters; å, ä and ö count as two.") % {
            "min": MIN_LENGTH,
            "max": MAX_LENGTH,
        }


class AllowedCharactersValidator:
    def validate(self, password: str, user: object = None) -> None:
        allowed = set(LETTERS + DIGITS + SPECIAL_CHARACTERS)
        bad = sorted({char for char in password if char not in allowed})
        if bad:
            shown = " ".join("mellanslag" if char == " " else char for char in bad)
            raise ValidationError(
                _(
                    "The password may only contain letters, digits and %(special)s. "
                    "Not allowed: %(bad)s"
                )
                % {"special": SPECIAL_CHARACTERS, "bad": shown},
                code="password_characters",
            )

    def get_help_text(self) -> str:
        return _("Only letters, digits and these special characters: %(special)s") % {
            "special": SPECIAL_CHARACTERS
        }


class CharacterClassValidator:
    def validate(self, password: str, user: object = None) -> None:
        missing = []
        if not any(char.isupper() and char in LETTERS for char in password):
            missing.append(_("an upper-case letter"))
        if not any(char.islower() and char in LETTERS for char in password):
            missing.append(_("a lower-case letter"))
        if not any(char in DIGITS for char in password):
            missing.append(_("a digit"))
        if not any(char in SPECIAL_CHARACTERS for char in password):
            missing.append(_("a special character"))
        if missing:
            raise ValidationError(
                _("The password must contain at least %(missing)s.")
                % {"missing": ", ".join(missing)},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _(
            "At least one upper-case letter, one lower-case letter, one digit and one special "
            "character."
        )


class NotPreviousPasswordValidator:
    """The new password may not be the one the user has now (the previous one, once changed)."""

    def validate(self, password: str, user: object = None) -> None:
        current_hash = getattr(user, "password", "")
        # hashers.check_password, not user.check_password: that one may re-hash and save.
        if current_hash and check_password(password, current_hash):
            raise ValidationError(
                _("The new password must differ from the previous one."),
                code="password_previous",
            )

    def get_help_text(self) -> str:
        return _("Not the same as the previous password.")
