"""`manage.py issue_token <username>`: print a new REST API token for an existing user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Print a new API token key for an existing user; the user's previous key stops working."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f'No user named "{username}".') from None
        if not user.is_active:
            raise CommandError(f'User "{username}" is inactive; the API would refuse its token.')
        with transaction.atomic():
            # One key per user (DRF's model): replacing it revokes a leaked key in the same step.
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
        self.stdout.write(token.key)
