from django.urls import path

from samplan.accessrequests import views

app_name = "accessrequests"

urlpatterns = [
    path("bestallningar/", views.order_list, name="list"),
    path("bestallningar/ny/", views.order_new, name="new"),
    path("bestallningar/ny/<slug:kind>/", views.order_create, name="create"),
    path("bestallningar/<int:pk>/", views.order_detail, name="detail"),
    path("bestallningar/<int:pk>/godkann/", views.order_approve, name="approve"),
    path("bestallningar/<int:pk>/avslag/", views.order_reject, name="reject"),
    path("bestallningar/<int:pk>/aterkalla/", views.order_cancel, name="cancel"),
    path("installningar/<int:pk>/", views.settings_edit, name="settings"),
    path("granskning/", views.review_list, name="reviews"),
    path("granskning/<int:pk>/", views.review_detail, name="review"),
    path("granskning/<int:pk>/rapport/", views.review_report, name="report"),
    path("granskning/roll/<int:pk>/", views.review_item_decide, name="decide"),
]
