from django.urls import path

from samplan.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
]
