"""Routes of the sandbox. Every path answers JSON; anything unmatched is a JSON 404.

Trailing slashes are optional so clients that add one still reach the endpoint.
"""

from django.urls import re_path

from . import views

API = r"^api/public-v1/"

urlpatterns = [
    re_path(API + r"contact/?$", views.contact_collection, name="contact-list"),
    # Listed before contact/<id> so these names never read as an id.
    re_path(API + r"contact/bulk-delete/?$", views.contact_bulk_delete, name="contact-bulk-delete"),
    re_path(
        API + r"contact/invite-client/(?P<contact_id>[^/]+)/?$",
        views.contact_invite,
        name="contact-invite",
    ),
    re_path(API + r"contact/(?P<contact_id>[^/]+)/?$", views.contact_item, name="contact-detail"),
    re_path(API + r"company/?$", views.company_collection, name="company-list"),
    re_path(API + r"company/(?P<company_id>[^/]+)/?$", views.company_item, name="company-detail"),
    re_path(API + r"openapi\.json$", views.openapi_json, name="openapi"),
    re_path(r"^_sandbox/invitations/?$", views.sandbox_invitations, name="sandbox-invitations"),
    re_path(r"^_sandbox/reset/?$", views.sandbox_reset, name="sandbox-reset"),
    re_path(r"^(?P<path>.*)$", views.unknown_route),
]

handler400 = "sandbox.errors.handler400"
handler403 = "sandbox.errors.handler403"
handler404 = "sandbox.errors.handler404"
handler500 = "sandbox.errors.handler500"
