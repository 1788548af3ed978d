"""Print a new API token for a user (once: only its digest is kept), or revoke it."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.tokens import token_issue, token_revoke


class Command(BaseCommand):
    help = ("Create (or replace) USERNAME's API token and print it once; --revoke removes it. "
            "Use it as the header `Authorization: Token <key>`.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true", help="remove the user's token")

    def handle(self, *args, username, revoke, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if revoke:
            if token_revoke(user=user):
                self.stdout.write(f"Token of {username} revoked.")
            else:
                self.stdout.write(f"{username} had no token.")
            return
        if not user.is_active:
            raise CommandError(f"{username} is not active.")
        key = token_issue(user=user)
        self.stdout.write(key)
        self.stderr.write(f"This is {username}'s API token; it is not stored and will not be "
                          "shown again. Any earlier token of theirs no longer works.")
