"""Closed app tokens and when a token is checked again (dss/revocation.py)."""

from __future__ import annotations

from dss_addon.dss.revocation import TOKEN_CHECK, ClosedTokens, check_due, token_digest


def test_a_confirmation_holds_for_the_token_check_time() -> None:
    assert not check_due(100.0, 100.0 + TOKEN_CHECK - 0.1, TOKEN_CHECK)
    assert check_due(100.0, 100.0 + TOKEN_CHECK, TOKEN_CHECK)


def test_a_closed_token_is_known_by_its_digest_only() -> None:
    closed = ClosedTokens()
    digest = closed.add("app-token-1")
    assert digest == token_digest("app-token-1") != "app-token-1"
    assert "app-token-1" in closed
    assert "app-token-2" not in closed
    assert digest not in closed  # a digest is not a token


def test_only_the_newest_closed_tokens_are_kept() -> None:
    closed = ClosedTokens(kept=2)
    for token in ("first", "second", "third"):
        closed.add(token)
    assert "first" not in closed
    assert "second" in closed
    assert "third" in closed


def test_closing_a_token_again_keeps_it_where_it_was() -> None:
    closed = ClosedTokens(kept=2)
    closed.add("first")
    closed.add("second")
    closed.add("first")  # not moved to the newest end: it is still the oldest
    closed.add("third")
    assert "first" not in closed
    assert "second" in closed
