"""Names for test people that can never be mistaken for one another in a page.

Tests of need-to-know assert that a patient's name is *not* in a page. With names drawn at
random from one list, the signed-in user (named in the page's header) or another patient
could carry that name, or a longer one containing it ("Holm" in "Holmberg", "Ali" in
"Alice"), and such a test failed now and then. So: only names that occur inside no other
name of the list are used, patients and staff draw from disjoint halves, and each factory
walks its half in turn, so that two people made one after the other never share a name.
"""

from __future__ import annotations

from faker.providers.person.sv_SE import Provider

_MIN_LENGTH = 6  # short names ("Ek", "Lund") turn up inside ordinary Swedish words


def _distinct(names: set[str], among: set[str]) -> list[str]:
    """The names of `names` that are no part of any other name of `among`."""
    return sorted(
        name
        for name in names
        if len(name) >= _MIN_LENGTH and not any(name in other for other in among - {name})
    )


_FIRST = set(Provider.first_names_female) | set(Provider.first_names_male)
_LAST = set(Provider.last_names)
_FIRST_NAMES = _distinct(_FIRST - _LAST, _FIRST | _LAST)
_LAST_NAMES = _distinct(_LAST - _FIRST, _FIRST | _LAST)

PATIENT_FIRST_NAMES = _FIRST_NAMES[0::2]
PATIENT_LAST_NAMES = _LAST_NAMES[0::2]
STAFF_FIRST_NAMES = _FIRST_NAMES[1::2]
STAFF_LAST_NAMES = _LAST_NAMES[1::2]
