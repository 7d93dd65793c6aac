from django.urls import path

from samplan.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("ny/", views.provider_register, name="register"),
    path("<int:pk>/", views.provider_checklist, name="checklist"),
    path("<int:pk>/avveckla/", views.provider_close, name="provider_close"),
    path("enheter/<int:pk>/avveckla/", views.unit_close, name="unit_close"),
    path("enheter/<int:pk>/overlamna/", views.unit_hand_over, name="unit_hand_over"),
]
