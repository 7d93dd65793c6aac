from django.urls import path

from samplan.administration import views

app_name = "administration"

urlpatterns = [
    path("", views.index, name="index"),
    path("inloggningsforsok/", views.login_attempts, name="login_attempts"),
    path("organisationer/ny/", views.organization_create, name="organization_create"),
    path("organisationer/<int:pk>/andra/", views.organization_edit, name="organization_edit"),
    path("organisationer/<int:pk>/anvandare/", views.user_list, name="user_list"),
    path("organisationer/<int:pk>/enheter/", views.unit_tree, name="unit_tree"),
    path("organisationer/<int:pk>/enheter/ny/", views.unit_create, name="unit_create"),
    path("organisationer/<int:pk>/historik/", views.organization_history, name="history"),
    path("anvandare/ny/", views.user_create, name="user_create"),
    path("anvandare/<int:pk>/", views.user_detail, name="user_detail"),
    path("anvandare/<int:pk>/andra/", views.user_edit, name="user_edit"),
    path("anvandare/<int:pk>/inaktivera/", views.user_deactivate, name="user_deactivate"),
    path("anvandare/<int:pk>/aktivera/", views.user_reactivate, name="user_reactivate"),
    path("anvandare/<int:pk>/las-upp/", views.user_unlock, name="user_unlock"),
    path("anvandare/<int:pk>/losenord/", views.user_password, name="user_password"),
    path("anvandare/<int:pk>/historik/", views.user_history, name="user_history"),
    path("anvandare/<int:pk>/behorigheter/ny/", views.membership_add, name="membership_add"),
    path("behorigheter/<int:pk>/avsluta/", views.membership_end, name="membership_end"),
    path("enheter/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("enheter/<int:pk>/andra/", views.unit_edit, name="unit_edit"),
    path("enheter/<int:pk>/inaktivera/", views.unit_deactivate, name="unit_deactivate"),
    path("enheter/<int:pk>/aktivera/", views.unit_reactivate, name="unit_reactivate"),
    path("enheter/<int:pk>/historik/", views.unit_history, name="unit_history"),
]
