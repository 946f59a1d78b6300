"""property/*: read prefixes, blocked subtrees, write rules, path tricks and query wildcards."""

from __future__ import annotations

import pytest

from dss_addon.policy import Decision, properties
from dss_addon.shares.model import Level
from tests.support.builders import (
    decide_now,
    make_call,
    make_share,
)

V, OP, C = Level.VIEW, Level.OPERATE, Level.CONFIGURE


WRITABLE_ADDONS = frozenset({"tado", "system-addon-timed-events"})


_VALUES = {"setString": "x", "setInteger": "1", "setBoolean": "true", "setFloating": "1.5"}


def prop(
    level: Level,
    method: str,
    raw: str,
    zones: tuple[int, ...] = (),
    addons: frozenset[str] = WRITABLE_ADDONS,
) -> Decision:
    key = "query" if method in ("query", "query2") else "path"
    share = make_share(level=level, zones=zones)
    params = {key: raw}
    if method in _VALUES:
        params["value"] = _VALUES[method]
    call = make_call("property", method, **params)
    return decide_now(share, call, script_addons=addons)


SECURITY_TRICKS = [
    "/system/security",
    "/system/security/",
    "//system//security",
    "/system/security/applicationTokens/enabled",
    "system/security/users/dssadmin/password",
    "/apartment/../system/security",
    "/apartment/./../system/security",
    "/usr/states/../../system/security",
]


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("method", ["getString", "getChildren", "getType", "getFlags", "setString"])
@pytest.mark.parametrize("path", SECURITY_TRICKS)
def test_system_security_is_unreachable_by_path_tricks(
    level: Level, method: str, path: str
) -> None:
    assert not prop(level, method, path).allowed


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(
    "query",
    [
        "/system/security/*(*)",
        "/system/security/applicationTokens/enabled/*(*)",
        "/system/*(*)",
        "/system/*/applicationTokens/*(*)",
        "/*(*)",
        "/*/*/*(*)",
        "/*/security/*(*)",
        "//system//security(*)",
        "/system/sec*/*(*)",
        "/(*)",
        "/apartment/../system/security/*(*)",
        "/scripts/*(*)",
        "/scripts/system-addon-remote-connectivity(*)",
    ],
)
@pytest.mark.parametrize("method", ["query", "query2"])
def test_queries_cannot_reach_blocked_subtrees(level: Level, query: str, method: str) -> None:
    assert not prop(level, method, query).allowed


@pytest.mark.parametrize(
    ("level", "method", "raw", "allowed"),
    [
        (V, "getString", "/system/version/version", True),
        (V, "getInteger", "/system/uptime", True),
        (V, "getString", "/system/dSID", True),
        (V, "getString", "/system/dSUID", True),
        (V, "getString", "/system/host/interfaces/eth0/ip", True),
        (V, "getString", "/usr/states/presence/state", True),
        (V, "getString", "/usr/addon-states/tado/heating/state", True),
        (V, "getChildren", "/apartment/zones", True),
        (V, "getChildren", "/apartment", True),
        (V, "query", "/apartment/zones/*(ZoneID,name)", True),
        (V, "query2", "/apartment/zones/*(*)/groups/*(*)/scenes/*(*)", True),
        (V, "query", "/apartment/dSMeters/*(name,dSID,dSUID,isValid)/zones/*(*)", True),
        (V, "query", "/apartment/*/*(ZoneID,name)/groups/*(group,name)", True),
        (V, "query", "/usr/states/*(*)", True),
        (V, "query", "/system/version(version,distroVersion)", True),
        # not allow-listed
        (V, "getChildren", "/", False),
        (V, "getString", "/system/time/current", False),
        (V, "getString", "/system/securityX", False),  # a sibling, but not allow-listed either
        (V, "getString", "/System/security", False),
        (V, "getString", "/Apartment/zones", False),
        (V, "getString", "/config/digestfile", False),
        (V, "getString", "/scripts/tado/config", False),
        (V, "getString", "", False),
        (V, "query", "", False),
        (V, "query", "/system(*)", False),
        (V, "query", "/usr/*(*)", False),
        (C, "getString", "/scripts/tado/config", True),
        # Open queries under /scripts may read secrets (tado's config/password).
        (C, "query", "/scripts/tado/*(*)", False),
        (C, "getString", "/scripts/system-addon-remote-connectivity/OSPToken", False),
        # writes: configure only, only below /scripts/<add-on>
        (C, "setString", "/scripts/tado/config", True),
        (C, "setInteger", "/scripts/tado/n", True),
        # Empty segments are children named "" to the dSS (dss-api.md §9 #6): not canonical.
        (C, "setBoolean", "//scripts//tado//flag", False),
        (C, "setString", "/scripts", False),
        (C, "setString", "/scripts/tado", False),
        (C, "setString", "/scripts/other-addon/config", False),
        (C, "setString", "/scripts/system-addon-timed-events/entries/e1", False),
        (C, "setString", "/scripts/system-addon-remote-connectivity/OSPToken", False),
        (C, "setString", "/config/subsystems/WebServer/trustedPort", False),
        (C, "setString", "/system/version/version", False),
        (C, "setString", "/apartment/zones/zone989/name", False),
        (C, "setString", "/usr/states/presence/state", False),
        (C, "setString", "/scripts/../config/digestfile", False),
        (OP, "setString", "/scripts/tado/config", False),
        (V, "setString", "/scripts/tado/config", False),
        # always blocked, anywhere
        (C, "remove", "/scripts/tado/config", False),
        (C, "setFlag", "/scripts/tado/config", False),
        (C, "vdcquery", "/scripts/tado", False),
    ],
)
def test_property_rules(level: Level, method: str, raw: str, allowed: bool) -> None:
    decision = prop(level, method, raw)
    assert decision.allowed is allowed, decision.reason


