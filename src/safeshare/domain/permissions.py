"""What each role may do: a closed, namespaced vocabulary checked by every use case."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from safeshare.domain.people import Role


class Permission(StrEnum):
    AGENCIES_READ = "agencies:read"
    AGENCIES_MANAGE = "agencies:manage"
    PEOPLE_READ = "people:read"
    PEOPLE_MANAGE = "people:manage"
    SUBJECTS_READ = "subjects:read"
    SUBJECTS_WRITE = "subjects:write"
    SUBJECTS_LINK = "subjects:link"
    ADVICE_REQUEST = "advice:request"
    DECISIONS_RECORD = "decisions:record"
    DECISIONS_READ = "decisions:read"
    CONSENT_RECORD = "consent:record"
    CONSENT_READ = "consent:read"
    CONSENT_CONFLICTS = "consent:conflicts"
    REQUESTS_SEND = "requests:send"
    REQUESTS_ANSWER = "requests:answer"
    DISCLOSURES_SEND = "disclosures:send"
    DISCLOSURES_RECEIVE = "disclosures:receive"
    BREAK_GLASS_USE = "break-glass:use"
    BREAK_GLASS_REVIEW = "break-glass:review"
    ACCESS_LOG_READ = "access-log:read"
    OVERSIGHT_READ = "oversight:read"
    LEDGER_VERIFY = "ledger:verify"
    LEDGER_EXPORT = "ledger:export"  # a whole log, every agency's records in it: the partnership auditor's only
    LEDGER_WITNESS_STORE = "ledger:witness-store"  # the checkpoints kept outside the database, to keep elsewhere
    LEDGER_WITNESS = "ledger:witness"  # an agency's witness: register its key, fetch checkpoints, cosign them
    PARTNERSHIP_AUDIT = "partnership:audit"
    OWN_ACCOUNT_MANAGE = "own-account:manage"  # one's own password and sessions: every role


_CASEWORK = frozenset(
    {
        Permission.AGENCIES_READ,
        Permission.PEOPLE_READ,
        Permission.SUBJECTS_READ,
        Permission.SUBJECTS_WRITE,
        Permission.ADVICE_REQUEST,
        Permission.DECISIONS_RECORD,
        Permission.DECISIONS_READ,
        Permission.CONSENT_RECORD,
        Permission.CONSENT_READ,
        Permission.REQUESTS_SEND,
        Permission.REQUESTS_ANSWER,
        Permission.DISCLOSURES_SEND,
        Permission.DISCLOSURES_RECEIVE,
        Permission.BREAK_GLASS_USE,
    }
)
_GOVERNANCE = frozenset(
    {
        Permission.AGENCIES_READ,
        Permission.PEOPLE_READ,
        Permission.ADVICE_REQUEST,
        Permission.SUBJECTS_LINK,
        Permission.BREAK_GLASS_REVIEW,
        Permission.ACCESS_LOG_READ,
        Permission.LEDGER_VERIFY,
    }
)

# Governance roles advise on and oversee sharing; they do not see case records by virtue of the role.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: _CASEWORK,
    # Conflicts over consent (child and parent, or two parents) go to the safeguarding lead (004 Appendix 1 q4).
    Role.DESIGNATED_SAFEGUARDING_LEAD: _CASEWORK | {Permission.OVERSIGHT_READ, Permission.CONSENT_CONFLICTS},
    Role.MANAGER: _CASEWORK | {Permission.OVERSIGHT_READ},
    # The agency's governance lead witnesses the ledger for the agency (docs/SECURITY.md, the ledger).
    Role.INFORMATION_GOVERNANCE_LEAD: _GOVERNANCE | {Permission.LEDGER_WITNESS},
    Role.CALDICOTT_GUARDIAN: _GOVERNANCE,
    Role.SIRO: _GOVERNANCE,
    Role.PARTNERSHIP_AUDITOR: frozenset(
        {
            Permission.AGENCIES_READ, Permission.PARTNERSHIP_AUDIT, Permission.LEDGER_VERIFY, Permission.LEDGER_EXPORT,
            Permission.LEDGER_WITNESS_STORE,
        }
    ),
    Role.SYSTEM_ADMINISTRATOR: frozenset(
        {Permission.AGENCIES_READ, Permission.AGENCIES_MANAGE, Permission.PEOPLE_READ, Permission.PEOPLE_MANAGE}
    ),
}


# Everyone who can sign in looks after their own account.
for _role, _granted in ROLE_PERMISSIONS.items():
    ROLE_PERMISSIONS[_role] = _granted | {Permission.OWN_ACCOUNT_MANAGE}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: frozenset[Permission] = frozenset()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return granted
