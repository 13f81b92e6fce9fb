"""Import every module that defines tables, so the metadata is complete wherever it is used."""

from safeshare.store import exchange_tables, ledger_tables, tables  # noqa: F401
