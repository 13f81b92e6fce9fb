"""Printed by `make run`: where to sign in and who to sign in as."""

from safeshare.demo import DEMO_PASSWORD, DOMAIN, PEOPLE
from safeshare.domain.people import needs_two_step
from safeshare.settings import load_settings


def main() -> None:
    settings = load_settings()
    print(f"\nSafeShare is starting on http://{settings.host}:{settings.port}/ (API docs at /api/docs)")
    print(f"Demo accounts (all fictional), password '{DEMO_PASSWORD}':")
    print(f"  admin@{DOMAIN:<32} system administrator *")
    for agency, local, name, title, roles in PEOPLE:
        print(f"  {local + '@' + DOMAIN:<38} {title}, {agency}{' *' if needs_two_step(roles) else ''}")
    print(
        "* signs in in two steps: the first time, SafeShare shows a QR code and a key to add to an authenticator app\n"
        "  (any RFC 6238 app, or `.venv/bin/python -c \"import pyotp; print(pyotp.TOTP('KEY').now())\"` with the key shown),\n"
        "  then asks for its code, and gives recovery codes to keep."
    )
    print()


if __name__ == "__main__":
    main()
