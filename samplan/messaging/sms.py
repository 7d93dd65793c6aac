"""Sending SMS alerts through a small, swappable backend (setting SMS_BACKEND).

A backend is a class with `send(numbers, text, key="")` that raises on failure (the alert task
then retries). `key` is the alert's id: a retry of the same alert has the same key, so a
gateway that takes an idempotency key (most operators' HTTP APIs do) can drop the repeat.
Shipped backends:
- ConsoleBackend (the default): writes each SMS to the log, for the demo and development;
- FileBackend: appends each SMS as one line to the file SMS_FILE_PATH;
- LocmemBackend: keeps them in `LocmemBackend.outbox`, for tests.
A real gateway (an SMS operator's HTTP API) is one more class with the same method.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    text: str
    key: str = ""


class BaseSmsBackend:
    def send(self, numbers: Sequence[str], text: str, key: str = "") -> None:
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def send(self, numbers: Sequence[str], text: str, key: str = "") -> None:
        for number in numbers:
            logger.info("SMS to %s: %s", number, text)


class FileBackend(BaseSmsBackend):
    def send(self, numbers: Sequence[str], text: str, key: str = "") -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            for number in numbers:
                line = {"at": timezone.now().isoformat(), "to": number, "text": text, "key": key}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")


class LocmemBackend(BaseSmsBackend):
    outbox: list[Sms] = []  # shared on purpose, like Django's locmem mail backend

    def send(self, numbers: Sequence[str], text: str, key: str = "") -> None:
        for number in numbers:
            LocmemBackend.outbox.append(Sms(to=number, text=text, key=key))


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(numbers: Sequence[str], text: str, *, key: str = "") -> None:
    if numbers:
        get_sms_backend().send(numbers, text, key=key)
