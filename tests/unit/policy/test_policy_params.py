"""Parameters read the way the dSS reads them: strtol integers, device and zone selection, paths."""

from __future__ import annotations

import pytest

from dss_addon.policy.model import DeviceRef
from dss_addon.policy.params import (
    parse_dss_int,
    query_prefix,
    resolve_device,
    resolve_zone,
    split_path,
    zone_segment_id,
)
from tests.support.builders import (
    LIGHT_WOHNEN,
    SENSOR_KUECHE,
    ZONE_KUECHE,
    ZONE_WOHNEN,
    make_topology,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("989", 989),
        ("0x3dd", 989),
        ("0X3DD", 989),
        ("01735", 989),
        ("010", 8),
        ("0", 0),
        ("00", 0),
        ("-0", 0),
        ("+5", 5),
        ("-1", -1),
        ("-0x10", -16),
        ("  42", 42),
        ("\t\n42", 42),
        ("2147483647", 2**31 - 1),
        ("-2147483648", -(2**31)),
        # invalid: trailing garbage, empty, bad digits, out of C int range, Python-only syntax
        ("", None),
        ("   ", None),
        ("42 ", None),
        ("42abc", None),
        ("08", None),
        ("0x", None),
        ("0xg", None),
        ("0b101", None),
        ("1_000", None),
        ("+-5", None),
        ("- 5", None),
        ("++5", None),
        ("٣", None),  # a non-ASCII digit
        ("2147483648", None),
        ("4294968285", None),  # 2**32 + 989: would truncate to zone 989
        ("1e3", None),
        ("abc", None),
    ],
)
def test_parse_dss_int_follows_strtol_base_0(text: str, expected: int | None) -> None:
    assert parse_dss_int(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/apartment/zones", ("apartment", "zones")),
        ("//system//security", ("system", "security")),
        ("/system/security/", ("system", "security")),
        ("system/security", ("system", "security")),
        ("/", ()),
        ("", ()),
        ("/apartment/../system/security", None),
        ("/apartment/./zones", None),
        ("/..", None),
        ("/apartment/..x", ("apartment", "..x")),
    ],
)
def test_split_path_collapses_empty_segments_and_refuses_dots(
    raw: str, expected: tuple[str, ...] | None
) -> None:
    assert split_path(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/apartment/zones/*(ZoneID,name)", (("apartment", "zones"), True)),
        ("/apartment/zones/zone989(ZoneID)", (("apartment", "zones", "zone989"), False)),
        ("/system/version(version)", (("system", "version"), False)),
        ("/*(*)", ((), True)),
        ("/*/security", ((), True)),
        ("/apartment/*/*(ZoneID)/groups/*(*)", (("apartment",), True)),
        ("/system/sec*(*)", (("system",), True)),
        ("/usr/(*)", (("usr",), True)),
        ("//apartment//zones//*(*)", (("apartment", "zones"), True)),
        ("/apartment/*/..(x)", None),
        ("/apartment/../system", None),
    ],
)
def test_query_prefix_is_the_literal_walk_before_the_first_wildcard(
    raw: str, expected: tuple[tuple[str, ...], bool] | None
) -> None:
    assert query_prefix(raw) == expected


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("zone989", 989),
        ("zone0", 0),
        ("zone0989", None),
        ("zone", None),
        ("Zone989", None),
        ("zone989[0]", None),
        ("zone+989", None),
        ("zone٣", None),
        ("zones", None),
    ],
)
def test_zone_segment_id_accepts_only_the_canonical_spelling(
    segment: str, expected: int | None
) -> None:
    assert zone_segment_id(segment) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"dsuid": LIGHT_WOHNEN.dsuid}, LIGHT_WOHNEN),
        ({"dsuid": LIGHT_WOHNEN.dsuid.upper()}, LIGHT_WOHNEN),
        ({"dsid": LIGHT_WOHNEN.dsid.upper()}, LIGHT_WOHNEN),
        ({"name": "Deckenlicht Wohnen"}, LIGHT_WOHNEN),
        ({"name": "Feuchtesensor Küche"}, SENSOR_KUECHE),
        # dsuid wins over dsid, dsid over name
        ({"dsuid": SENSOR_KUECHE.dsuid, "dsid": LIGHT_WOHNEN.dsid}, SENSOR_KUECHE),
        ({"dsid": LIGHT_WOHNEN.dsid, "name": "Feuchtesensor Küche"}, LIGHT_WOHNEN),
        # an empty value counts as missing
        ({"dsuid": "", "dsid": LIGHT_WOHNEN.dsid}, LIGHT_WOHNEN),
        # a bad dsuid does not fall back to the dsid
        ({"dsuid": "xyz", "dsid": LIGHT_WOHNEN.dsid}, "unknown device"),
        ({"dsuid": LIGHT_WOHNEN.dsuid + "00"}, "unknown device"),
        ({"dsuid": "0" * 34}, "unknown device"),
        ({"dsid": LIGHT_WOHNEN.dsid[:-1]}, "unknown device"),
        ({"name": "deckenlicht wohnen"}, "unknown device"),
        ({"name": "Steckdose"}, "device name is ambiguous"),
        ({}, "no device given"),
    ],
)
def test_resolve_device_follows_dss_precedence(
    params: dict[str, str], expected: DeviceRef | str
) -> None:
    assert resolve_device(params, make_topology()) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"id": "989"}, ZONE_WOHNEN),
        # Only the canonical spelling names a zone (grammar.read_int), not strtol's others.
        ({"id": "0x3de"}, "unparsable zone id"),
        ({"id": "01736"}, "unparsable zone id"),
        ({"id": "99999"}, 99999),  # not in the topology: the dSS will say so
        ({"name": "Küche"}, ZONE_KUECHE),
        ({"id": "", "name": "Wohnen"}, ZONE_WOHNEN),
        ({"id": "989", "name": "Wohnen"}, "both zone id and name given"),
        ({"id": "abc"}, "unparsable zone id"),
        ({"name": "küche"}, "unknown zone"),
        ({}, "no zone given"),
    ],
)
def test_resolve_zone_by_id_or_name(params: dict[str, str], expected: int | str) -> None:
    assert resolve_zone(params, make_topology()) == expected
