from django.urls import path

from samplan.discharge import board_views, case_views, views

app_name = "discharge"

urlpatterns = [
    # Översikt and Skapa, tabs of the unit's inbox.
    path("inkorg/oversikt/", board_views.overview, name="overview"),
    path("inkorg/skapa/", board_views.create, name="create"),
    path("utskrivning/arenden/ny/", case_views.case_new, name="case_new"),
    path("utskrivning/arenden/<int:case_id>/", case_views.case_detail, name="case_detail"),
    path("utskrivning/arenden/<int:case_id>/utskrift/", case_views.case_print, name="case_print"),
    path(
        "utskrivning/arenden/<int:case_id>/skicka/<slug:slug>/",
        case_views.case_send,
        name="case_send",
    ),
    path(
        "utskrivning/arenden/<int:case_id>/meddelanden/<int:message_id>/makulera/",
        case_views.message_cancel,
        name="message_cancel",
    ),
    path(
        "utskrivning/arenden/<int:case_id>/flytta/", case_views.case_transfer, name="case_transfer"
    ),
    path("utskrivning/arenden/<int:case_id>/avsluta/", case_views.case_close, name="case_close"),
    path("utskrivning/arenden/<int:case_id>/andra/", case_views.case_edit, name="case_edit"),
    path("utskrivning/overenskommelser/", views.agreement_list, name="agreement_list"),
    path("utskrivning/overenskommelser/ny/", views.agreement_create, name="agreement_create"),
    path(
        "utskrivning/overenskommelser/<int:agreement_id>/",
        views.agreement_edit,
        name="agreement_edit",
    ),
    path("utskrivning/dagbelopp/", views.daily_amount_list, name="daily_amount_list"),
    path("utskrivning/dagbelopp/<int:year>/", views.daily_amount_edit, name="daily_amount_edit"),
]
