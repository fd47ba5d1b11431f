from django.urls import path

from .views import (
    audit,
    bulk,
    delete,
    detail,
    edit,
    health,
    invite,
    jobs,
    saved_views,
    transfer,
)
from .views import list as contact_list

urlpatterns = [
    path("contacts/", contact_list.contact_list, name="contact_list"),
    path("contacts/new/", edit.contact_create, name="contact_create"),
    path("contacts/bulk-delete/", delete.bulk_delete, name="contact_bulk_delete"),
    path("contacts/bulk-invite/", bulk.bulk_invite, name="contact_bulk_invite"),
    path("contacts/bulk-edit/", bulk.bulk_edit, name="contact_bulk_edit"),
    path("contacts/export/", transfer.contact_export, name="contact_export"),
    path("contacts/import/", transfer.contact_import, name="contact_import"),
    path("contacts/<int:contact_id>/", detail.contact_detail, name="contact_detail"),
    path("contacts/<int:contact_id>/edit/", edit.contact_edit, name="contact_edit"),
    path("contacts/<int:contact_id>/delete/", delete.contact_delete, name="contact_delete"),
    path("contacts/<int:contact_id>/invite/", invite.contact_invite, name="contact_invite"),
    path("contacts/companies/", edit.company_options, name="company_options"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:job_id>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:job_id>/pause/", jobs.job_pause, name="job_pause"),
    path("jobs/<int:job_id>/resume/", jobs.job_resume, name="job_resume"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("jobs/<int:job_id>/download/", jobs.job_download, name="job_download"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("healthz", health.healthz, name="healthz"),
    path("views/", saved_views.saved_views, name="saved_views"),
    path("views/columns/", saved_views.list_columns_choose, name="list_columns"),
    path("views/<int:view_id>/open/", saved_views.saved_view_open, name="saved_view_open"),
    path("views/<int:view_id>/delete/", saved_views.saved_view_delete, name="saved_view_delete"),
]
