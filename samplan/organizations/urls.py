from django.urls import path

from samplan.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.directory, name="directory"),
]