def test_no_add_on_is_writable_unless_listed() -> None:
    decision = prop(C, "setString", "/scripts/tado/config", addons=frozenset())
    assert decision == Decision.deny("add-on not in the share allow-list")


def test_a_zone_restricted_share_never_writes_add_on_settings() -> None:
    decision = prop(C, "setString", "/scripts/tado/config", zones=(989,))
    assert decision == Decision.deny("add-on settings are not writable by a zone-restricted share")


@pytest.mark.parametrize(
    ("method", "raw", "reason"),
    [
        ("getString", "/system/security/x", "property path /system/security is blocked"),
        ("query", "/*(*)", "property path /system/security is blocked"),
        ("getString", "/apartment/../system", "property path with '.' or '..' is blocked"),
        ("setString", "/config/x", "property writes under /config are blocked"),
        ("remove", "/scripts/x", "always blocked: property/remove"),
        ("getString", "/config/x", "property path not in read allow-list for level configure"),
    ],
)
def test_property_denial_reasons(method: str, raw: str, reason: str) -> None:
    assert prop(C, method, raw) == Decision.deny(reason)


@pytest.mark.parametrize(
    ("method", "raw", "allowed"),
    [
        ("getString", "/apartment/zones/zone989/name", True),
        ("query", "/apartment/zones/zone989/groups/*(*)", True),
        ("query2", "/apartment/zones/zone989(*)", True),
        ("getChildren", "/apartment/zones", True),
        ("getChildren", "/apartment", True),
        # zone.cpp Zone::addToDSMeter: a dSM's zones/<id> is an alias of a whole zone node.
        ("getString", "/apartment/dSMeters/x/name", False),
        ("getString", "/apartment/dSMeters/x/zones/990/name", False),
        ("getChildren", "/apartment/dSMeters/x/zones/990/devices", False),
        ("query", "/apartment/dSMeters/*/zones/*(*)", False),
        ("query", "/apartment/dSMeters(*)", False),
        ("getString", "/apartment/name", True),
        ("query", "/apartment(name)", True),
        ("getString", "/apartment/clusters/x/name", False),
        # state.cpp: a state's device/<dsuid> is an alias of the providing device's node.
        ("query", "/usr/states/*(*)", True),
        ("getString", "/usr/states/dev.x/device/y/name", False),
        ("query", "/usr/states/*/device/*(*)", False),
        # A property list reads one level below its part: the values of what a state holds,
        # its `device` entry's inputIndex and stateName included (found by the fuzzer).
        ("query", "/usr/states/*/*(*)", False),
        ("query", "/usr/states/*/device(*)", False),
        ("query", "/usr/states/fire/device(inputIndex)", False),
        ("query", "/usr/states/*/state", True),
        ("getString", "/usr/addon-states/tado/heating/state", True),
        ("query", "/usr/addon-states/*/*/device/*(*)", False),
        ("getString", "/usr/states/presence/state", True),
        ("getString", "/apartment/zones/zone990/name", False),
        ("getString", "/apartment/zones/zone0/devices/x/name", False),
        ("getString", "/apartment/zones/zone0989/name", False),
        ("getString", "/apartment/zones/zone989x/name", False),
        ("query", "/apartment/zones/*(ZoneID,name)", False),
        ("query", "/apartment/zones/zone*(*)", False),
        ("query", "/apartment/*/*(*)", False),
        ("query", "/apartment/*(*)", False),
        ("query", "/apartment/zones(*)", True),  # the zones node's own values only
    ],
)
def test_zone_restricted_property_reads_must_name_an_allowed_zone(
    method: str, raw: str, allowed: bool
) -> None:
    decision = prop(V, method, raw, zones=(989,))
    assert decision.allowed is allowed, decision.reason


