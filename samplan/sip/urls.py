from django.urls import path

from samplan.sip import views

app_name = "sip"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("ny/", views.plan_new, name="new"),
    path("blankett/", views.form_blank_pdf, name="form_blank"),
    path("meddelande/<int:message_id>/", views.message_plan, name="message_plan"),
    path("<int:plan_id>/", views.plan_detail, name="detail"),
    path("<int:plan_id>/initiativ/", views.initiative_edit, name="initiative_edit"),
    path("<int:plan_id>/kalla/", views.units_choose, name="units"),
    path("<int:plan_id>/skicka-kallelse/", views.summons_send, name="send"),
    path("<int:plan_id>/samtycke/", views.consent_new, name="consent"),
    path("<int:plan_id>/svara/", views.answer, name="answer"),
    path("<int:plan_id>/skriv/", views.plan_edit, name="edit"),
    path("<int:plan_id>/signera/", views.sign, name="sign"),
    path("<int:plan_id>/slutjustera/", views.finalise, name="finalise"),
    path("<int:plan_id>/ny-version/", views.version_new, name="version_new"),
    path("<int:plan_id>/avsluta/", views.close, name="close"),
    path("<int:plan_id>/historik/", views.history, name="history"),
    path("<int:plan_id>/jamfor/", views.versions_compare, name="compare"),
    path("<int:plan_id>/blankett/", views.form_prefilled_pdf, name="form_prefilled"),
    path("<int:plan_id>/version/<int:number>/", views.version_detail, name="version"),
    path("<int:plan_id>/version/<int:number>/pdf/", views.version_pdf, name="version_pdf"),
]
