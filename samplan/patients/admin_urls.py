from django.urls import path

from samplan.patients import admin_views

app_name = "reserve_formats"

urlpatterns = [
    path("", admin_views.reserve_formats, name="list"),
    path("nytt/", admin_views.reserve_format_new, name="new"),
    path("<int:pk>/", admin_views.reserve_format_edit, name="edit"),
]
