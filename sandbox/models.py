"""The sandbox's data: contacts plus the reference tables their ids point at.

Rows are shaped after what TaskIP's API returns, not after any real TaskIP schema.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.timezone import now


class Company(models.Model):
    name = models.CharField(max_length=191)
    domain = models.CharField(max_length=191)
    email = models.CharField(max_length=191, blank=True, default="")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


class Country(models.Model):
    name = models.CharField(max_length=191)

    def __str__(self):
        return self.name


class State(models.Model):
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="states")
    name = models.CharField(max_length=191)

    def __str__(self):
        return self.name


class City(models.Model):
    state = models.ForeignKey(State, on_delete=models.CASCADE, related_name="cities")
    name = models.CharField(max_length=191)
    timezone = models.CharField(max_length=64, blank=True, default="")

    def __str__(self):
        return self.name


class Media(models.Model):
    """An uploaded file a contact can use as its profile image."""

    url = models.URLField(max_length=500)
    name = models.CharField(max_length=191)
    file_name = models.CharField(max_length=191)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    collection_name = models.CharField(max_length=100, default="profile")

    def __str__(self):
        return self.file_name


class Language(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


def blank_for_null(model, values):
    """Text columns store "" for "no value" (Django's convention); the API says null for it."""
    cleaned = {}
    for name, value in values.items():
        if value is None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if isinstance(field, models.CharField | models.TextField):
                value = ""
        cleaned[name] = value
    return cleaned


class Contact(models.Model):
    user_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Reference rows are never deleted by the API; PROTECT keeps a mistake loud.
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT)
    first_name = models.CharField(max_length=191)
    last_name = models.CharField(max_length=191, blank=True, default="")
    email = models.CharField(max_length=191)
    position = models.CharField(max_length=191, blank=True, default="")
    phone_code = models.CharField(max_length=5, blank=True, default="")
    phone_number = models.CharField(max_length=18, blank=True, default="")
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.PROTECT)
    state = models.ForeignKey(State, null=True, blank=True, on_delete=models.PROTECT)
    city = models.ForeignKey(City, null=True, blank=True, on_delete=models.PROTECT)
    address = models.CharField(max_length=191, blank=True, default="")
    zip_code = models.CharField(max_length=8, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    details = models.TextField(blank=True, default="")
    reference = models.CharField(max_length=191, blank=True, default="")
    reference_name = models.CharField(max_length=191, blank=True, default="")
    access_portal = models.BooleanField(default=False)
    password = models.CharField(max_length=255, blank=True, default="")
    image = models.ForeignKey(Media, null=True, blank=True, on_delete=models.PROTECT)
    custom_fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    # Derived columns, kept in step by refresh_derived(). SQLite's LIKE and lower() only fold
    # ASCII, so case-insensitive search, sorting and the email uniqueness rule run on values
    # Python has already folded; that keeps "Ólafur" and "ólafur" equal.
    email_key = models.CharField(max_length=191, unique=True)
    name_key = models.CharField(max_length=400, db_index=True)
    search_text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["created_at", "id"])]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def refresh_derived(self):
        self.email_key = self.email.lower()
        # A control character separates the parts so "Smith, John" sorts before "Smithson, A".
        self.name_key = f"{(self.last_name or '').casefold()}\x1f{self.first_name.casefold()}"
        self.search_text = "\n".join(
            [self.first_name, self.last_name or "", self.full_name, self.email]
        ).casefold()


class Billing(models.Model):
    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="billing")
    billing_address = models.CharField(max_length=191, blank=True, default="")
    billing_city = models.CharField(max_length=191, blank=True, default="")
    billing_state = models.CharField(max_length=191, blank=True, default="")
    billing_country = models.CharField(max_length=191, blank=True, default="")
    billing_zip = models.CharField(max_length=20, blank=True, default="")
    billing_phone = models.CharField(max_length=30, blank=True, default="")
    tax_number = models.CharField(max_length=50, blank=True, default="")
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    def __str__(self):
        return f"Billing for contact {self.contact_id}"


class ContactLanguage(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="languages")
    language = models.ForeignKey(Language, on_delete=models.PROTECT)
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "language_id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "language"], name="unique_contact_language")
        ]

    def __str__(self):
        return f"{self.language_id} for contact {self.contact_id}"


class Invitation(models.Model):
    """A record of each client invitation, kept even after the contact is deleted."""

    contact_id = models.BigIntegerField(db_index=True)
    email = models.CharField(max_length=191)
    message = models.TextField(blank=True, default="")
    access_level = models.CharField(max_length=20)
    send_email = models.BooleanField()
    email_sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Invitation {self.id} for contact {self.contact_id}"
