"""The journal covers every configuration call the policy allows (issue 11): a setter added to
the policy's tables without a journal entry fails here."""

from __future__ import annotations

import pytest

from dss_addon.journal.table import JOURNALED, NOT_CONFIGURATION, RESTORERS, ValueKind
from dss_addon.policy.rules import CONFIGURE_CALLS, OPERATE_CALLS, VIEW_CALLS, Call
from dss_addon.policy.schema import params_of

CONFIGURATION_CALLS = sorted(CONFIGURE_CALLS - OPERATE_CALLS)


@pytest.mark.parametrize("call", CONFIGURATION_CALLS, ids="/".join)
def test_every_configure_only_call_is_journaled_or_explained(call: Call) -> None:
    assert (call in JOURNALED) != (call in NOT_CONFIGURATION), call


def test_explanations_name_only_allowed_calls() -> None:
    assert set(NOT_CONFIGURATION) <= set(CONFIGURATION_CALLS)
    assert all(reason for reason in NOT_CONFIGURATION.values())


def test_operate_calls_are_actions_not_settings() -> None:
    # Scene calls, values, blink: they move outputs and change no stored setting.
    assert not JOURNALED & OPERATE_CALLS


@pytest.mark.parametrize(("call", "restorer"), sorted(RESTORERS.items()), ids=str)
def test_each_restorer_reads_with_an_allowed_getter_of_the_same_target(
    call: Call, restorer: object
) -> None:
    from dss_addon.journal.table import Restorer

    assert isinstance(restorer, Restorer)
    assert call in JOURNALED
    getter = (call[0], restorer.getter)
    assert getter in VIEW_CALLS, getter
    setter_params, getter_params = params_of(call), params_of(getter)
    assert setter_params is not None
    assert getter_params is not None
    assert restorer.param in setter_params
    for key in restorer.keys:
        assert key in setter_params
        assert key in getter_params
    # The target parameters the setter takes, the getter takes too.
    for target in ("dsuid", "dsid", "id", "groupID", "groupName", "path"):
        if target in setter_params:
            assert target in getter_params, (call, target)


def test_tags_and_names_have_their_kinds() -> None:
    assert RESTORERS[("device", "addTag")].kind is ValueKind.TAG
    assert RESTORERS[("device", "setName")].kind is ValueKind.TEXT
    assert RESTORERS[("zone", "sceneSetName")].kind is ValueKind.TEXT
