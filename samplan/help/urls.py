from django.urls import path

from samplan.help import views

app_name = "help"

urlpatterns = [
    path("", views.index, name="index"),
    path("om/", views.about, name="about"),
    path("<slug:slug>/", views.manual_page, name="manual"),
    path("<slug:slug>.pdf", views.manual_pdf, name="manual_pdf"),
]
