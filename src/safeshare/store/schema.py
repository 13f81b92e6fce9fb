"""Import every module that defines tables, so the metadata is complete wherever it is used."""

from safeshare.store import ledger_tables, tables  # noqa: F401
