from django.urls import path

from .views import audit, delete, detail, edit, invite, transfer
from .views import list as contact_list

urlpatterns = [
    path("contacts/", contact_list.contact_list, name="contact_list"),
    path("contacts/new/", edit.contact_create, name="contact_create"),
    path("contacts/bulk-delete/", delete.bulk_delete, name="contact_bulk_delete"),
    path("contacts/export/", transfer.contact_export, name="contact_export"),
    path("contacts/import/", transfer.contact_import, name="contact_import"),
    path("contacts/<int:contact_id>/", detail.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", edit.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", delete.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/invite/", invite.contact_invite, name="contact_invite"),
    path("contacts/companies/", edit.company_options, name="company_options"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("jobs/<int:job_id>/download/", transfer.job_download, name="job_download"),
]
