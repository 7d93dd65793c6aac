from django.urls import path

from samplan.messaging import views

app_name = "messaging"

urlpatterns = [
    path("inkorg/", views.received, name="received"),
    path("inkorg/skickade/", views.sent, name="sent"),
    path("inkorg/kvittera/", views.acknowledge, name="acknowledge"),
    path("inkorg/antal-nya/", views.new_count, name="new_count"),
    path("inkorg/avisering/", views.alert_settings, name="alert_settings"),
    path("meddelanden/<int:pk>/", views.message_detail, name="message_detail"),
    path("meddelanden/<int:pk>/kvittera/", views.message_acknowledge, name="message_acknowledge"),
    path("meddelanden/<int:pk>/vidarebefordra/", views.message_forward, name="message_forward"),
    path("meddelanden/<int:pk>/returnera/", views.message_return, name="message_return"),
    path("administrera/avisering/", views.alert_units, name="alert_units"),
    path("fastnade/", views.stuck, name="stuck"),
    path("fastnade/<int:pk>/vidarebefordra/", views.stuck_forward, name="stuck_forward"),
    path(
        "fastnade/paminnelse/<int:organization_id>/",
        views.stuck_escalation,
        name="stuck_escalation",
    ),
    path(
        "administrera/avisering/<int:unit_id>/",
        views.alert_settings_unit,
        name="alert_settings_unit",
    ),
]
