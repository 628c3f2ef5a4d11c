"""Email templates: one subject and body per language, checked by rendering them before they are stored
(a template syntax error names the field; `{{ unsubscribe_url }}` is required in marketing bodies)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from nurturing.models.sequences import EmailTemplate

FIELDS = {"zh-hans": ("subject_zh", "body_zh"), "en": ("subject_en", "body_en")}


def _errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for subject, body in FIELDS.values():
        for field in (subject, body):
            try:
                Template(str(data.get(field, "")))
            except TemplateSyntaxError as error:
                errors[field] = [_("Template error: %(error)s") % {"error": error}]
        if "unsubscribe_url" not in str(data.get(body, "")):
            errors.setdefault(body, []).append(_("Marketing emails must contain {{ unsubscribe_url }}."))
    return errors


@transaction.atomic
def email_template_save(*, data: Mapping[str, Any], template: EmailTemplate | None = None) -> EmailTemplate:
    """Create or change a template from the form's fields (slug, name, subject and body per language)."""
    errors = _errors(data)
    slug = str(data["slug"])
    others = EmailTemplate.objects.filter(slug=slug)
    if template is not None:
        others = others.exclude(pk=template.pk)
    if others.exists():
        errors["slug"] = [_("Another template has this slug.")]
    if errors:
        raise ValidationFailed(_("The template is not valid."), errors=errors)
    template = template or EmailTemplate()
    template.slug, template.name = slug, str(data["name"])
    template.translations = {language: {"subject": data[subject], "body": data[body]}
                             for language, (subject, body) in FIELDS.items()}  # fmt: skip
    template.save()
    return template


def email_template_initial(template: EmailTemplate) -> dict[str, str]:
    versions = template.translations or {}
    initial = {"slug": template.slug, "name": template.name}
    for language, (subject, body) in FIELDS.items():
        initial[subject] = versions.get(language, {}).get("subject", "")
        initial[body] = versions.get(language, {}).get("body", "")
    return initial
