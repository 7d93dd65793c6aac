from django.urls import path

from samplan.reports import deviation_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("inskrivningsmeddelanden/", views.report, {"slug": "admissions"}, name="admissions"),
    path("utskrivningsklara-dagar/", views.report, {"slug": "ready_days"}, name="ready_days"),
    path("betalningsansvar/", views.report, {"slug": "liability"}, name="liability"),
    path("kvittenser/", views.report, {"slug": "acknowledgements"}, name="acknowledgements"),
    path("sip/", views.report, {"slug": "sip"}, name="sip"),
    path("indikatorer/", views.report, {"slug": "indicators"}, name="indicators"),
    path("nationell-statistik/", views.national_statistics, name="national"),
    path(
        "nationell-statistik/rakna-om/",
        views.national_statistics_recount,
        name="national_recount",
    ),
    path("avvikelser/", deviation_views.deviations, name="deviations"),
]
