"""Saved list views and each user's chosen list columns (docs/architecture.md, "Staff ergonomics").

A saved view keeps the list's state as ListState knows it (search, sort, order, page size) and the
columns; never a page number, which goes stale as contacts come and go.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .. import list_columns
from ..list_state import DEFAULT_LIMIT, ListState


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SavedViewQuerySet":
        """The user's own views and everyone's shared ones."""
        return self.filter(Q(owner=user) | Q(shared=True))


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=80)
    shared = models.BooleanField(
        default=False, help_text="Shown to every staff member. Only contact admins may share."
    )
    search = models.CharField(max_length=191, blank=True)
    sort = models.CharField(max_length=20, blank=True)
    order = models.CharField(max_length=4, default="asc")
    limit = models.PositiveSmallIntegerField(default=DEFAULT_LIMIT)
    columns = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        # Who may see, save and share views follows the contact permissions (contacts/views/
        # saved_views.py), not permissions of their own.
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")
        ]

    def __str__(self):
        return self.name

    @property
    def state(self) -> ListState:
        """The list state this view opens, cleaned as a URL's would be."""
        params = {"search": self.search, "sort": self.sort, "order": self.order,
                  "limit": str(self.limit)}  # fmt: skip
        return ListState.from_query(params)

    @property
    def column_keys(self) -> tuple[str, ...]:
        return list_columns.clean(self.columns)

    @property
    def column_summary(self) -> str:
        return list_columns.Columns(self.column_keys).describe()


class ListPreference(models.Model):
    """One row per user who has chosen the list's columns; no row means the default columns."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="list_preference"
    )
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"list columns of {self.user}"

    @classmethod
    def columns_for(cls, user) -> list_columns.Columns:
        keys = cls.objects.filter(user=user).values_list("columns", flat=True).first()
        return list_columns.Columns(list_columns.clean(keys) if keys is not None
                                    else list_columns.DEFAULT)  # fmt: skip

    @classmethod
    def remember(cls, user, keys) -> None:
        columns = list(list_columns.clean(keys))
        cls.objects.update_or_create(user=user, defaults={"columns": columns})
