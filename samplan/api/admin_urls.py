from django.urls import path

from samplan.api import views

app_name = "api_admin"

urlpatterns = [
    path("organisation/<int:organization_id>/", views.client_list, name="client_list"),
    path("organisation/<int:organization_id>/ny/", views.client_create, name="client_create"),
    path("<int:pk>/", views.client_detail, name="client_detail"),
    path("<int:pk>/ny-nyckel/", views.client_rotate, name="client_rotate"),
    path("<int:pk>/aterkalla/", views.client_revoke, name="client_revoke"),
]
