from django.urls import path

from samplan.discharge import views

app_name = "discharge"

urlpatterns = [
    path("overenskommelser/", views.agreement_list, name="agreement_list"),
    path("overenskommelser/ny/", views.agreement_create, name="agreement_create"),
    path("overenskommelser/<int:agreement_id>/", views.agreement_edit, name="agreement_edit"),
    path("dagbelopp/", views.daily_amount_list, name="daily_amount_list"),
    path("dagbelopp/<int:year>/", views.daily_amount_edit, name="daily_amount_edit"),
]
