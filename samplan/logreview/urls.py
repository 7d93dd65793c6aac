from django.urls import path

from samplan.logreview import views

app_name = "logreview"

urlpatterns = [
    path("", views.search, name="search"),
    path("patient/", views.patient_lookup, name="patient_lookup"),
    path("export.csv", views.export, name="export"),
    path("slumpa-urval/", views.sample, name="sample"),
    path("granskningar/", views.reviews, name="reviews"),
    path("granskningar/ny/", views.review_create, name="review_create"),
    path("granskningar/<int:review_id>/", views.review, name="review"),
    path(
        "granskningar/<int:review_id>/registrera/",
        views.review_complete,
        name="review_complete",
    ),
    path("loggutdrag/", views.extract, name="extract"),
]
