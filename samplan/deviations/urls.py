from django.urls import path

from samplan.deviations import views

app_name = "deviations"

urlpatterns = [
    path("", views.index, name="index"),
    path("mottagna/", views.inbox, {"which": "received"}, name="received"),
    path("rapporterade/", views.inbox, {"which": "reported"}, name="reported"),
    path("ny/", views.report, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("mottagare/<int:recipient_id>/status/", views.move, name="move"),
    path("mottagare/<int:recipient_id>/kommentar/", views.comment, name="comment"),
    path("installningar/<int:pk>/", views.settings_edit, name="settings"),
    path("overenskommelse/<int:pk>/", views.agreement_answer_days, name="agreement"),
]
