"""The effects log: what the simulated dSS actually resolved and did, for security judgements.

Every handler that reads or changes state records what it touched *as the dSS resolved it*
(after its own parameter parsing, index suffixes, name look-ups), never what a client meant.
A differential test judges a proxy by these records alone: a request that the proxy thought
harmless but that the dSS executed as a panic scene shows up here as `scene 65`.

Kinds:
- `read`: a property node was read (value, type, flags, children listed, or emitted by a query;
  one effect per node); `path` is the node's absolute canonical path (`/scripts/foo/bar`): the
  names as stored, joined by `/`, whatever alias the request used (`foo[0]`, `foo[last]`, a key
  list). Same-named siblings are told apart by `[i]` for an index i > 0 only (`/test/dup[1]/x`);
  index 0 is never written, so `/a/b` is the node a bare `/a/b` reaches.
- `write`: a property node was created, set, removed or had a flag changed (property/* calls and
  system/enableToken, revokeToken, which write the security tree); `path` as above.
- `action`: an output was driven (scene called or undone, value set, blink, ...): `zone` and
  `group` for a group target (zone 0 is the whole apartment), `device` (dSUID) for a device,
  `scene` when a scene number was involved; `access` is the scene access category the dSS
  checked before it acted (sceneaccess.cpp SceneAccess::checkAccess, which only blocks the
  shades while wind or fire is active, and never for `manual`): the verb's `category`
  parameter as SceneAccess::stringToCategory reads it (`manual`, also when the parameter is
  absent, deviceinterfacerequesthandler.cpp getCategory; `timer`; `algorithm`; `unknown` for
  any other text, the empty one included), or `unchecked` for calls that never call
  checkAccess (device/setOutputValue, setOutputChannelValue, lock, unlock). An undo of the last
  scene (undoScene without a usable sceneNumber) has no `scene` and `detail` "last".
- `config`: configuration changed (names, tags, scene names or scene values, device settings,
  structure): `zone`/`group`/`device` as resolved, `scene` when a scene id was programmed.
- `raise`: `event/raise` raised an event named `detail`.
- `busy_poll`: `event/get` with a negative timeout other than -1 (the dSS busy-loops).
- `crash`: the dSS process died (e.g. a relative path in a property set*); `detail` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Effect.access of an action that skipped SceneAccess::checkAccess.
UNCHECKED = "unchecked"


class EffectKind(StrEnum):
    READ = "read"
    WRITE = "write"
    ACTION = "action"
    CONFIG = "config"
    RAISE = "raise"
    BUSY_POLL = "busy_poll"
    CRASH = "crash"


@dataclass(frozen=True, slots=True)
class Effect:
    kind: EffectKind
    call: str  # "<class>/<method>" of the request that caused it
    path: str = ""  # property effects: the resolved absolute node path
    zone: int | None = None
    group: int | None = None
    device: str | None = None  # dSUID, 34 lowercase hex
    scene: int | None = None
    detail: str = ""
    access: str = ""  # `action` only: manual | timer | algorithm | unknown | unchecked

    def describe(self) -> str:
        parts = [f"{self.kind} by {self.call}"]
        for name in ("path", "zone", "group", "device", "scene", "detail", "access"):
            value = getattr(self, name)
            if value not in (None, ""):
                parts.append(f"{name}={value}")
        return " ".join(parts)


class EffectLog:
    """An append-only list of effects, bounded so a long fuzz run cannot exhaust memory."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.items: list[Effect] = []
        self.dropped = 0

    def record(self, effect: Effect) -> None:
        if len(self.items) >= self.limit:
            del self.items[: self.limit // 2]
            self.dropped += self.limit // 2
        self.items.append(effect)

    def mark(self) -> int:
        """A position to read new effects from (stable across trimming)."""
        return self.dropped + len(self.items)

    def since(self, mark: int) -> list[Effect]:
        return self.items[max(0, mark - self.dropped) :]

    def clear(self) -> None:
        self.dropped += len(self.items)
        self.items.clear()
