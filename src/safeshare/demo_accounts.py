"""Printed by `make run`: where to sign in and who to sign in as."""

from safeshare.demo import DEMO_PASSWORD, DOMAIN, PEOPLE
from safeshare.settings import load_settings


def main() -> None:
    settings = load_settings()
    print(f"\nSafeShare is starting on http://{settings.host}:{settings.port}/ (API docs at /api/docs)")
    print(f"Demo accounts (all fictional), password '{DEMO_PASSWORD}':")
    print(f"  admin@{DOMAIN:<32} system administrator")
    for agency, local, name, title, _roles in PEOPLE:
        print(f"  {local + '@' + DOMAIN:<38} {title}, {agency}")
    print()


if __name__ == "__main__":
    main()
