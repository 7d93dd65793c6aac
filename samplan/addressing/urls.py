from django.urls import path

from samplan.addressing import views
from samplan.addressing.models import ImportKind

app_name = "addressing"

FILTERS = {"kind": ImportKind.PATIENT_FILTER}
RESIDENCE = {"kind": ImportKind.RESIDENCE}

urlpatterns = [
    path("", views.index, name="index"),
    path("personnummerfilter/", views.register_list, FILTERS, name="filters"),
    path("personnummerfilter/ny/", views.register_create, FILTERS, name="filters_create"),
    path("personnummerfilter/<int:pk>/", views.register_edit, FILTERS, name="filters_edit"),
    path(
        "personnummerfilter/<int:pk>/ta-bort/",
        views.register_delete,
        FILTERS,
        name="filters_delete",
    ),
    path("boendelista/", views.register_list, RESIDENCE, name="residence"),
    path("boendelista/ny/", views.register_create, RESIDENCE, name="residence_create"),
    path("boendelista/<int:pk>/", views.register_edit, RESIDENCE, name="residence_edit"),
    path(
        "boendelista/<int:pk>/ta-bort/", views.register_delete, RESIDENCE, name="residence_delete"
    ),
    path("omradesregler/", views.rule_list, name="rules"),
    path("omradesregler/ny/", views.rule_edit, name="rules_create"),
    path("omradesregler/<int:pk>/", views.rule_edit, name="rules_edit"),
    path("omradesregler/<int:pk>/ta-bort/", views.rule_delete, name="rules_delete"),
    path("reservadresser/", views.fallback_list, name="fallbacks"),
    path("reservadresser/<int:organization_id>/", views.fallback_edit, name="fallbacks_edit"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<uuid:pk>/", views.import_detail, name="import_detail"),
    path("import/<uuid:pk>/status/", views.import_status, name="import_status"),
    path("import/<uuid:pk>/importera/", views.import_start, name="import_start"),
    path("import/<uuid:pk>/avbryt/", views.import_discard, name="import_discard"),
    path("simulator/", views.simulator, name="simulator"),
]
