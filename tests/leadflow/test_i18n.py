"""The UI is bilingual: every message has a Chinese translation, and the language follows the user's choice."""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from leadflow.roles import Role
from leads.choices import Stage, Temperature
from tests.factories import LeadFactory, user_with_role

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"


@dataclass
class PoEntry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> list[PoEntry]:
    """A small .po reader: enough for gettext's own output (msgctxt, plurals, continued lines, flags)."""
    entries: list[PoEntry] = []
    entry, key = PoEntry(), ""
    for number, raw in enumerate([*path.read_text(encoding="utf-8").splitlines(), ""], start=1):
        line = raw.strip()
        if not line:
            if entry.line:
                entries.append(entry)
            entry, key = PoEntry(), ""
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        if line.startswith("#"):
            continue
        entry.line = entry.line or number
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            rest = line
        else:
            key = keyword
        text = ast.literal_eval(rest)
        if key.startswith("msgstr"):
            index = int(key[7:-1]) if key.startswith("msgstr[") else 0
            entry.msgstr[index] = entry.msgstr.get(index, "") + text
        elif key in ("msgid", "msgid_plural", "msgctxt"):
            setattr(entry, key, (getattr(entry, key) or "") + text)
    return [entry for entry in entries if entry.msgid]  # the header has an empty msgid


def test_po_file_has_every_message_translated_and_none_fuzzy():
    entries = read_po(PO_FILE)

    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert len(entries) > 100
    assert untranslated == []
    assert fuzzy == []
    flag_lines = [line for line in PO_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#,")]
    assert not [line for line in flag_lines if "fuzzy" in line]  # the header's flag too


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext (apt-get install gettext)")
def test_every_translatable_string_in_the_source_is_in_the_catalogue(tmp_path: Path):
    """`make messages` on a copy of the tracked files finds nothing new: a string hidden from makemessages
    (an f-string, an unknown gettext alias) or added without running it would show in English."""
    root = Path(settings.BASE_DIR)
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (root / name).is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--ignore=.venv",
         "--ignore=tests", "--ignore=bench"],
        cwd=tmp_path, capture_output=True, check=True, env={**os.environ, "DJANGO_DEBUG": "1"},
    )  # fmt: skip

    known = {(e.msgctxt, e.msgid) for e in read_po(PO_FILE)}
    extracted = read_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert [e.msgid for e in extracted if (e.msgctxt, e.msgid) not in known] == []


def test_compiled_catalog_matches_the_po_file():
    """A fresh machine may have no gettext: the committed .mo must say what the .po says."""
    with MO_FILE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)

    stale = []
    for entry in read_po(PO_FILE):
        lookup = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid
        if entry.msgid_plural is None and catalog._catalog.get(lookup) != entry.msgstr[0]:  # type: ignore[attr-defined]
            stale.append(entry.msgid)
    assert stale == []


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Leads", "线索"),
        ("Sign in", "登录"),
        ("Log out", "退出登录"),
        ("Stage history", "阶段历史"),
        ("Touchpoints", "触点"),
    ],
)
def test_key_interface_strings_follow_the_active_language(english: str, chinese: str):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_choice_labels_are_translated():
    with translation.override("zh-hans"):
        assert str(Stage.MQL.label) == "市场认可线索"
        assert str(Stage.CUSTOMER.label) == "成交客户"
        assert str(Temperature.HOT.label) == "热"
    with translation.override("en"):
        assert str(Stage.MQL.label) == "MQL"
        assert str(Temperature.HOT.label) == "Hot"


@pytest.mark.django_db
def test_lead_list_is_chinese_by_default_and_english_after_choosing_it(client: Client):
    LeadFactory()
    client.force_login(user_with_role(Role.MARKETER))
    list_url = reverse("leads:list")

    chinese = client.get(list_url).content.decode()
    switched = client.post(reverse("set_language"), {"language": "en", "next": list_url}, follow=True)
    english = switched.content.decode()

    assert '<html lang="zh-hans">' in chinese
    assert "线索" in chinese and "退出登录" in chinese
    assert switched.redirect_chain[-1][0] == list_url
    assert '<html lang="en">' in english
    assert ">Leads<" in english and "Log out" in english
    assert "退出登录" not in english
