"""Django's admin at /django-admin/: for the installation's superusers only, and read-mostly.

Administrators of regions and municipalities use the product's own pages, which check reach
per organisation and write the history of changes; Django's admin does neither, so it lets
only superusers in and offers changes only to the profession catalogue. Its login page sends
people to samplan's own login, which applies lock-out and records login events.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from samplan.accounts.models import LoginEvent, Membership, User
from samplan.accounts.views import logout_view
from samplan.auditlog.models import AccessLogEntry, AdminChange
from samplan.organizations.models import Organization, Profession, Unit


def _superuser_only(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


def _login_through_samplan(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Django's admin sends here whoever it does not let in: a logged-in user who is not a
    superuser is refused outright; anyone else logs in through samplan first."""
    if request.user.is_authenticated:
        raise PermissionDenied
    target = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


def _logout_through_samplan(
    request: HttpRequest, extra_context: dict | None = None
) -> HttpResponse:
    """Logging out of Django's admin is samplan's logout, which records the event."""
    return logout_view(request)


admin.site.has_permission = _superuser_only
admin.site.login = _login_through_samplan
admin.site.logout = _logout_through_samplan
admin.site.site_header = "samplan"
admin.site.site_title = "samplan"
# Roles are memberships per unit (samplan.accounts); Django's groups and permissions are not
# used, and their admin was the one page here that changed anything but professions.
admin.site.unregister(Group)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows everything and changes nothing: changes go through the product's services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return _superuser_only(request)


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "org_number", "contracted_by", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "org_number", "hsa_id"]


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "parent", "kind", "hsa_id", "has_inbox", "is_active"]
    list_filter = ["kind", "is_active", "has_inbox"]
    search_fields = ["name", "hsa_id"]
    list_select_related = ["organization", "parent"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "first_name", "last_name", "organization", "is_active"]
    list_filter = ["is_active", "login_method", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "hsa_id"]
    list_select_related = ["organization"]
    exclude = ["password"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "unit", "role", "valid_from", "valid_to", "ended_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name"]
    list_select_related = ["user", "unit"]


@admin.register(LoginEvent)
class LoginEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "unit", "client_address"]
    list_filter = ["kind"]
    search_fields = ["username"]


@admin.register(AdminChange)
class AdminChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "organization", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    list_select_related = ["actor", "organization"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "user", "unit", "action", "object_type", "object_id"]
    list_filter = ["action"]
    list_select_related = ["user", "unit"]
    # Who the person was is read in Logggranskning, where reading it is itself logged; the
    # operator's view shows the row's id only.
    exclude = ["patient", "searched_identity"]
    readonly_fields = ["patient_id"]


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    """The profession catalogue has no page of its own yet; superusers keep it here."""

    list_display = ["name", "code", "is_licensed"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
