"""Where a share link works (pure): *at home* (the share site's address in the home network,
with the device's own self-signed certificate) or *from anywhere* (a public HTTPS address the
homeowner configured, e.g. a tunnel with a valid certificate), and the checks of such an
address that need no network."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class Place(StrEnum):
    HOME = "home"
    ANYWHERE = "anywhere"


class Problem(StrEnum):
    """Why an address cannot be the public one; the pages word each in both languages."""

    NOT_HTTPS = "not_https"
    NO_HOST = "no_host"
    USER_INFO = "user_info"
    QUERY = "query"
    BAD_PORT = "bad_port"
    HOME_ADDRESS = "home_address"  # loopback, private, link-local: unreachable from outside
    LOCAL_NAME = "local_name"  # localhost, *.local, *.lan, *.home.arpa, a single-label name
    BAD_HOST = "bad_host"
    TOO_LONG = "too_long"


MAX_URL = 200
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOCAL_SUFFIXES = (".local", ".lan", ".home", ".home.arpa", ".internal", ".localdomain",
                   ".fritz.box")
_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104  # listener values, not binds


@dataclass(frozen=True, slots=True)
class PublicUrlCheck:
    url: str  # normalised (no trailing slash); "" when empty
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return bool(self.url) and not self.problems


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_home_host(host: str) -> bool:
    """A host that only the home network (or this device) reaches."""
    host = host.strip("[]").lower().rstrip(".")
    address = _ip(host)
    if address is not None:
        return not address.is_global
    return (
        host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)
        or host in {suffix[1:] for suffix in _LOCAL_SUFFIXES}
    )


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    address = _ip(host)
    return host == "localhost" if address is None else address.is_loopback


def _host_problems(host: str) -> list[Problem]:
    address = _ip(host)
    if address is not None:
        return [] if address.is_global else [Problem.HOME_ADDRESS]
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.match(label) for label in labels):
        return [Problem.BAD_HOST]
    return [Problem.LOCAL_NAME] if is_home_host(host) else []


def check_public_url(text: str) -> PublicUrlCheck:
    """What can be checked without the network: an https URL of a host the internet reaches."""
    value = text.strip()
    if not value:
        return PublicUrlCheck("", ())
    if len(value) > MAX_URL:
        return PublicUrlCheck(value[:MAX_URL], (Problem.TOO_LONG,))
    parts = urlsplit(value)
    problems: list[Problem] = []
    if parts.scheme.lower() != "https":
        problems.append(Problem.NOT_HTTPS)
    if parts.username is not None or parts.password is not None:
        problems.append(Problem.USER_INFO)
    if parts.query or parts.fragment or "?" in value or "#" in value:
        problems.append(Problem.QUERY)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        problems.append(Problem.BAD_PORT)
    host = (parts.hostname or "").lower()
    if not host:
        problems.append(Problem.NO_HOST)
    else:
        problems.extend(_host_problems(host))
    return PublicUrlCheck(value.rstrip("/"), tuple(problems))


def home_base_url(listener_base: str, request_host: str) -> str:
    """The share site's address as the home network sees it. A listener on every interface
    (0.0.0.0) has no address of its own to put in a link: the dSS's address as the homeowner's
    browser reached it is taken instead, with the share site's port."""
    parts = urlsplit(listener_base)
    if (parts.hostname or "") not in _WILDCARD_HOSTS:
        return listener_base.rstrip("/")
    host = _request_hostname(request_host)
    if not host:
        return listener_base.rstrip("/")
    shown = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{shown}{port}"


def _request_hostname(header: str) -> str:
    """The host of a Host header, if it is a plain IP address or DNS name (never markup)."""
    parts = urlsplit("//" + header.strip())
    try:
        host = (parts.hostname or "").lower()
    except ValueError:
        return ""
    if _ip(host) is not None:
        return host
    labels = host.rstrip(".").split(".")
    return host if host and all(_LABEL.match(label) for label in labels) else ""


def link_host(base_url: str) -> str:
    return urlsplit(base_url).hostname or ""
