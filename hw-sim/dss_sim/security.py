"""Users, password hashes and application tokens (security.cpp), optionally persisted."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

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


class Security:
    def __init__(self, password: str, data_dir: Path | None) -> None:
        self._file = data_dir / "security.json" if data_dir is not None else None
        self.users: dict[str, User] = {}
        self.pending: dict[str, str] = {}  # token -> applicationName
        self.enabled: dict[str, EnabledToken] = {}
        self.users[ADMIN] = self._make_user(ADMIN, password)
        self._load()

    @staticmethod
    def _make_user(name: str, password: str) -> User:
        salt = secrets.token_hex(8)
        return User(name, salt, password_hash(salt, name, password))

    def check(self, user: str, password: str) -> bool:
        known = self.users.get(user)
        if known is None:
            return False
        return secrets.compare_digest(password_hash(known.salt, user, password), known.password)

    def set_password(self, user: str, password: str) -> None:
        self.users[user] = self._make_user(user, password)
        self._save()

    def request_token(self, application_name: str) -> str:
        token = new_token()
        self.pending[token] = application_name
        return token

    def enable(self, token: str, user: str) -> bool:
        name = self.pending.pop(token, None)
        if name is None:
            return False
        self.enabled[token] = EnabledToken(name, user)
        self._save()
        return True

    def revoke(self, token: str) -> bool:
        if self.enabled.pop(token, None) is None:
            return False
        self._save()
        return True

    def restart(self) -> None:
        self.pending.clear()

    def _load(self) -> None:
        if self._file is None or not self._file.exists():
            return
        data = json.loads(self._file.read_text("utf-8"))
        for name, user in data.get("users", {}).items():
            self.users[name] = User(name, user["salt"], user["password"])
        for token, info in data.get("enabled", {}).items():
            self.enabled[token] = EnabledToken(info["applicationName"], info["user"])

    def _save(self) -> None:
        if self._file is None:
            return
        data = {
            "users": {u.name: {"salt": u.salt, "password": u.password}
                      for u in self.users.values()},
            "enabled": {t: {"applicationName": e.application_name, "user": e.user}
                        for t, e in self.enabled.items()},
        }
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), "utf-8")
        os.replace(tmp, self._file)
