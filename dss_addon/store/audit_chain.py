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
class Legacy:
    """The rows written before the chain existed: `through` (audit_legacy) and how many of
    them are left."""

    through: int
    unchained: int


@dataclass(frozen=True, slots=True)
class Seal:
    """audit_seal: the MAC, and what it was computed over (kept so that a write can renew it
    from a few changed heads; verification recomputes all of it from the database)."""

    chains: int
    written: int
    mac: bytes | None  # None: never sealed
    heads: bytes = bytes(32)  # heads_digest() of every head
    legacy: Legacy = Legacy(0, 0)


_MAC_BYTES = 32
_SEAL_BYTES = 2 * _MAC_BYTES + 16


def seal_blob(seal: Seal) -> bytes | None:
    """The `mac` column: MAC ‖ heads digest ‖ through ‖ unchained (8 bytes each, big-endian)."""
    if seal.mac is None:
        return None
    return (seal.mac + seal.heads + seal.legacy.through.to_bytes(8, "big", signed=True)
            + seal.legacy.unchained.to_bytes(8, "big", signed=True))


def seal_from(chains: int, written: int, blob: bytes | None) -> Seal:
    if blob is None or len(blob) != _SEAL_BYTES:
        # A seal from before it covered heads and older rows fails verification like a
        # forged one (docs/audit.md); None stays "never sealed".
        return Seal(chains, written, None if blob is None else bytes(blob))
    through = int.from_bytes(blob[64:72], "big", signed=True)
    legacy = Legacy(through, int.from_bytes(blob[72:80], "big", signed=True))
    return Seal(chains, written, bytes(blob[:32]), bytes(blob[32:64]), legacy)


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


def checkpoint_holds(cp: Checkpoint, key: bytes) -> bool:
    """The checkpoint's MAC is this device's over what it says."""
    expected = checkpoint_mac(
        key, cp.share_id, cp.at, (cp.first_id, cp.last_id), cp.count, cp.before, cp.after
    )
    return hmac.compare_digest(cp.mac, expected)


def head_element(key: bytes, head: Head) -> bytes:
    """A head's share of the heads digest: a MAC under its own label, never stored, so nobody
    without the key knows it (head.mac, which is stored, cannot stand in for it)."""
    return _mac(key, "audit-seal-head", [head.share_id, head.last_id, head.hash.hex(),
                                         head.written])


def xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a) ^ int.from_bytes(b)).to_bytes(32)


def heads_digest(key: bytes, heads: Iterable[Head]) -> bytes:
    """The XOR of every head's element: which heads exist, in any order, and renewed for one
    changed head by XORing out its old element and in its new one. The elements are secret,
    so no set of heads other than the sealed one is known to give the same digest."""
    digest = bytes(32)
    for head in heads:
        digest = xor(digest, head_element(key, head))
    return digest


def seal_mac(key: bytes, chains: int, written: int, legacy: Legacy, heads: bytes) -> bytes:
    """heads: heads_digest() of every head."""
    return _mac(
        key, "audit-seal", [chains, written, legacy.through, legacy.unchained, heads.hex()]
    )


def first_seal_mac(key: bytes, chains: int, written: int) -> bytes:
    """The seal of the first chained release: counts only (upgraded at the next start)."""
    return _mac(key, "audit-seal", [chains, written])


def sealed(key: bytes, chains: int, written: int, legacy: Legacy, heads: bytes) -> Seal:
    return Seal(chains, written, seal_mac(key, chains, written, legacy, heads), heads, legacy)


def seal_holds(seal: Seal, key: bytes) -> bool:
    """The seal's MAC matches what the seal row says it covers (not yet the database)."""
    if seal.mac is None:
        return False
    expected = seal_mac(key, seal.chains, seal.written, seal.legacy, seal.heads)
    return hmac.compare_digest(seal.mac, expected)


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


def _feed(
    walk: _Walk, rows: Iterable[ChainRow], checkpoints: Sequence[Checkpoint]
) -> Broken | None:
    pending = sorted(checkpoints, key=lambda cp: cp.first_id)
    for row in rows:
        while pending and pending[0].first_id < row.id:
            broken = walk.checkpoint(pending.pop(0))
            if broken is not None:
                return broken
        broken = walk.row(row)
        if broken is not None:
            return broken
    for cp in pending:
        broken = walk.checkpoint(cp)
        if broken is not None:
            return broken
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
    broken = _feed(walk, rows, checkpoints)
    if broken is not None:
        return walk.checked, broken
    return walk.checked, walk.end(head)


def verify_span(
    share_id: str,
    start: tuple[int, bytes],
    rows: Iterable[ChainRow],
    checkpoints: Sequence[Checkpoint],
    key: bytes,
) -> tuple[bytes, Broken | None]:
    """A stretch of one chain: rows and checkpoints that follow `start` (the id and hash of
    what comes before them: a row, a checkpoint's end, or (0, GENESIS)). Returns the running
    hash after them and the first break (retention checks what it removes this way)."""
    walk = _Walk(share_id, key, current=start[1], last_id=start[0])
    broken = _feed(walk, rows, checkpoints)
    return walk.current, broken


def head_holds(head: Head | None, digest: bytes, key: bytes) -> bool:
    """The sealed head of a chain ends at `digest`."""
    if head is None:
        return False
    expected = head_mac(key, head.share_id, head.last_id, head.hash, head.written)
    return hmac.compare_digest(head.mac, expected) and head.hash == digest


def verify_seal(
    seal: Seal | None, heads: Mapping[str, Head], legacy: Legacy, key: bytes | None
) -> Broken | None:
    """The seal counts the chains and every row ever written, and covers every head and the
    rows before the chain: a chain removed with its head, a head from another snapshot, or
    rows added below a raised legacy marker show here. A seal without a MAC was never written
    (the add-on writes it at its first start): nothing it should cover can be trusted."""
    if seal is None or seal.mac is None:
        return Broken(0, "", "the audit seal is missing")
    written = sum(head.written for head in heads.values())
    if seal.chains != len(heads) or seal.written != written:
        return Broken(0, "", f"the seal counts {seal.chains} chains with {seal.written} rows,"
                      f" the database holds {len(heads)} with {written}: a chain was removed"
                      " or added")
    if key is None:
        return None  # without the key, only the counts
    expected = seal_mac(key, seal.chains, seal.written, legacy, heads_digest(key, heads.values()))
    if not hmac.compare_digest(seal.mac, expected):
        return Broken(0, "", "the audit seal does not cover these chain heads and"
                      f" {legacy.unchained} older unchained rows up to row {legacy.through}:"
                      " a head or an older row was changed, added or removed, or the seal is"
                      " not sealed by this device")
    return None
