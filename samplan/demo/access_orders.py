"""Access orders and an access review in the demo (issue 14): Mikael Andersson, manager of
Hemtjänsten in Katrineholm, has ordered access in every state, and Annika Persson, the local
administrator, has decided some of them; the municipality's review round is under way.

Everything goes through the services, so the history, the card administrator's e-mails and
the orderer's news are there as in a running installation (the e-mails wait in the queue).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from samplan.accessrequests import reviews, services
from samplan.accessrequests.models import AccessRequest, AccessSettings, RequestKind, ReviewItem
from samplan.accounts.models import LoginMethod, Role
from samplan.core.actor import task_actor
from samplan.demo.data import DEMO_PASSWORD

DAY = datetime.timedelta(days=1)


def build_access_orders(demo) -> None:
    today = timezone.localdate()
    manager = demo.users["mikael.andersson"]
    admin = demo.users["annika.persson"]
    municipality = demo.units["VOFHT"].organization
    domain = demo.units["VOFHT"].email.split("@")[1]
    AccessSettings.objects.create(
        organization=municipality,
        card_admin_email=f"kortadministration@{domain}",
        card_email_hsa_id=True,
        next_review_on=services.add_months(today, 6),
    )
    ordering = task_actor(manager, demo.units["VOFHT"])
    deciding = task_actor(admin, demo.units["VOF"])

    def new_user(first: str, last: str, unit: str, start: datetime.date) -> AccessRequest:
        return services.access_request_create(
            actor=ordering,
            order=AccessRequest(
                kind=RequestKind.NEW_USER,
                first_name=first,
                last_name=last,
                hsa_id=f"SE{municipality.org_number}-B{len(first + last):04d}",
                email=f"{first.lower()}.{last.lower()}@{domain}",
                mobile="070-555 90 01",
                login_method=LoginMethod.PASSWORD,
                unit=demo.units[unit],
                role=Role.USER,
                valid_from=start,
            ),
        )

    # Carried out: Oskar Berg works in Hemtjänst Norr (and logs in with the demo password).
    done = new_user("Oskar", "Berg", "VOFHTNORR", today)
    services.access_request_approve(actor=deciding, order=done, password=DEMO_PASSWORD)
    done.refresh_from_db()
    # Awaiting approval: Lina Mattsson starts in Hemtjänst Söder next week.
    new_user("Lina", "Mattsson", "VOFHTSODER", today + 7 * DAY)
    # Rejected: ordered twice under another spelling.
    twice = new_user("Oscar", "Bergh", "VOFHTNORR", today)
    services.access_request_reject(
        actor=deciding, order=twice, reason="Dubbelbeställning: Oskar Berg har redan ett konto."
    )
    # Approved, waiting for its date: Oskar also covers Hemtjänst Landsbygd from in two weeks.
    later = services.access_request_create(
        actor=ordering,
        order=AccessRequest(
            kind=RequestKind.GRANT,
            subject=done.created_user,
            unit=demo.units["VOFHTLAND"],
            role=Role.USER,
            valid_from=today + 14 * DAY,
        ),
    )
    services.access_request_approve(actor=deciding, order=later)
    # Awaiting approval: Oskar's role in Hemtjänst Norr gets a last day (a fixed-term job).
    membership = done.created_user.memberships.get(unit=demo.units["VOFHTNORR"])
    services.access_request_create(
        actor=ordering,
        order=AccessRequest(
            kind=RequestKind.CHANGE, membership=membership, valid_to=today + 90 * DAY
        ),
    )
    # The review round of Katrineholm, started today: Mikael has confirmed Oskar's role.
    review = reviews.review_start(organization=municipality, today=today)
    item = ReviewItem.objects.get(review=review, membership=membership)
    reviews.review_item_decide(actor=ordering, item=item, confirm=True)
