from django.urls import path

from . import audit_views, contact_forms, invite, views

urlpatterns = [
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", contact_forms.contact_create, name="contact_create"),
    path("contacts/bulk-delete/", views.bulk_delete, name="contact_bulk_delete"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", contact_forms.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/invite/", invite.contact_invite, name="contact_invite"),
    path("contacts/companies/", contact_forms.company_options, name="company_options"),
    path("audit/", audit_views.audit_log, name="audit_log"),
]
