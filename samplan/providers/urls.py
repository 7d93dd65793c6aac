from django.urls import path

from samplan.providers import views

app_name = "providers"

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("ny/", views.provider_register, name="register"),
    path("overtaganden/", views.takeover_list, name="takeovers"),
    path("overtaganden/nytt/", views.takeover_new, name="takeover_new"),
    path("overtaganden/<int:pk>/", views.takeover_detail, name="takeover_detail"),
    path("overtaganden/<int:pk>/avbryt/", views.takeover_cancel, name="takeover_cancel"),
    path("<int:pk>/", views.provider_checklist, name="checklist"),
    path("<int:pk>/avveckla/", views.provider_close, name="provider_close"),
    path("enheter/<int:pk>/avveckla/", views.unit_close, name="unit_close"),
    path("enheter/<int:pk>/overlamna/", views.unit_hand_over, name="unit_hand_over"),
]
