"""ShareService: the one place the web layer talks to about shares."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hmac
import logging
import weakref
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dss_addon.clock import Clock, synchronised
from dss_addon.errors import (
    BadInput,
    ClockUnsynchronised,
    Conflict,
    NotAuthenticated,
    RateLimited,
    ShareEnded,
    ShareLocked,
    ShareNotFound,
    StoreError,
    WrongPin,
)
from dss_addon.shares.audit import AuditDetails, AuditEntry, AuditEvent
from dss_addon.shares.contracts import AppTokens, CreatedShare, Owner, Redemption
from dss_addon.shares.listing import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    VIEWS,
    Counts,
    SharePage,
    page_of,
)
from dss_addon.shares.model import (
    FINAL_STATES,
    OVER_STATES,
    PIN_MAX_FAILURES,
    ExtensionAnswer,
    ExtensionRequest,
    Share,
    ShareSession,
    ShareState,
    share_state,
)
from dss_addon.shares.releases import AppTokenReleases, Release
from dss_addon.shares.requests import ShareRequest
from dss_addon.shares.revocations import Revocation, Revocations
from dss_addon.shares.secrets import (
    hash_pin,
    is_valid_pin,
    new_pin,
    new_secret,
    new_session_token,
    new_share_id,
    secret_digest,
    verify_pin,
)
from dss_addon.shares.seen import LastSeen
from dss_addon.shares.vault import TokenVault
from dss_addon.store import ShareRecord, Store

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.12

__all__ = [
    "AppTokens",
    "AuditEntry",
    "CreatedShare",
    "Owner",
    "Redemption",
    "Revocation",
    "SeenRequest",
    "ShareService",
    "request_matches",
    "seen_request",
]

log = logging.getLogger(__name__)

EXTENSION_REQUEST_INTERVAL = timedelta(minutes=1)  # between two different open requests
MAX_TOKEN_LENGTH = 128  # secrets and cookies are 43 characters; longer input is never valid
NOT_FOUND = "This link is unknown, expired, revoked, used up or not valid yet."
CLOCK_NOT_SET = (
    "The device's clock is not set (no time server reached yet): new shares cannot be"
    " created or opened until it is."
)


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """The request for more time as the owner saw it when granting: its minutes and, when
    the client sends it, when it was made (to the second, as the owner's pages show it)."""

    minutes: int
    at: datetime | None = None


def seen_request(data: Mapping[str, object]) -> SeenRequest | None:
    """What a grant's JSON body or form says the owner saw: `{"minutes": 15, "at":
    "2026-11-27T09:25:00Z"}` (`at` optional; form fields are text). None when the minutes are
    missing or not a whole number, or `at` is not a time with a zone: such a grant names no
    request, and is refused."""
    minutes = _seen_minutes(data.get("minutes"))
    if minutes is None:
        return None
    raw_at = data.get("at")
    if raw_at is None or raw_at == "":
        return SeenRequest(minutes)
    if not isinstance(raw_at, str):
        return None
    try:
        at = datetime.fromisoformat(raw_at)
    except ValueError:
        return None
    return SeenRequest(minutes, at) if at.tzinfo is not None else None


def _seen_minutes(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


def request_matches(request: ExtensionRequest, seen: SeenRequest | None) -> bool:
    """Whether the open request is the one the owner saw; nothing seen matches nothing."""
    if seen is None or seen.minutes != request.minutes:
        return False
    if seen.at is None:
        return True
    return seen.at.replace(microsecond=0) == request.at.replace(microsecond=0)


class ShareService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        vault: TokenVault,
        app_tokens: AppTokens | None,
        *,
        max_lifetime: timedelta = timedelta(days=30),
        idle_timeout: timedelta = timedelta(minutes=30),
    ) -> None:
        self._store = store
        self._clock = clock
        self._vault = vault
        self._app_tokens = app_tokens
        self.max_lifetime = max_lifetime
        self.idle_timeout = idle_timeout
        # Weak: an entry lives while a long poll or a PIN check holds it, so shares that simply
        # run out leave nothing behind (a process runs for months).
        self._watchers: weakref.WeakValueDictionary[str, asyncio.Event] = (
            weakref.WeakValueDictionary()
        )
        self._pin_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._seen = LastSeen(clock, idle_timeout)
        self._revoked = Revocations()
        self.revocations_pending = asyncio.Event()  # set while a revocation waits for the disk
        # Told (share_id, kind) of what the homeowner may want to hear about (notifications):
        # first_use, locked, done, extension_request. Awaited before the answer, so what they
        # send to the dSS goes out in the share's session while it still holds one.
        self.observers: builtins.list[Callable[[str, str], Awaitable[None]]] = []
        # Revoking the app tokens of shares that are over, in the dSS (releases.py).
        self.releases = AppTokenReleases(store, vault, app_tokens, self._release_failed)

    # -- owner side -------------------------------------------------------------------------

    async def create(self, request: ShareRequest, owner: Owner) -> CreatedShare:
        self._require_synchronised_clock()
        share_id = new_share_id()
        draft = Share(
            id=share_id,
            label=request.label,
            level=request.level,
            created_at=self._clock.now(),
            starts_at=request.starts_at,
            expires_at=request.expires_at,
            zones=request.zones,
            has_pin=request.with_pin,
            max_redemptions=request.max_redemptions,
            created_by=owner.name,
        )
        created = self._entry(share_id, AuditEvent.CREATED, reason=f"by {owner.name}")

        async def insert(digest: bytes, pin_hash: str | None, blob: bytes | None) -> Share:
            return await self._store.insert_share(
                draft, secret_digest=digest, pin_hash=pin_hash, app_token=blob, audit=created
            )

        return await self._issue(draft, owner, insert)

    async def _issue(
        self,
        draft: Share,
        owner: Owner,
        insert: Callable[[bytes, str | None, bytes | None], Awaitable[Share]],
    ) -> CreatedShare:
        """A new secret, PIN and dSS app token for `draft`, then insert(digest, pin_hash,
        sealed app token) writes it."""
        secret = new_secret()
        pin = new_pin() if draft.has_pin else None
        pin_hash = None if pin is None else await asyncio.to_thread(hash_pin, pin)
        app_token: str | None = None
        if self._app_tokens is not None:
            # First, so that a dSS refusal leaves nothing behind.
            app_token = await self._app_tokens.issue(
                f"dss-share {draft.id}: {draft.label}", owner.dss_token
            )
        blob = None if app_token is None else self._vault.encrypt(app_token)
        try:
            share = await insert(secret_digest(secret), pin_hash, blob)
        except BaseException:
            if app_token is not None:
                await self.releases.revoke_token(draft.id, app_token)
            raise
        return CreatedShare(share=share, secret=secret, pin=pin)

    async def get(self, share_id: str) -> Share:
        share = await self._store.share(share_id)
        if share is None:
            raise ShareNotFound("No share with this id.")
        return self._revoked.apply(share)

    async def revoke(self, share_id: str, *, actor: str) -> Revocation:
        """Idempotent. Takes effect at once, in memory, even when the disk refuses to write it
        (then saved is False and persist_revocations() retries); ends every session at once;
        a second call retries the dSS clean-up."""
        share = await self.get(share_id)
        entry = self._entry(share_id, AuditEvent.REVOKED, reason=f"by {actor}")
        if share_state(share, entry.at) in FINAL_STATES:
            await self.releases.quietly(share_id)
            return Revocation(share, saved=not self._revoked.is_unsaved(share_id))
        self._revoked.add(share_id, entry.at)
        self._notify(share_id)
        try:
            share = await self._revoke_here(share_id, entry)
        except StoreError as err:
            log.warning("revocation of share %s not saved yet (%s); retrying", share_id, err.code)
            self._revoked.unsaved(entry)
            self.revocations_pending.set()
            return Revocation(self._revoked.apply(share), saved=False)
        self._revoked.saved(share_id)
        await self.releases.quietly(share_id)
        return Revocation(share, saved=True)

    def revocation_unsaved(self, share_id: str) -> bool:
        """Revoked in this process, but not on disk yet (the disk refused it so far)."""
        return self._revoked.is_unsaved(share_id)

    async def persist_revocations(self) -> bool:
        """Writes the revocations the disk refused so far; True when none is left."""
        for entry in self._revoked.pending():
            try:
                await self._revoke_here(entry.share_id, entry)
            except ShareNotFound:
                pass
            except StoreError as err:
                log.info("revocation of share %s still not saved: %s", entry.share_id, err.code)
                return False
            self._revoked.saved(entry.share_id)
            log.info("revocation of share %s saved", entry.share_id)
            await self.releases.quietly(entry.share_id)
        self.revocations_pending.clear()
        await self._store.restore_reserve()
        return True

    async def app_token_revoked_in_dss(self, share_id: str) -> Share:
        """The owner revoked the share's app token in the dSS's own token list (DESIGN.md §3
        rule 6): the share ends (actor "dss", audited). The token is gone in the dSS already,
        so it is forgotten here instead of being revoked again (that would only fail)."""
        entry = self._entry(share_id, AuditEvent.REVOKED, reason="by dss")
        self._revoked.add(share_id, entry.at)
        self._notify(share_id)
        try:
            share = await self._revoke_here(share_id, entry)
        except StoreError:
            self._revoked.unsaved(entry)  # in effect now; written when the disk takes it
            self.revocations_pending.set()
            raise
        self._revoked.saved(share_id)
        await self._store.set_app_token(share_id, None)
        return share

    async def reconcile_app_tokens(self, enabled: Collection[str]) -> list[str]:
        """Ends every live share whose app token is no longer in the dSS's enabled list (the
        owner revoked it there, perhaps while the share had no dSS session open to notice).
        A revoked or ended share's token missing from the list is forgotten: released in the
        dSS already (a revokeToken whose answer was lost), so the release loop stops logging
        in with it. Only this list (read with the owner's user session) tells: a refused
        login with the token does not, the dSS refuses it at its session limit too. Returns
        the ids of the shares it ended."""
        if self._app_tokens is None:
            return []
        ended: list[str] = []
        now = self._clock.now()
        for share in await self._store.shares_holding_app_tokens():
            token = await self.app_token(share.id)
            if token is None or token in enabled:
                continue
            if share_state(share, now) in FINAL_STATES:
                log.info("the app token of share %s is gone from the dSS: released", share.id)
                await self._store.set_app_token(share.id, None)
                continue
            await self.app_token_revoked_in_dss(share.id)
            ended.append(share.id)
        return ended

    async def _revoke_here(self, share_id: str, entry: AuditEntry) -> Share:
        result = await self._store.revoke(share_id, entry)
        if result is None:
            raise ShareNotFound("No share with this id.")
        share, changed = result
        if changed:
            self._notify(share_id)
        return share

    async def extend(self, share_id: str, new_expires_at: datetime, *, actor: str) -> Share:
        share = await self.get(share_id)
        now = self._clock.now()
        if share_state(share, now) in FINAL_STATES:
            raise BadInput("A revoked or ended share cannot be extended.", field="expires_at")
        if new_expires_at <= share.expires_at or new_expires_at <= now:
            raise BadInput("The new end must be later than the current end.", field="expires_at")
        if new_expires_at > now + self.max_lifetime:
            raise BadInput("The new end lies too far in the future.", field="expires_at")
        until = new_expires_at.replace(microsecond=0).isoformat()  # as stored: whole seconds
        entry = self._entry(share_id, AuditEvent.EXTENDED, reason=f"until {until} by {actor}")
        extended = await self._store.extend(share_id, new_expires_at, entry)
        if extended is None:  # revoked or ended meanwhile
            raise BadInput("A revoked or ended share cannot be extended.", field="expires_at")
        self._notify(share_id)
        return extended

    async def reissue(self, share_id: str, owner: Owner) -> CreatedShare:
        """A new share with the old one's settings, a new link (and PIN); the old one is
        revoked at once, in memory first (like revoke()), then with the new one on disk."""
        self._require_synchronised_clock()
        old = await self.get(share_id)
        now = self._clock.now()
        starts_at = max(now, old.starts_at)  # a scheduled share keeps its start
        expires_at = min(starts_at + (old.expires_at - old.starts_at), now + self.max_lifetime)
        draft = Share(
            id=new_share_id(),
            label=old.label,
            level=old.level,
            created_at=now,
            starts_at=starts_at,
            expires_at=expires_at,
            zones=old.zones,
            has_pin=old.has_pin,
            max_redemptions=old.max_redemptions,
            created_by=owner.name,
            predecessor_id=old.id,
        )
        revoked = self._entry(old.id, AuditEvent.REISSUED, reason=f"as {draft.id} by {owner.name}")
        created = self._entry(
            draft.id, AuditEvent.CREATED, reason=f"re-issue of {old.id} by {owner.name}"
        )
        was_live = share_state(old, now) not in FINAL_STATES

        async def insert(digest: bytes, pin_hash: str | None, blob: bytes | None) -> Share:
            # The new share is ready (the dSS gave its app token): from here on the old link
            # is dead, whatever the disk does.
            if was_live:
                self._revoked.add(old.id, revoked.at)
                self._notify(old.id)
            try:
                new, _ = await self._store.reissue(
                    old.id,
                    draft,
                    secret_digest=digest,
                    pin_hash=pin_hash,
                    app_token=blob,
                    audit=[revoked, created],
                )
            except BaseException:
                if was_live:  # the old link stays dead: its revocation is written later
                    self._revoked.unsaved(replace(revoked, event=AuditEvent.REVOKED))
                    self.revocations_pending.set()
                raise
            self._revoked.saved(old.id)
            return new

        issued = await self._issue(draft, owner, insert)
        await self.releases.quietly(old.id)
        return issued

    async def unlock(self, share_id: str, *, actor: str) -> tuple[Share, str]:
        """A locked share gets a new PIN (returned once, like at creation) and no failures."""
        share = await self.get(share_id)
        if share_state(share, self._clock.now()) is not ShareState.LOCKED:
            raise Conflict("Only a locked share can be unlocked.")
        pin = new_pin()
        pin_hash = await asyncio.to_thread(hash_pin, pin)
        entry = self._entry(share_id, AuditEvent.UNLOCKED, reason=f"new PIN by {actor}")
        async with self._pin_locks.setdefault(share_id, asyncio.Lock()):
            unlocked = await self._store.unlock(share_id, pin_hash, entry)
        if unlocked is None:
            raise Conflict("Only a locked share can be unlocked.")
        return self._revoked.apply(unlocked), pin

    async def archive(self, share_id: str, *, actor: str) -> Share:
        """Hides a share that is over from the list; its audit stays. Idempotent."""
        share = await self.get(share_id)
        if share.archived_at is not None:
            return share
        if share_state(share, self._clock.now()) not in OVER_STATES:
            raise Conflict("Only a revoked, ended or expired share can be archived.")
        entry = self._entry(share_id, AuditEvent.ARCHIVED, reason=f"by {actor}")
        archived = await self._store.archive(share_id, entry)
        if archived is None:  # archived meanwhile, or the share is on disk still live
            raise Conflict("Only a revoked, ended or expired share can be archived.")
        return self._revoked.apply(archived)

    async def answer_extension(
        self, share_id: str, *, grant: bool, actor: str, seen: SeenRequest | None = None
    ) -> Share:
        """Grants (extends by the minutes asked for) or declines the open request. A grant
        must name the request the owner saw (`seen`): the electrician may replace an open
        request, and the owner's click must not hand out more than the owner read."""
        share = await self.get(share_id)
        now = self._clock.now()
        request = share.pending_extension
        if request is None or share_state(share, now) in FINAL_STATES:
            raise Conflict("There is no open request for more time.")
        if grant and not request_matches(request, seen):
            raise Conflict("The request for more time has changed; please look at it again.")
        if not grant:
            entry = self._entry(share_id, AuditEvent.EXTENSION_DECLINED, reason=f"by {actor}")
            answered = await self._store.answer_extension(
                share_id, ExtensionAnswer.DECLINED, None, entry, request
            )
        else:
            new_end = min(
                max(share.expires_at, now) + timedelta(minutes=request.minutes),
                now + self.max_lifetime,
            )
            if new_end <= share.expires_at:
                raise BadInput("The new end lies too far in the future.", field="minutes")
            until = new_end.replace(microsecond=0).isoformat()
            reason = f"until {until} by {actor} (asked for {request.minutes} min)"
            entry = self._entry(share_id, AuditEvent.EXTENDED, reason=reason)
            answered = await self._store.answer_extension(
                share_id, ExtensionAnswer.GRANTED, new_end, entry, request
            )
        if answered is None:
            raise Conflict("There is no open request for more time.")
        self._notify(share_id)
        return self._revoked.apply(answered)

    async def release_app_tokens(self, *, expired_for: timedelta = timedelta(days=7)) -> int:
        """Revokes in the dSS the app tokens of revoked and ended shares (retrying failed
        revocations) and of shares expired for longer than expired_for (until then the owner
        may still extend them). Call at start-up and now and then; returns how many."""
        now, released = self._clock.now(), 0
        for share in await self._store.shares_holding_app_tokens():
            state = share_state(share, now)
            long_expired = state is ShareState.EXPIRED and now - share.expires_at >= expired_for
            if not (state in FINAL_STATES or long_expired):
                continue
            if await self.releases.release(share.id) is Release.DONE:
                released += 1
        return released

    async def app_token(self, share_id: str) -> str | None:
        blob = await self._store.app_token(share_id)
        return None if blob is None else self._vault.decrypt(blob)

    def audit(self, share_id: str, event: str, **details: Unpack[AuditDetails]) -> None:
        """Buffered: for per-call rows. Never pass a secret, PIN, cookie or token here."""
        self._store.audit(self._entry(share_id, event, **details))

    def _release_failed(self, share_id: str, why: str) -> None:
        self.audit(share_id, AuditEvent.APP_TOKEN_REVOKE_FAILED, reason=why)

    def _entry(self, share_id: str, event: str, **details: Unpack[AuditDetails]) -> AuditEntry:
        """A row written with the change it records (Store methods take it)."""
        return AuditEntry(share_id=share_id, at=self._clock.now(), event=str(event), **details)

    async def audit_log(self, share_id: str) -> builtins.list[AuditEntry]:
        return await self._store.audit_log(share_id)

    def watch(self, share_id: str) -> asyncio.Event:
        """Set once when the share is revoked, ended or extended; call again after it fires."""
        return self._watchers.setdefault(share_id, asyncio.Event())

    async def live_sessions(self, share_id: str) -> int:
        now = self._clock.now()
        sessions = await self._store.open_sessions(share_id)
        return sum(1 for s in sessions if now - self._seen.get(s) < self.idle_timeout)

    # -- share side -------------------------------------------------------------------------

    async def redeem(self, secret: str, pin: str | None, *, client: str) -> Redemption:
        """Unknown, expired, revoked, ended, used-up and scheduled shares all raise the same
        ShareNotFound: the answer must not tell which secrets exist. Only a caller holding a
        valid secret learns about the PIN (WrongPin) or the lock (ShareLocked). An unset
        clock refuses every redemption before the look-up (ClockUnsynchronised)."""
        self._require_synchronised_clock()
        record = await self._find_by_secret(secret)
        if record is None:
            # Not audited: there is no share to attribute it to, and it would let anyone on
            # the internet fill the flash. The web layer rate-limits.
            raise ShareNotFound(NOT_FOUND)
        share = record.share
        self._refuse_unless_redeemable(share, client)
        if record.pin_hash is not None:
            await self._check_pin(share.id, record.pin_hash, pin, client)
        cookie, session_id = new_session_token(), new_share_id()
        opened = self._entry(share.id, AuditEvent.OPENED, client=client, session_id=session_id)
        result = await self._store.redeem(
            share.id,
            session_id=session_id,
            token_digest=secret_digest(cookie),
            client=client,
            audit=opened,
        )
        if result is None:  # lost a race: used up, revoked or locked meanwhile
            self._refuse_unless_redeemable(await self.get(share.id), client)
            self.audit(share.id, AuditEvent.REDEEM_REFUSED, reason="race", client=client)
            raise ShareNotFound(NOT_FOUND)
        redeemed, session = result
        self._seen.written(session)
        if redeemed.redemptions == 1:
            await self.tell(share.id, "first_use")
        return Redemption(share=redeemed, session=session, cookie=cookie)

    async def preview(self, secret: str) -> Share:
        """What the landing page may show before redemption: the same refusals as redeem, in
        the same words, but nothing is counted or audited (link previews and reloads are free).
        A scheduled share is shown (with its start) to whoever holds its secret: like the
        lock, that tells nothing to someone guessing secrets."""
        self._require_synchronised_clock()
        record = await self._find_by_secret(secret)
        if record is None:
            raise ShareNotFound(NOT_FOUND)
        state = share_state(record.share, self._clock.now())
        if state not in (ShareState.ACTIVE, ShareState.SCHEDULED):
            raise _redeem_refusal(state)
        return record.share

    async def authenticate(self, cookie: str) -> tuple[Share, ShareSession]:
        """Who is this? Whether the share may still be used is the policy's decision."""
        if not 0 < len(cookie) <= MAX_TOKEN_LENGTH:
            raise NotAuthenticated("Not signed in to a share.")
        digest = secret_digest(cookie)
        record = await self._store.session_by_digest(digest)
        if record is None or not hmac.compare_digest(record.token_digest, digest):
            raise NotAuthenticated("Not signed in to a share.")
        session = record.session
        if session.ended_at is not None:
            self._seen.forget(session.id)
            raise NotAuthenticated("This session has ended.")
        now, last_seen = self._clock.now(), self._seen.get(session)
        if now - last_seen >= self.idle_timeout:
            self._seen.forget(session.id)
            expired = self._entry(
                session.share_id,
                AuditEvent.SESSION_EXPIRED,
                session_id=session.id,
                client=session.client,
            )
            with contextlib.suppress(StoreError):  # expired in any case; a full disk waits
                await self._store.end_session(session.id, last_seen_at=last_seen, audit=expired)
            raise NotAuthenticated("This session has expired.")
        if self._seen.mark(session, now):
            try:
                await self._store.touch_session(session.id, now)
            except StoreError as err:  # bookkeeping only: the request goes on (disk full)
                log.info("recording the use of session %s failed: %s", session.id, err.code)
        return self._revoked.apply(record.share), replace(session, last_seen_at=now)

    async def end_by_helper(self, cookie: str, *, client: str) -> Share:
        """Ends the share (not just the session): the helper says the job is done."""
        share, session = await self.authenticate(cookie)
        entry = self._entry(share.id, AuditEvent.ENDED, client=client, session_id=session.id)
        result = await self._store.end(share.id, entry)
        if result is None:
            raise ShareNotFound("No share with this id.")
        ended, changed = result
        if changed:
            self._notify(share.id)
            await self.tell(share.id, "done")
        self._seen.forget(session.id)
        self.releases.in_background(share.id)
        return ended

    async def request_extension(
        self, cookie: str, minutes: int, message: str, *, client: str
    ) -> Share:
        """The electrician asks for more time (it replaces an earlier request). The one place
        such a request goes through: the owner's notification hooks in here."""
        share, session = await self.authenticate(cookie)
        now = self._clock.now()
        if share_state(share, now) in FINAL_STATES:
            raise ShareEnded("This share has ended.")
        if not 1 <= minutes <= self.max_lifetime.total_seconds() // 60:
            raise BadInput("The minutes are out of range.", field="minutes")
        earlier = share.pending_extension
        if earlier is not None and (earlier.minutes, earlier.message) == (minutes, message):
            return share  # asked again (a double click, a reload): nothing new to record
        if earlier is not None and now - earlier.at < EXTENSION_REQUEST_INTERVAL:
            wait = EXTENSION_REQUEST_INTERVAL - (now - earlier.at)
            raise RateLimited("A request was just sent.", retry_after=int(wait.total_seconds()))
        entry = self._entry(
            share.id,
            AuditEvent.EXTENSION_REQUESTED,
            reason=f"{minutes} min",
            client=client,
            session_id=session.id,
        )
        requested = await self._store.request_extension(share.id, minutes, message, entry)
        if requested is None:
            raise ShareEnded("This share has ended.")
        self._notify(share.id)
        await self.tell(share.id, "extension_request")
        return self._revoked.apply(requested)

    async def look_up(self, secret: str) -> Share | None:
        """The share of a secret whatever its state, or None: for the web layer's rate limits
        and session check only; what the holder is told comes from preview() and redeem()."""
        record = await self._find_by_secret(secret)
        return None if record is None else record.share

    async def page(
        self, view: str = "all", *, before: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> SharePage:
        """One page of the owner's list (listing.VIEWS), newest first. BadInput when `before`
        names no share."""
        if view not in VIEWS:
            raise BadInput(f"`show` must be one of {', '.join(VIEWS)}.", field="show")
        limit = max(1, min(limit, MAX_LIMIT))
        batch = await self._store.shares_page(
            view=view, now=self._clock.now(), revoked=self._revoked.not_on_disk(),
            before=before, limit=limit + 1,
        )
        if batch is None:
            raise BadInput("`before` names no share in this list.", field="before")
        return page_of([self._revoked.apply(share) for share in batch], limit)

    async def counts(self) -> Counts:
        total, over = await self._store.share_counts(
            now=self._clock.now(), revoked=self._revoked.not_on_disk()
        )
        return Counts(total, total - over, over)

    async def open_extension_requests(self) -> builtins.list[str]:
        """Ids of the shares not archived whose request for more time awaits an answer."""
        return await self._store.shares_with_open_extension_requests()

    # -- internals --------------------------------------------------------------------------

    async def _find_by_secret(self, secret: str) -> ShareRecord | None:
        if not 0 < len(secret) <= MAX_TOKEN_LENGTH:
            return None
        digest = secret_digest(secret)
        record = await self._store.share_by_digest(digest)
        # The look-up is by digest (indexed); the comparison itself is constant-time.
        if record is None or not hmac.compare_digest(record.secret_digest, digest):
            return None
        return replace(record, share=self._revoked.apply(record.share))

    def _require_synchronised_clock(self) -> None:
        if not synchronised(self._clock):
            raise ClockUnsynchronised(CLOCK_NOT_SET)

    def _refuse_unless_redeemable(self, share: Share, client: str) -> None:
        state = share_state(share, self._clock.now())
        if state is ShareState.ACTIVE:
            return
        self.audit(share.id, AuditEvent.REDEEM_REFUSED, reason=state.value, client=client)
        raise _redeem_refusal(state)

    async def _check_pin(self, share_id: str, pin_hash: str, pin: str | None, client: str) -> None:
        if not pin:  # asking for the PIN costs no try
            share = await self.get(share_id)
            tries_left = max(0, PIN_MAX_FAILURES - share.pin_failures)
            raise WrongPin("This share needs a PIN.", tries_left=tries_left)
        if not is_valid_pin(pin):
            raise BadInput("The PIN has 6 digits.", field="pin")
        # One check at a time per share: parallel guesses cannot exceed the 5 tries.
        async with self._pin_locks.setdefault(share_id, asyncio.Lock()):
            if (await self.get(share_id)).pin_failures >= PIN_MAX_FAILURES:
                raise ShareLocked("Too many wrong PINs: this share is locked.")
            if await asyncio.to_thread(verify_pin, pin, pin_hash):
                return

            def rows(failures: int) -> list[AuditEntry]:
                reason = f"{failures} of {PIN_MAX_FAILURES}"
                failed = self._entry(share_id, AuditEvent.PIN_FAILED, client=client, reason=reason)
                if failures < PIN_MAX_FAILURES:
                    return [failed]
                return [failed, self._entry(share_id, AuditEvent.LOCKED, client=client)]

            failures = await self._store.record_pin_failure(share_id, rows)
        tries_left = max(0, PIN_MAX_FAILURES - failures)
        if failures == PIN_MAX_FAILURES:
            await self._share_locked(share_id)
        if tries_left == 0:
            raise ShareLocked("Too many wrong PINs: this share is locked.")
        raise WrongPin("Wrong PIN.", tries_left=tries_left)

    async def tell(self, share_id: str, kind: str) -> None:
        for observer in self.observers:
            try:
                await observer(share_id, kind)
            except Exception:
                log.exception("a share observer failed")

    async def _share_locked(self, share_id: str) -> None:
        """The one place a share becomes locked (the row is written with the failure that
        locked it): the owner's notification hooks in here."""
        self._notify(share_id)
        await self.tell(share_id, "locked")

    def _notify(self, share_id: str) -> None:
        event = self._watchers.pop(share_id, None)
        if event is not None:
            event.set()

def _redeem_refusal(state: ShareState) -> ShareLocked | ShareNotFound:
    if state is ShareState.LOCKED:
        return ShareLocked("Too many wrong PINs: this share is locked.")
    return ShareNotFound(NOT_FOUND)
