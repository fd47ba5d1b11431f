from django.contrib import admin

from .models import AuditEntry, SavedView


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action", "contact_ids", "changed_fields", "outcome"]
    list_filter = ["action", "outcome"]
    search_fields = ["username"]

    # The audit log is evidence: nobody edits or deletes it through the admin.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    """Where a superuser tidies up views others saved (the app lets only owners delete theirs)."""

    list_display = ["name", "owner", "shared", "search", "sort", "order", "limit", "updated_at"]
    list_filter = ["shared"]
    search_fields = ["name", "owner__username"]
