"""Forms of the export dialog and the import pages (docs/architecture.md, "Export and import")."""

from django import forms
from django.http import QueryDict

from . import export, imports


class ColumnsField(forms.MultipleChoiceField):
    """Any contact field by its API name, or any `custom_fields.<key>`: a saved view or another
    page may name custom fields this page's contacts don't have."""

    def valid_value(self, value):
        return export.is_column(str(value))


class ExportForm(forms.Form):
    columns = ColumnsField(
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one column to export."},
    )
    # How many contacts the dialog said match: sets how many pages the job walks.
    count = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # The dialog draws the checkboxes itself; any custom field key is valid (ColumnsField).
        self.fields["columns"].choices = list(export.COLUMNS.items())


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(f"UTF-8, comma, semicolon or tab separated, a header row naming the columns; "
                   f"up to {imports.MAX_BYTES // 1024 // 1024} MB and {imports.MAX_ROWS:,} rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading a byte of it (Django has already spooled it to disk).
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the most an import takes is "
                f"{imports.MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
            )
        return upload


class ImportMappingForm(forms.Form):
    """Where each column goes (`target_<i>`, and `key_<i>` for a custom field), and the mode."""

    upload = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(choices=list(imports.MODES.items()), initial=imports.CREATE,
                             widget=forms.RadioSelect, label="What to do")

    def __init__(self, *args, header=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.header = list(header)
        for i, name in enumerate(self.header):
            self.fields[f"target_{i}"] = forms.ChoiceField(
                choices=list(imports.TARGETS.items()), required=False,
                label=f"Column {i + 1}: {name or '(no name)'}",
            )
            self.fields[f"key_{i}"] = forms.CharField(
                required=False, max_length=export.MAX_KEY_LENGTH,
                label=f"Custom field name for column {i + 1}",
            )

    @classmethod
    def bound_to(cls, mapping, *, header, upload: str, mode: str = imports.CREATE):
        """The form as if the guessed mapping had been posted, so it is checked the same way."""
        data = QueryDict(mutable=True)
        data.update({"upload": upload, "mode": mode})
        for i, name in enumerate(header):
            target = mapping.targets[i]
            custom = target.startswith(export.CUSTOM_PREFIX)
            data[f"target_{i}"] = imports.CUSTOM if custom else target
            data[f"key_{i}"] = target[len(export.CUSTOM_PREFIX):] if custom else name
        return cls(data, header=header)

    def columns(self):
        """(header, target field, key field) per column."""
        return [(name, self[f"target_{i}"], self[f"key_{i}"])
                for i, name in enumerate(self.header)]

    def clean(self):
        cleaned = super().clean()
        targets = []
        for i in range(len(self.header)):
            target = cleaned.get(f"target_{i}", "")
            if target == imports.CUSTOM:
                key = (cleaned.get(f"key_{i}") or "").strip()
                if not key:
                    self.add_error(f"key_{i}", "Name the custom field this column goes to.")
                target = export.CUSTOM_PREFIX + key
            targets.append(target)
        self.mapping = imports.ColumnMapping(tuple(targets))
        for problem in self.mapping.problems():
            self.add_error(None, problem)
        return cleaned
