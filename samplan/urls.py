from django.contrib import admin
from django.urls import include, path

from samplan import navigation

urlpatterns = [
    # The start page leads to the unit's daily work (samplan.navigation sits above every app).
    path("", include(([path("", navigation.home, name="home")], "core"))),
    # Browsers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", navigation.favicon),
    # /inkorg/, /meddelanden/ and /administrera/avisering/ (the unit inbox and its alerts).
    path("", include("samplan.messaging.urls")),
    path("konto/", include("samplan.accounts.urls")),
    path("saml2/", include("samplan.accounts.saml_urls")),  # SITHS eID through the IdP
    path("telefonlista/", include("samplan.organizations.urls")),
    path("patienter/", include("samplan.patients.urls")),
    path("administrera/reservnummer/", include("samplan.patients.admin_urls")),
    path("administrera/integrationer/", include("samplan.api.admin_urls")),
    path("administrera/utforare/", include("samplan.providers.urls")),
    path("administrera/", include("samplan.administration.urls")),
    path("behorigheter/", include("samplan.accessrequests.urls")),
    # /utskrivning/ (cases, agreements, amounts per day) and Översikt at /inkorg/oversikt/.
    path("", include("samplan.discharge.urls")),
    path("adressering/", include("samplan.addressing.urls")),
    path("sip/", include("samplan.sip.urls")),
    path("avvikelser/", include("samplan.deviations.urls")),
    path("logggranskning/", include("samplan.logreview.urls")),
    path("rapporter/", include("samplan.reports.urls")),
    path("hjalp/", include("samplan.help.urls")),
    # The integration API for record systems (OpenAPI at /api/v1/openapi.json, docs /api/v1/docs).
    path("api/v1/", include("samplan.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]

# Error pages in the user's language (samplan.core.errors), never Django's English defaults.
handler400 = "samplan.core.errors.bad_request"
handler403 = "samplan.core.errors.permission_denied"
handler404 = "samplan.core.errors.page_not_found"
handler500 = "samplan.core.errors.server_error"
