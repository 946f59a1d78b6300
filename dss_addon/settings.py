"""Validated, frozen settings. Parsing argv and addon.json happens in __main__; this module only
turns already-read values into a Settings object or a clear error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dss_addon.errors import BadInput

UI_DIR = Path(__file__).resolve().parent.parent / "ui"


@dataclass(frozen=True, slots=True)
class Listen:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Settings:
    dss_url: str  # e.g. https://127.0.0.1:8080 (no trailing slash)
    data_dir: Path
    owner_listen: Listen = Listen("127.0.0.1", 8091)
    share_listen: Listen = Listen("127.0.0.1", 8443)
    public_url: str | None = None  # how helpers reach the share site; default: the listener
    http: bool = False  # share site without TLS (behind an existing TLS tunnel)
    dss_insecure: bool = False  # accept the dSS's self-signed certificate
    max_lifetime: timedelta = timedelta(days=30)
    session_idle: timedelta = timedelta(minutes=30)  # share sessions (electrician browsers)
    trusted_proxies: frozenset[str] = frozenset()  # forwarding headers honoured only from these
    # The dSS web front (lighttpd on the device, same host) that forwards the owner site: only
    # from these addresses does the owner site believe X-Forwarded-For (the login limit counts
    # the real client, not the front that every browser comes through).
    web_front: frozenset[str] = frozenset({"127.0.0.1", "::1"})
    # What the homeowner opens to configure shares beyond the built-in allow-lists (none by
    # default): event names (or "prefix*") for event/raise, add-ons whose /scripts settings
    # configure shares may write. The policy never opens system events or system add-ons.
    raise_allowed: frozenset[str] = frozenset()
    script_addons: frozenset[str] = frozenset()
    owner_identity_ttl: float = 10.0  # seconds an owner's dSS token check is cached
    # The listeners under abuse (web/connections.py): seconds to complete request headers
    # (TLS handshake included), a request body, and idle time between two requests...
    header_timeout: float = 10.0
    body_timeout: float = 20.0
    keepalive_timeout: float = 15.0
    # ...and open connections, capped further below the process's descriptor limit.
    max_connections: int = 512  # share site, in total
    max_connections_per_client: int = 32  # share site, per address (per /64 for IPv6)
    owner_max_connections: int = 64
    shutdown_timeout: float = 5.0  # SIGTERM: seconds from the signal to the process's exit
    dss_timeout: float = 10.0  # seconds for an ordinary dSS call
    ui_dir: Path = field(default=UI_DIR)
    # Where the web front forwards the owner site without stripping the path (the dSS's
    # lighttpd 1.4.32 cannot): "/add-ons/dss-share". The owner site answers there and at /.
    path_prefix: str = ""
    # The web front's document root holding the configurator's pages (/www/pages on the
    # appliance, where the dSS's own port serves none). None: pages are fetched from the dSS.
    configurator_root: Path | None = None

    def share_base_url(self, bound: Listen | None = None) -> str:
        """Base URL for share links: the configured public URL, else the share listener."""
        if self.public_url:
            return self.public_url.rstrip("/")
        listen = bound or self.share_listen
        scheme = "http" if self.http else "https"
        return f"{scheme}://{listen}"


def parse_listen(value: str, *, option: str) -> Listen:
    host, sep, port_text = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise BadInput(f"{option}: expected HOST:PORT, got {value!r}", field=option)
    return Listen(host, int(port_text))


def parse_url(value: str, *, option: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise BadInput(f"{option}: expected an http(s) URL, got {value!r}", field=option)
    if parts.query or parts.fragment:
        raise BadInput(f"{option}: the URL must not have a query or fragment", field=option)
    return value.rstrip("/")


# The dSS's trusted port (/config/subsystems/WebServer/trustedPort, 8088 on the appliance):
# it skips the password and believes whatever user name a request's Authorization header
# names (dss-api.md §2.5). It is the web front's, never the add-on's.
DSS_TRUSTED_PORT = 8088


def parse_dss_url(value: str, *, option: str) -> str:
    """The dSS's own port (https://127.0.0.1:8080), never its trusted port."""
    url = parse_url(value, option=option)
    try:
        port = urlsplit(url).port
    except ValueError:
        raise BadInput(f"{option}: expected a port from 0 to 65535, got {value!r}",
                       field=option) from None  # fmt: skip
    if port == DSS_TRUSTED_PORT:
        raise BadInput(
            f"{option}: port {DSS_TRUSTED_PORT} is the dSS's trusted port, which believes any"
            " user name it is told; use the dSS's own port, e.g. https://127.0.0.1:8080",
            field=option,
        )
    return url


PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def parse_path_prefix(value: str, *, option: str) -> str:
    """"/add-ons/dss-share" (a trailing slash is dropped; "" or "/" mean none). Plain path
    segments only: the prefix is matched against the raw request path."""
    prefix = value.rstrip("/")
    if not prefix:
        return ""
    segments = prefix.split("/")
    if segments[0] or not all(
        PREFIX_SEGMENT.fullmatch(s) and s not in {".", ".."} for s in segments[1:]
    ):
        raise BadInput(f"{option}: expected a path like /add-ons/dss-share, got {value!r}",
                       field=option)  # fmt: skip
    return prefix


def _as_str(options: Mapping[str, object], key: str) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadInput(f"{key}: expected text", field=key)
    return value


# Tunable limits (addon.json `options`): name → (lowest, highest) accepted value.
LIMIT_OPTIONS: dict[str, tuple[float, float]] = {
    "header_timeout": (0.1, 300.0),
    "body_timeout": (0.1, 600.0),
    "keepalive_timeout": (0.1, 3600.0),
    "max_connections": (1, 100_000),
    "max_connections_per_client": (1, 100_000),
    "owner_max_connections": (1, 100_000),
    "shutdown_timeout": (0.5, 120.0),
    "dss_timeout": (0.5, 120.0),
}
_INTEGER_OPTIONS = frozenset(
    {"max_connections", "max_connections_per_client", "owner_max_connections"}
)


def _bounded_number(key: str, value: object, low: float, high: float) -> float | int:
    integral = key in _INTEGER_OPTIONS
    kinds = (int,) if integral else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
        what = "a whole number" if integral else "a number"
        raise BadInput(f"{key}: expected {what} from {low:g} to {high:g}", field=key)
    return int(value) if integral else float(value)


def settings_from_options(options: Mapping[str, object]) -> Settings:
    """Build Settings from option names as in the CLI (`dss_url`, `owner_listen`, ...)."""
    dss_url = _as_str(options, "dss_url")
    data_dir = _as_str(options, "data_dir")
    if not dss_url:
        raise BadInput("--dss-url is required", field="dss_url")
    if not data_dir:
        raise BadInput("--data-dir is required", field="data_dir")
    kwargs: dict[str, object] = {
        "dss_url": parse_dss_url(dss_url, option="--dss-url"),
        "data_dir": Path(data_dir),
        "http": bool(options.get("http", False)),
        "dss_insecure": bool(options.get("dss_insecure", False)),
    }
    owner = _as_str(options, "owner_listen")
    if owner:
        kwargs["owner_listen"] = parse_listen(owner, option="--owner-listen")
    share = _as_str(options, "share_listen")
    if share:
        kwargs["share_listen"] = parse_listen(share, option="--share-listen")
    prefix = _as_str(options, "path_prefix")
    if prefix:
        kwargs["path_prefix"] = parse_path_prefix(prefix, option="--path-prefix")
    root = _as_str(options, "configurator_root")
    if root:
        if not Path(root).is_absolute():
            raise BadInput(
                "--configurator-root: expected an absolute path", field="configurator_root"
            )
        kwargs["configurator_root"] = Path(root)
    public = _as_str(options, "public_url")
    if public:
        kwargs["public_url"] = parse_url(public, option="--public-url")
    for key in ("trusted_proxies", "web_front", "raise_allowed", "script_addons"):
        values = options.get(key)
        if values is not None and (values or key == "web_front"):
            if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
                raise BadInput(f"{key}: expected a list of names", field=key)
            kwargs[key] = frozenset(values)
    for key, (low, high) in LIMIT_OPTIONS.items():
        value = options.get(key)
        if value is not None:
            kwargs[key] = _bounded_number(key, value, low, high)
    days = options.get("max_lifetime_days")
    if days is not None:
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise BadInput("max_lifetime_days: expected 1 to 365", field="max_lifetime_days")
        kwargs["max_lifetime"] = timedelta(days=days)
    return Settings(**kwargs)  # type: ignore[arg-type]  # keys checked above, one per field
