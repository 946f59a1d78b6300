"""Users, password hashes and application tokens (security.cpp), optionally persisted.

Like the dSS, the security state lives in the property tree (`/system/security`, the node
`Security.node`): what property/* calls write there is what logins and tokens see. Token calls
use the token as a property path below `applicationTokens/{pending,enabled}` exactly as
`Security::enableToken` and `revokeToken` do, so `abc[0]`, `abc[last]` and `abc/` name `abc`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from dss_sim.errors import DssCrash, DssFail
from dss_sim.properties import (
    PropertyTypeError,
    PropNode,
    canonical_path,
    create_below,
    resolve_below,
)
from dss_sim.sessions import new_token

log = logging.getLogger(__name__)
ADMIN = "dssadmin"


def password_hash(salt: str, user: str, password: str) -> str:
    return hashlib.sha256((salt + user + password).encode()).hexdigest()


@dataclass
class User:
    name: str
    salt: str
    password: str  # sha256 hex of salt + name + password


@dataclass
class EnabledToken:
    application_name: str
    user: str


def _text(node: PropNode, name: str) -> str | None:
    child = node.children.get(name)
    return child.value if child is not None and isinstance(child.value, str) else None


def _string(node: PropNode) -> str:
    """`getStringValue`: a type mismatch escapes the handler as a 500."""
    if node.type != "string" or not isinstance(node.value, str):
        raise DssFail(str(PropertyTypeError(node)), 500)
    return node.value


def _paths_into(paths: list[str] | None, nodes: list[PropNode]) -> None:
    if paths is not None:
        paths.extend(canonical_path(n) for n in nodes)


class Security:
    def __init__(self, password: str, data_dir: Path | None) -> None:
        self._file = data_dir / "security.json" if data_dir is not None else None
        self.node = PropNode("security")
        self._set_user(ADMIN, password)
        self.node.set("users/system/password", "dummyvalue")
        self.node.set("users/system/salt", "dummyvalue")
        self.node.child("roles").child("owner")
        self.node.child("roles").child("system")
        tokens = self.node.child("applicationTokens")
        tokens.child("pending")
        tokens.child("enabled")
        self._load()

    # ---- views of the tree (exact names at index 0, as the token strings look them up) -----

    @property
    def users(self) -> dict[str, User]:
        out: dict[str, User] = {}
        for user in self.node.child("users").children:
            salt, hashed = _text(user, "salt"), _text(user, "password")
            if user.index == 0 and salt is not None and hashed is not None:
                out[user.name] = User(user.name, salt, hashed)
        return out

    @property
    def pending(self) -> dict[str, str]:
        """token -> applicationName"""
        return {t.name: _text(t, "applicationName") or "" for t in self._tokens("pending")}

    @property
    def enabled(self) -> dict[str, EnabledToken]:
        return {t.name: EnabledToken(_text(t, "applicationName") or "", _text(t, "user") or "")
                for t in self._tokens("enabled")}

    def _tokens(self, kind: str) -> list[PropNode]:
        return [t for t in self.node.child("applicationTokens").child(kind).children
                if t.index == 0]

    # ---- users --------------------------------------------------------------------------------

    def _set_user(self, name: str, password: str) -> None:
        salt = secrets.token_hex(8)
        self.node.set(f"users/{name}/salt", salt)
        self.node.set(f"users/{name}/password", password_hash(salt, name, password))
        self.node.set(f"users/{name}/role", "/system/security/roles/owner")

    def check(self, user: str, password: str) -> bool:
        known = self.users.get(user)
        if known is None:
            return False
        return secrets.compare_digest(password_hash(known.salt, user, password), known.password)

    def set_password(self, user: str, password: str) -> None:
        self._set_user(user, password)
        self._save()

    # ---- application tokens -------------------------------------------------------------------

    def request_token(self, application_name: str) -> str:
        token = new_token()
        pending = create_below(self.node, "applicationTokens/pending", [])
        entry = create_below(pending, token, [])
        entry.set("token", token)
        entry.set("applicationName", application_name)
        return token

    def enable(self, token: str, user: str, touched: list[str] | None = None) -> bool:
        """`Security::enableToken`; the path of every node it creates, sets, flags or removes
        goes to `touched`."""
        written: list[PropNode] = []
        try:
            return self._enable(token, user, written, touched)
        finally:
            _paths_into(touched, written)

    def _enable(self, token: str, user: str, written: list[PropNode],
                touched: list[str] | None) -> bool:
        tokens = create_below(self.node, "applicationTokens", written)
        pending = create_below(tokens, "pending", written)
        enabled = create_below(tokens, "enabled", written)
        source = resolve_below(pending, token)
        if source is None:
            return False
        tokens.flags["ARCHIVE"] = True
        written.append(tokens)
        entry = self._archived(create_below(enabled, token, written), written)
        self._archived(entry.set("token", token), written)
        name_node = create_below(entry, "applicationName", written)
        source_name = resolve_below(source, "applicationName")
        if source_name is None:
            raise DssCrash(f"enableToken '{token}': the pending node has no applicationName "
                           "and the NULL node was dereferenced")
        name_node.type, name_node.value = "string", _string(source_name)
        self._archived(name_node, written)
        self._archived(entry.set("user", user or ADMIN), written)
        if source.parent is pending:
            written.append(source)
            _paths_into(touched, written)
            written.clear()
            pending.remove_child(source)
        self._save()
        return True

    @staticmethod
    def _archived(node: PropNode, written: list[PropNode]) -> PropNode:
        node.flags["ARCHIVE"] = True
        written.append(node)
        return node

    def revoke(self, token: str, touched: list[str] | None = None) -> bool:
        """`Security::revokeToken`: whatever `applicationTokens/enabled/<token>` names is looked
        up; only a direct child of `enabled` is really removed, but any match answers ok."""
        written: list[PropNode] = []
        enabled = create_below(self.node, "applicationTokens/enabled", written)
        found = resolve_below(self.node, "applicationTokens/enabled/" + token)
        if found is not None and found.parent is enabled:
            written.append(found)
        _paths_into(touched, written)
        if found is None:
            return False
        if found.parent is enabled:
            enabled.remove_child(found)
            self._save()
        return True

    def restart(self) -> None:
        """Pending tokens are not archived: a restart loses them."""
        self.node.child("applicationTokens").child("pending").children.clear()

    # ---- persistence --------------------------------------------------------------------------

    def _load(self) -> None:
        if self._file is None or not self._file.exists():
            return
        data = json.loads(self._file.read_text("utf-8"))
        for name, user in data.get("users", {}).items():
            self.node.set(f"users/{name}/salt", user["salt"])
            self.node.set(f"users/{name}/password", user["password"])
        enabled = self.node.child("applicationTokens").child("enabled")
        for token, info in data.get("enabled", {}).items():
            entry = enabled.child(token)
            entry.set("token", token)
            entry.set("applicationName", info["applicationName"])
            entry.set("user", info["user"])

    def _save(self) -> None:
        if self._file is None:
            return
        data = {
            "users": {u.name: {"salt": u.salt, "password": u.password}
                      for u in self.users.values() if u.name != "system"},
            "enabled": {t: {"applicationName": e.application_name, "user": e.user}
                        for t, e in self.enabled.items()},
        }
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), "utf-8")
        os.replace(tmp, self._file)
