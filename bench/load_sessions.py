"""Sessions for the load test (bench/locustfile.py): one per scale-data account, as Django's
test client logs in (`force_login`), written to var/load/sessions.json.

Logging in hashes the password (PBKDF2, about a second of CPU on this machine): fifty people
logging in at once would measure the hasher, not the pages, so the load test starts logged in.
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = User.objects.filter(username__startswith="scale-", is_active=True).filter(
        username__endswith="-reporter") | User.objects.filter(username="scale-office")
    sessions = {}
    for user in users.order_by("username"):
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    target = ROOT / "var" / "load" / "sessions.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(sessions))
    print(f"{len(sessions)} sessions in {target}")


if __name__ == "__main__":
    main()