SCRIPT_READS = [
    ("getString", "/scripts/tado/config/username", True),
    ("getChildren", "/scripts/tado/config", True),  # names and types, never values
    ("query", "/scripts/tado/config(username,interval)", True),
    ("query2", "/scripts/tado/config(username)", True),
    # secrets, in any spelling and as part of a name, as a segment or in a property list
    ("getString", "/scripts/tado/config/password", False),
    ("getString", "/scripts/tado/config/PassWord", False),
    ("getString", "/scripts/tado/config/tadoPassword", False),
    ("getString", "/scripts/tado/config/passwd", False),
    ("getString", "/scripts/tado/apiKey", False),
    ("getString", "/scripts/tado/cloud/accessToken", False),
    ("getString", "/scripts/tado/clientSecret", False),
    ("getString", "/scripts/tado/credentials/user", False),
    ("getChildren", "/scripts/tado/password", False),
    ("query", "/scripts/tado/config(username,password)", False),
    ("query", "/scripts/tado/secrets(x)", False),
    # open queries and open property lists
    ("query", "/scripts/tado/config(*)", False),
    ("query", "/scripts/tado/*(username)", False),
    ("query", "/scripts/tado/*(*)", False),
    ("query2", "/scripts/tado/config(*)", False),
    ("query", "/scripts/*(*)", False),
    ("query", "/scripts/*/config(username)", False),
    # only below /scripts/<add-on>/ of a listed add-on, never a system add-on
    ("getChildren", "/scripts", False),
    ("getChildren", "/scripts/tado", False),
    ("query", "/scripts/tado(version)", False),
    ("getString", "/scripts/other-addon/config/x", False),
    ("getString", "/scripts/system-addon-timed-events/entries/e1", False),
    ("getString", "/scripts/system-addon-scene-responder/version", False),
]


@pytest.mark.parametrize(("method", "raw", "allowed"), SCRIPT_READS)
def test_add_on_data_reads(method: str, raw: str, allowed: bool) -> None:
    decision = prop(C, method, raw)
    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(("method", "raw", "allowed"), SCRIPT_READS)
def test_add_on_data_is_never_read_by_a_zone_restricted_share(
    method: str, raw: str, allowed: bool
) -> None:
    assert not prop(C, method, raw, zones=(989,)).allowed


def test_add_on_data_is_readable_only_for_listed_add_ons() -> None:
    decision = prop(C, "getString", "/scripts/tado/config/username", addons=frozenset())
    assert decision == Decision.deny("add-on not in the share allow-list")


@pytest.mark.parametrize(
    ("method", "raw"),
    [
        ("getString", "/usr/addon-states/tado/password/state"),
        ("query", "/usr/addon-states/tado/*(token)"),
        ("getString", "/apartment/zones/zone989/authKey"),
        ("setString", "/scripts/tado/config/password"),
        ("setString", "/scripts/tado/Token"),
    ],
)
def test_secret_like_names_are_refused_anywhere(method: str, raw: str) -> None:
    decision = prop(C, method, raw)
    assert decision == Decision.deny("property names that look like secrets are blocked")


@pytest.mark.parametrize(
    "name",
    ["pin", "PIN", "userPin", "userPIN", "pin_code", "PINCode", "pin2", "alarm-pin", "pass",
     "wifiPass", "pw", "adminPw", "pwd", "psk", "wifiPSK", "otp", "otpSeed", "apikey", "APIKey",
     "jwt", "jwtValue", "bearer", "Bearer_header"],
)  # fmt: skip
def test_short_secret_words_match_as_whole_words(name: str) -> None:
    assert properties.is_secret(name)
    decision = prop(C, "setString", f"/scripts/tado/config/{name}")
    assert decision == Decision.deny("property names that look like secrets are blocked")
    decision = prop(C, "query", f"/usr/addon-states/tado/x({name})")
    assert decision == Decision.deny("property names that look like secrets are blocked")


# A word that merely contains a short secret word is another word.
@pytest.mark.parametrize(
    "name",
    ["ping", "spinner", "pinned", "Spin", "shipping", "passage", "compass", "bypassed", "option",
     "adoptOtpx", "powerState", "jwtx", "bearerx", "lastPing"],
)  # fmt: skip
def test_words_containing_a_short_secret_word_are_not_secrets(name: str) -> None:
    assert not properties.is_secret(name)
    assert prop(C, "setString", f"/scripts/tado/config/{name}").allowed


def test_words_split_at_non_letters_and_camel_case() -> None:
    assert properties.words("userPIN_code2") == ("user", "pin", "code")
    assert properties.words("APIKeyValue") == ("api", "key", "value")
    assert properties.words("wifi-psk.value") == ("wifi", "psk", "value")
