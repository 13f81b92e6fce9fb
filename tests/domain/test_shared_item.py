import pytest
from pydantic import ValidationError

from safeshare.domain.decisions import ItemKind, SharedItem


def test_historical_information_without_a_note_is_refused():
    with pytest.raises(ValidationError, match="historical_note: explain why"):
        SharedItem(description="A referral in 2019", kind=ItemKind.FACT, historical=True)


@pytest.mark.parametrize("note", ["", "   "])
def test_an_empty_note_does_not_explain_historical_information(note):
    with pytest.raises(ValidationError, match="historical_note"):
        SharedItem(description="A referral in 2019", kind=ItemKind.FACT, historical=True, historical_note=note)


def test_the_note_is_checked_when_data_is_read_back_as_well():
    with pytest.raises(ValidationError, match="historical_note"):
        SharedItem.model_validate({"description": "Old", "kind": "opinion", "historical": True})


def test_historical_information_with_a_note_and_current_information_without_one_are_accepted():
    old = SharedItem(description="A referral in 2019", kind=ItemKind.FACT, historical=True, historical_note="The same concern recurs")
    assert old.historical and old.historical_note == "The same concern recurs"
    assert SharedItem(description="Seen today", kind=ItemKind.FACT).historical_note is None
