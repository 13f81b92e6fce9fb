"""Agencies as witnesses of the ledger: each agency's key, and what its witness cosigned."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class LedgerWitness(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    agency_id: str
    name: str
    verifier_key: str  # <name>+<key id>+base64(0x04 || Ed25519 public key), C2SP tlog-cosignature
    registered_by: str
    registered_at: dt.datetime


class WitnessRegistration(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    verifier_key: str = Field(min_length=10, max_length=400, description="The witness's verifier key, from 'safeshare ledger witness keygen'.")


class Cosigned(BaseModel):
    model_config = ConfigDict(frozen=True)

    log: str
    witness_id: str
    tree_size: int
    cosigned_at: dt.datetime
