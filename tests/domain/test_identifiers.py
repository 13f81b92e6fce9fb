import pytest

from safeshare.domain.identifiers import normalise_ico_registration, normalise_nhs_number, normalise_upn


@pytest.mark.parametrize("raw", ["9434765919", "943 476 5919", "943-476-5919"])
def test_valid_nhs_numbers_are_normalised_to_ten_digits(raw):
    assert normalise_nhs_number(raw) == "9434765919"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9434765918", "check digit"),
        ("943476591", "10 digits"),
        ("94347659190", "10 digits"),
        ("94347659AB", "10 digits"),
        ("1000000010", "check digit"),  # remainder gives check value 10, which no NHS number has
    ],
)
def test_invalid_nhs_numbers_say_why(raw, message):
    with pytest.raises(ValueError, match=message):
        normalise_nhs_number(raw)


def test_every_single_digit_change_breaks_the_nhs_check_digit():
    valid = "9434765919"
    for position in range(10):
        for digit in "0123456789":
            if digit == valid[position]:
                continue
            changed = valid[:position] + digit + valid[position + 1 :]
            with pytest.raises(ValueError):
                normalise_nhs_number(changed)


@pytest.mark.parametrize("raw", ["T881200101001", "t881200101001", "Y881400202001"])
def test_valid_upns(raw):
    assert normalise_upn(raw) == raw.upper()


def test_temporary_upn_ending_in_a_letter_is_checked():
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    body = "88120010100A"
    total = sum(w * (int(c) if c.isdigit() else letters.index(c)) for w, c in zip(range(2, 14), body, strict=True))
    upn = letters[total % 23] + body
    assert normalise_upn(upn) == upn
    wrong = letters[(total + 1) % 23] + body
    with pytest.raises(ValueError, match="check letter"):
        normalise_upn(wrong)


@pytest.mark.parametrize(("raw", "message"), [("A881200101001", "check letter"), ("T88120010100", "letter followed by 11 digits")])
def test_invalid_upns_say_why(raw, message):
    with pytest.raises(ValueError, match=message):
        normalise_upn(raw)


@pytest.mark.parametrize("raw", ["ZA123456", "z1234567", "ZB000001"])
def test_ico_registration_format(raw):
    assert normalise_ico_registration(raw) == raw.upper()


@pytest.mark.parametrize("raw", ["A1234567", "ZA12345", "ZA1234567", "Z-123456"])
def test_ico_registration_rejects_other_shapes(raw):
    with pytest.raises(ValueError, match="ICO registration"):
        normalise_ico_registration(raw)
