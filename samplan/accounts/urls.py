from django.urls import path

from samplan.accounts import views

app_name = "accounts"

urlpatterns = [
    path("logga-in/", views.login_view, name="login"),
    path("kort/", views.card_login_view, name="card_login"),
    path("logga-ut/", views.logout_view, name="logout"),
    path("valj-enhet/", views.choose_unit, name="choose_unit"),
    path("byt-enhet/", views.switch_unit, name="switch_unit"),
    path("mitt-konto/", views.my_account, name="my_account"),
]
