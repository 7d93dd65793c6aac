from django.urls import path

from samplan.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.search, name="search"),
    path("ny/", views.patient_new, name="new"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/andra/", views.patient_edit, name="edit"),
    path("<int:pk>/koppla/", views.patient_link, name="link"),
    path("<int:pk>/samtycke/nytt/", views.consent_new, name="consent_new"),
    path(
        "<int:pk>/samtycke/<int:consent_pk>/aterkalla/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]
