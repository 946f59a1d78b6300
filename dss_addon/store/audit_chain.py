"""The audit hash chain (pure): canonical rows, row hashes, sealed heads and checkpoints, and
the verification of a chain (docs/audit.md explains what it can and cannot detect)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

GENESIS = bytes(32)  # `prev` of a chain's first row


@dataclass(frozen=True, slots=True)
class ChainRow:
    id: int
    share_id: str
    at: int
    event: str
    call: str
    allowed: bool | None
    reason: str
    client: str
    session_id: str
    prev: bytes | None  # None: written before the chain existed
    hash: bytes | None


@dataclass(frozen=True, slots=True)
class Head:
    share_id: str
    last_id: int
    hash: bytes
    written: int  # rows ever written to the chain, pruned ones included
    mac: bytes


@dataclass(frozen=True, slots=True)
class Checkpoint:
    share_id: str
    at: int
    first_id: int
    last_id: int
    count: int
    before: bytes  # the chain's hash before the removed run
    after: bytes  # the hash of the run's last row
    mac: bytes


@dataclass(frozen=True, slots=True)
class Seal:
    chains: int
    written: int
    mac: bytes | None


@dataclass(frozen=True, slots=True)
class Broken:
    """Where verification stopped: `row` is the first row id that does not hold (0: none)."""

    row: int
    share_id: str
    message: str


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def canonical(row: ChainRow) -> bytes:
    """The bytes a row's hash covers: its id (so rows cannot swap places) and every field."""
    return _dumps(
        [
            row.id, row.share_id, row.at, row.event, row.call, row.allowed, row.reason,
            row.client, row.session_id,
        ]
    )


def row_hash(prev: bytes, row: ChainRow) -> bytes:
    return hashlib.sha256(prev + canonical(row)).digest()


def _mac(key: bytes, what: str, fields: Sequence[object]) -> bytes:
    # A purpose label per kind of record: a head's MAC can never pass as a checkpoint's.
    return hmac.new(key, _dumps([what, *fields]), hashlib.sha256).digest()


def head_mac(key: bytes, share_id: str, last_id: int, digest: bytes, written: int) -> bytes:
    return _mac(key, "audit-head", [share_id, last_id, digest.hex(), written])


def checkpoint_mac(
    key: bytes, share_id: str, at: int, span: tuple[int, int], count: int,
    before: bytes, after: bytes,
) -> bytes:
    return _mac(
        key, "audit-checkpoint", [share_id, at, span[0], span[1], count, before.hex(), after.hex()]
    )


def seal_mac(key: bytes, chains: int, written: int) -> bytes:
    return _mac(key, "audit-seal", [chains, written])


def _macs_equal(key: bytes | None, stored: bytes, expected: bytes) -> bool:
    return key is None or hmac.compare_digest(stored, expected)


def _where(last_id: int) -> str:
    return f"row {last_id}" if last_id else "the start of its chain"


@dataclass(slots=True)
class _Walk:
    """The state of a walk along one chain."""

    share_id: str
    key: bytes | None
    current: bytes = GENESIS
    written: int = 0
    last_id: int = 0
    checked: int = 0

    def checkpoint(self, cp: Checkpoint) -> Broken | None:
        expected = checkpoint_mac(
            self.key or b"", cp.share_id, cp.at, (cp.first_id, cp.last_id), cp.count,
            cp.before, cp.after,
        )
        if not _macs_equal(self.key, cp.mac, expected):
            return Broken(cp.first_id, self.share_id, f"the checkpoint of rows {cp.first_id}"
                          f"-{cp.last_id} is not sealed by this device")
        if cp.before != self.current or cp.first_id <= self.last_id:
            return Broken(cp.first_id, self.share_id, f"the removed rows {cp.first_id}-"
                          f"{cp.last_id} do not follow {_where(self.last_id)}")
        self.current, self.written = cp.after, self.written + cp.count
        self.last_id = cp.last_id
        return None

    def row(self, row: ChainRow) -> Broken | None:
        if row.prev != self.current or row.id <= self.last_id:
            return Broken(row.id, self.share_id, f"row {row.id} does not follow"
                          f" {_where(self.last_id)}: a row between them was edited, inserted,"
                          " removed or moved")
        if row.hash != row_hash(self.current, row):
            return Broken(row.id, self.share_id, f"row {row.id} was edited")
        self.current, self.written = row.hash, self.written + 1
        self.last_id, self.checked = row.id, self.checked + 1
        return None

    def end(self, head: Head | None) -> Broken | None:
        if head is None:
            if self.written == 0:
                return None
            return Broken(self.last_id, self.share_id, "the chain has no sealed head")
        expected = head_mac(self.key or b"", head.share_id, head.last_id, head.hash, head.written)
        if not _macs_equal(self.key, head.mac, expected):
            return Broken(head.last_id, self.share_id, "the chain's head is not sealed by"
                          " this device")
        if head.hash != self.current or head.written != self.written:
            missing = head.written - self.written
            return Broken(head.last_id, self.share_id,
                          f"the chain ends after {_where(self.last_id)}, but {head.written}"
                          f" rows up to row {head.last_id} were sealed ({missing} missing"
                          " at the end)")
        return None


def verify_chain(
    share_id: str,
    rows: Iterable[ChainRow],
    checkpoints: Sequence[Checkpoint],
    head: Head | None,
    key: bytes | None,
) -> tuple[int, Broken | None]:
    """(rows checked, first break). rows: the chained rows of one share in id order.
    key None: the MACs are not checked (a third party without the device key)."""
    walk = _Walk(share_id, key)
    pending = sorted(checkpoints, key=lambda cp: cp.first_id)
    for row in rows:
        while pending and pending[0].first_id < row.id:
            broken = walk.checkpoint(pending.pop(0))
            if broken is not None:
                return walk.checked, broken
        broken = walk.row(row)
        if broken is not None:
            return walk.checked, broken
    for cp in pending:
        broken = walk.checkpoint(cp)
        if broken is not None:
            return walk.checked, broken
    return walk.checked, walk.end(head)


def verify_seal(seal: Seal | None, heads: Mapping[str, Head], key: bytes | None) -> Broken | None:
    """The seal counts the chains and every row ever written: a chain removed with its head
    shows here."""
    if seal is None:
        return Broken(0, "", "the audit seal is missing")
    if seal.mac is None:
        if heads:
            return Broken(0, "", "the audit seal is missing")
        return None
    if not _macs_equal(key, seal.mac, seal_mac(key or b"", seal.chains, seal.written)):
        return Broken(0, "", "the audit seal is not sealed by this device")
    written = sum(head.written for head in heads.values())
    if seal.chains != len(heads) or seal.written != written:
        return Broken(0, "", f"the seal counts {seal.chains} chains with {seal.written} rows,"
                      f" the database holds {len(heads)} with {written}: a chain was removed"
                      " or added")
    return None
