"""Termination types by Brazilian numbering, dialled from a switch in area code 11."""

import pytest

from models.extracts.numbering import termination_of

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

HOME = "11"


@pytest.mark.parametrize(
    ("dialled", "expected"),
    [
        # fixed lines of the home area: 8 digits starting 2-5, with or without area code
        ("33334444", "local"),
        ("2345-6789", "local"),
        ("5555 1234", "local"),
        ("1133334444", "local"),
        ("(11) 3333-4444", "local"),
        ("01133334444", "local"),  # 0 + area code, no carrier
        ("0151133334444", "local"),  # 0 + carrier 15 + the home area: the number decides
        ("+55 11 3333-4444", "local"),  # E.164
        ("551133334444", "local"),  # E.164 without the plus
        # fixed lines of other areas
        ("2133334444", "long_distance"),
        ("02133334444", "long_distance"),
        ("0212133334444", "long_distance"),  # carrier 21, area 21
        ("0418532345678", "long_distance"),  # carrier 41, area 85
        ("+55 21 2222-3333", "long_distance"),
        # mobiles: 9 digits starting 9, wherever they are
        ("987654321", "mobile"),
        ("98765-4321", "mobile"),
        ("11987654321", "mobile"),
        ("011987654321", "mobile"),
        ("01511987654321", "mobile"),
        ("21987654321", "mobile"),
        ("01521987654321", "mobile"),  # a mobile in another area is still a mobile
        ("+5521987654321", "mobile"),
        ("5521987654321", "mobile"),
        ("87654321", "mobile"),  # 8 digits 6-9: a mobile from before the ninth digit
        # international
        ("00", "international"),
        ("0021351912345678", "international"),  # 00 + carrier 21 + Portugal
        ("+1 212 555 0100", "international"),
        ("+351912345678", "international"),
        # toll-free and special
        ("08007771234", "toll_free"),
        ("0800 777 1234", "toll_free"),
        ("0800123456", "toll_free"),
        ("03001234567", "special"),
        ("03031234567", "special"),
        ("05001234567", "special"),
        ("09001234567", "special"),
        ("40041234", "special"),
        ("4003-1234", "special"),
        ("40201234", "special"),
        ("30031234", "special"),
        ("1140041234", "special"),  # a national single number with an area code
        ("190", "special"),
        ("192", "special"),
        ("193", "special"),
        ("100", "special"),
        ("102", "special"),
    ],
)
def test_a_dialled_number_has_the_termination_its_digits_say(dialled, expected):
    assert termination_of(dialled, HOME) == expected


@pytest.mark.parametrize(
    ("dialled", "home", "expected"),
    [
        ("33334444", "21", "local"),  # no area code: the switch's own area, whatever it is
        ("1133334444", "21", "long_distance"),
        ("2133334444", "21", "local"),
        ("0152133334444", "21", "local"),
        ("11987654321", "21", "mobile"),
    ],
)
def test_the_home_area_code_decides_local_or_long_distance(dialled, home, expected):
    assert termination_of(dialled, home) == expected


@pytest.mark.parametrize(
    "dialled",
    [
        "",
        "s",  # Asterisk's start extension
        "1001",  # an internal extension
        "12345",
        "1033334444",  # area code 10 does not exist
        "0152033334444",  # carrier 15, area code 20 does not exist
        "13334444",  # 8 digits starting with 1
        "887654321",  # 9 digits not starting with 9
        "123456789012345",
        "200",  # 3 digits that are not a 1XX service
    ],
)
def test_digits_no_rule_knows_are_refused(dialled):
    with pytest.raises(ValueError):
        termination_of(dialled, HOME)


def test_the_home_area_code_setting_defaults_to_11_and_must_be_a_known_ddd():
    from web.config import ConfigError, load_settings

    assert load_settings({}).voip_home_area_code == "11"
    assert load_settings({"VOIP_HOME_AREA_CODE": "21"}).flask_config()["VOIP_HOME_AREA_CODE"] == (
        "21"
    )
    for wrong in ("1", "011", "10", "ab"):
        with pytest.raises(ConfigError, match="VOIP_HOME_AREA_CODE"):
            load_settings({"VOIP_HOME_AREA_CODE": wrong})
