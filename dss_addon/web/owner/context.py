"""What every owner-site handler reaches: the runtime, the identifier and the CSRF guard, plus
the small steps every handler shares (who is asking, is the mutation genuine, read the body)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from dss_addon.errors import BadInput
from dss_addon.runtime import Runtime
from dss_addon.web.owner.csrf import CSRF_HEADER, CsrfGuard
from dss_addon.web.owner.identity import Identifier, OwnerIdentity, require_owner

MAX_JSON_BODY = 16 * 1024


@dataclass(frozen=True, slots=True)
class OwnerContext:
    runtime: Runtime
    identifier: Identifier
    csrf: CsrfGuard


OWNER_CONTEXT: web.AppKey[OwnerContext] = web.AppKey("owner_context", OwnerContext)


def context(request: web.Request) -> OwnerContext:
    return request.app[OWNER_CONTEXT]


def require_api_mutation(request: web.Request) -> OwnerIdentity:
    """401 before 403: an anonymous caller learns nothing about CSRF."""
    owner = require_owner(request)
    context(request).csrf.check(owner.key, request.headers.get(CSRF_HEADER))
    return owner


async def read_json(request: web.Request) -> Mapping[str, object]:
    if request.content_type != "application/json":
        raise BadInput("The body must be JSON (Content-Type: application/json).")
    if request.content_length is not None and request.content_length > MAX_JSON_BODY:
        raise BadInput("The body is too large.")
    raw = await request.read()  # the app's client_max_size caps what is buffered
    if len(raw) > MAX_JSON_BODY:
        raise BadInput("The body is too large.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise BadInput("The body is not valid JSON.") from err
    if not isinstance(data, dict):
        raise BadInput("The body must be a JSON object.")
    return data
