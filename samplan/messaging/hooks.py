"""Listeners for new deliveries, for apps above messaging (the API's webhooks).

messaging may not import the apps above it; they register a callback in their
`AppConfig.ready()`. The services call `deliveries_created` inside their transaction; the
callbacks run once it has committed, with the new deliveries' ids, and a failing callback
is logged, never turning a committed send into an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

Listener = Callable[[list[int]], None]
_listeners: list[Listener] = []


def on_deliveries_created(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def deliveries_created(delivery_ids: Sequence[int]) -> None:
    ids = [pk for pk in delivery_ids if pk is not None]
    if not ids:
        return
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(ids), robust=True)
