"""Start-up checks of the login settings (`manage.py check`, and every server start)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def smart_card_proxy_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.SMART_CARD_LOGIN and not (
        settings.SMART_CARD_PROXY_SECRET or settings.SMART_CARD_TRUSTED_PROXIES
    ):
        return [
            Warning(
                "SMART_CARD_LOGIN is on but neither SMART_CARD_PROXY_SECRET nor "
                "SMART_CARD_TRUSTED_PROXIES is set, so no card is accepted.",
                hint="Set the secret that nginx sends (deploy/nginx.conf) or its address.",
                id="samplan.W001",
            )
        ]
    return []
