"""The audit chain's pure parts: a chain built in memory, exported to JSON and read back, and
what verification says about each change a third party could find in an export."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from dss_addon.store.audit_chain import (
    GENESIS,
    ChainRow,
    Checkpoint,
    Head,
    Legacy,
    Seal,
    checkpoint_holds,
    checkpoint_mac,
    head_element,
    head_holds,
    head_mac,
    heads_digest,
    row_hash,
    seal_blob,
    seal_from,
    seal_holds,
    sealed,
    verify_chain,
    verify_seal,
    verify_span,
    xor,
)
from dss_addon.store.audit_export import chain_from_json, chain_json

KEY = b"k" * 32


def _chain(n: int, share_id: str = "s1") -> tuple[list[ChainRow], Head]:
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        row = ChainRow(i * 2, share_id, 1_700_000_000 + i, "call", f"zone/callScene?id={i}",
                       True, "allowed", "192.0.2.7", "sess", prev, None)
        row = replace(row, hash=row_hash(prev, row))
        rows.append(row)
        prev = row.hash or GENESIS
    last = rows[-1]
    assert last.hash is not None
    return rows, Head(share_id, last.id, last.hash, n, head_mac(KEY, share_id, last.id,
                                                                 last.hash, n))


def test_a_chain_verifies_with_and_without_the_key() -> None:
    rows, head = _chain(5)
    assert verify_chain("s1", rows, [], head, KEY) == (5, None)
    assert verify_chain("s1", rows, [], head, None) == (5, None)


def test_an_export_round_trips_through_json() -> None:
    rows, head = _chain(3)
    text = json.dumps(chain_json("s1", rows, [], head))
    assert chain_from_json(json.loads(text)) == ("s1", rows, [], head)


@pytest.mark.parametrize(
    ("change", "row", "says"),
    [
        (lambda rows: [replace(rows[0], reason="denied"), *rows[1:]], 2, "row 2 was edited"),
        (lambda rows: rows[:1] + rows[2:], 6, "row 6 does not follow row 2"),
        (lambda rows: [rows[1], rows[0], *rows[2:]], 4, "row 4 does not follow the start"),
        (lambda rows: rows[:-1], 10, "1 missing at the end"),
    ],
)
def test_an_edited_export_names_the_first_broken_row(
    change: Callable[[list[ChainRow]], list[ChainRow]], row: int, says: str
) -> None:
    rows, head = _chain(5)
    _, broken = verify_chain("s1", change(rows), [], head, None)
    assert broken is not None
    assert broken.row == row
    assert says in broken.message


def test_a_checkpoint_bridges_removed_rows_only_with_a_valid_seal() -> None:
    rows, head = _chain(5)
    gone = rows[1:3]
    before, after = gone[0].prev or GENESIS, gone[-1].hash or GENESIS
    mac = checkpoint_mac(KEY, "s1", 1, (gone[0].id, gone[-1].id), 2, before, after)
    checkpoint = Checkpoint("s1", 1, gone[0].id, gone[-1].id, 2, before, after, mac)
    kept = [rows[0], *rows[3:]]
    assert verify_chain("s1", kept, [checkpoint], head, KEY) == (3, None)
    forged = replace(checkpoint, mac=bytes(32))
    _, broken = verify_chain("s1", kept, [forged], head, KEY)
    assert broken is not None
    assert "not sealed by this device" in broken.message


def test_a_checkpoint_holds_only_under_its_own_mac() -> None:
    rows, _ = _chain(3)
    before, after = rows[0].prev or GENESIS, rows[1].hash or GENESIS
    mac = checkpoint_mac(KEY, "s1", 1, (rows[0].id, rows[1].id), 2, before, after)
    checkpoint = Checkpoint("s1", 1, rows[0].id, rows[1].id, 2, before, after, mac)
    assert checkpoint_holds(checkpoint, KEY)
    assert not checkpoint_holds(replace(checkpoint, mac=bytes(32)), KEY)
    assert not checkpoint_holds(replace(checkpoint, last_id=rows[2].id), KEY)
    assert not checkpoint_holds(checkpoint, bytes(32))


def test_a_forged_head_passes_only_without_the_key() -> None:
    rows, _ = _chain(2)
    shorter = rows[:1]
    assert shorter[0].hash is not None
    forged = Head("s1", shorter[0].id, shorter[0].hash, 1, bytes(32))
    assert verify_chain("s1", shorter, [], forged, None)[1] is None  # what a chain cannot show
    broken = verify_chain("s1", shorter, [], forged, KEY)[1]
    assert broken is not None
    assert "head is not sealed" in broken.message


def _sealed(heads: dict[str, Head], legacy: Legacy) -> Seal:
    written = sum(head.written for head in heads.values())
    return sealed(KEY, len(heads), written, legacy, heads_digest(KEY, heads.values()))


def test_the_seal_covers_which_heads_and_the_rows_before_the_chain() -> None:
    _, a = _chain(3, "a")
    _, b = _chain(2, "b")
    heads, legacy = {"a": a, "b": b}, Legacy(through=7, unchained=4)
    seal = _sealed(heads, legacy)
    assert verify_seal(seal, heads, legacy, KEY) is None
    # An older head of the same chain with the same counts (a head from another snapshot).
    rows, _ = _chain(3, "a")
    older = replace(a, last_id=rows[1].id, hash=rows[1].hash or GENESIS)
    for changed_heads, changed_legacy in [
        ({"a": older, "b": b}, legacy),
        (heads, Legacy(through=1_000_000, unchained=4)),
        (heads, Legacy(through=7, unchained=5)),
    ]:
        broken = verify_seal(seal, changed_heads, changed_legacy, KEY)
        assert broken is not None
        assert "does not cover" in broken.message
    assert verify_seal(seal, {"a": older, "b": b}, legacy, None) is None  # no key: counts only


def test_a_seal_never_written_is_missing() -> None:
    broken = verify_seal(Seal(0, 0, None), {}, Legacy(0, 0), KEY)
    assert broken is not None
    assert "missing" in broken.message


def test_the_heads_digest_is_renewed_head_by_head_in_any_order() -> None:
    _, a = _chain(3, "a")
    _, b = _chain(2, "b")
    _, a2 = _chain(4, "a")
    assert heads_digest(KEY, [a, b]) == heads_digest(KEY, [b, a])
    renewed = xor(xor(heads_digest(KEY, [a, b]), head_element(KEY, a)), head_element(KEY, a2))
    assert renewed == heads_digest(KEY, [a2, b])
    assert renewed != heads_digest(KEY, [a, b])
    assert heads_digest(KEY, [a, b]) != heads_digest(b"o" * 32, [a, b])  # keyed


def test_a_seal_round_trips_through_its_column() -> None:
    seal = _sealed({}, Legacy(through=12, unchained=3))
    stored = seal_from(seal.chains, seal.written, seal_blob(seal))
    assert stored == seal
    assert seal_holds(stored, KEY)
    assert not seal_holds(replace(stored, legacy=Legacy(13, 3)), KEY)
    assert not seal_holds(seal_from(0, 0, b"x" * 32), KEY)  # a first-release seal
    assert seal_from(0, 0, None).mac is None


def test_a_span_is_checked_from_what_comes_before_it() -> None:
    rows, head = _chain(5)
    start = (rows[0].id, rows[0].hash or GENESIS)
    digest, broken = verify_span("s1", start, rows[1:], [], KEY)
    assert (digest, broken) == (head.hash, None)
    assert head_holds(head, digest, KEY)
    assert not head_holds(replace(head, mac=bytes(32)), digest, KEY)
    assert not head_holds(None, digest, KEY)
    edited = replace(rows[2], call="apartment/callScene?sceneNumber=72")
    _, broken = verify_span("s1", start, [rows[1], edited, *rows[3:]], [], KEY)
    assert broken is not None
    assert broken.row == edited.id
    # A bridge row whose own hash is right but whose successor does not follow it.
    bridge = replace(rows[2], call="", hash=None)
    bridge = replace(bridge, hash=row_hash(bridge.prev or GENESIS, bridge))
    _, broken = verify_span("s1", start, [rows[1], bridge, rows[3]], [], KEY)
    assert broken is not None
    assert broken.row == rows[3].id
