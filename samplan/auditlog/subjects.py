"""What the access log needs to know of the people it logs, from the patients app above it.

The access-log writer sits low in the layers so that every app can log (architecture.md); the
patients app sits above it and registers these answers in its AppConfig.ready(), as the
processes register their need-to-know relations with the patients app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Subjects:
    # The person with this identity number, if samplan knows them (a search that showed nobody).
    by_identity: Callable[[str], Any | None]
    # Whether the person has protected identity (sekretessmarkering, skyddad folkbokföring).
    is_protected: Callable[[Any], bool]
    # Whether the unit has a need-to-know relation to the person now.
    unit_has_relation: Callable[[Any, Any], bool]


_registered: list[Subjects] = []


def register_subjects(subjects: Subjects) -> None:
    _registered[:] = [subjects]


def subjects() -> Subjects:
    if not _registered:
        raise RuntimeError("The patients app registers the access log's subjects when ready.")
    return _registered[0]
