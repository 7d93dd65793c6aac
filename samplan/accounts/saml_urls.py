"""/saml2/: samplan as a SAML 2.0 service provider (SITHS eID through the IdP)."""

from django.urls import path

from samplan.accounts import saml_views

# The names are djangosaml2's, which its views use to find each other.
urlpatterns = [
    path("login/", saml_views.LoginView.as_view(), name="saml2_login"),
    path("acs/", saml_views.AssertionConsumerServiceView.as_view(), name="saml2_acs"),
    path("logout/", saml_views.LogoutInitView.as_view(), name="saml2_logout"),
    path("ls/", saml_views.LogoutView.as_view(), name="saml2_ls"),
    path("ls/post/", saml_views.LogoutView.as_view(), name="saml2_ls_post"),
    path("metadata/", saml_views.MetadataView.as_view(), name="saml2_metadata"),
]
