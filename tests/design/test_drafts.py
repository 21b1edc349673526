"""Drafts: opened from the newest version, saved with optimistic concurrency, discarded; designers only."""
from __future__ import annotations

import pytest

from engine.errors import Conflict, InvalidData, NotAllowed
from workflows.design.drafts import (
    DEADLINES_FILE,
    StaleDraftFile,
    discard_draft,
    get_draft,
    open_draft,
    open_drafts,
    save_file,
)


def test_a_draft_holds_the_newest_version_and_the_deadlines_table(services, designer):
    draft = open_draft(services, designer)
    paths = [f.path for f in draft.files]
    assert {"petition.bpmn", "handling.bpmn", "review.bpmn", "routing.dmn", "triage.dmn",
            "forms/acceptance.json", DEADLINES_FILE} <= set(paths)
    assert draft.base_version_id == services.definitions.versions()[-1].id
    assert all(f.revision == 1 for f in draft.files)
    assert [d.id for d in open_drafts(services, designer)] == [draft.id]


def test_a_save_advances_the_revision(services, designer):
    draft = open_draft(services, designer)
    saved = save_file(services, designer, draft.id, "forms/acceptance.json", "{}", 1)
    assert saved.revision == 2
    assert get_draft(services, designer, draft.id).file("forms/acceptance.json").content == "{}"


def test_a_save_over_a_newer_save_is_refused_with_the_stored_file(services, designer, make_actor):
    other = make_actor("des-2", "designer", "EEB-330000")
    draft = open_draft(services, designer)
    save_file(services, other, draft.id, "petition.bpmn", "<theirs/>", 1)
    with pytest.raises(StaleDraftFile) as refused:
        save_file(services, designer, draft.id, "petition.bpmn", "<mine/>", 1)
    assert refused.value.code == "design.stale_file"
    assert refused.value.params == {"path": "petition.bpmn", "revision": 1, "current_revision": 2,
                                    "updated_by": "des-2"}
    assert refused.value.current.content == "<theirs/>"
    assert get_draft(services, designer, draft.id).file("petition.bpmn").content == "<theirs/>"


def test_a_new_form_file_can_be_added_but_not_an_odd_path(services, designer):
    draft = open_draft(services, designer)
    assert save_file(services, designer, draft.id, "forms/extra.json", "{}", None).revision == 1
    with pytest.raises(InvalidData) as refused:
        save_file(services, designer, draft.id, "../config.yaml", "x", None)
    assert refused.value.code == "design.bad_path"


def test_a_discarded_draft_takes_no_more_saves(services, designer):
    draft = open_draft(services, designer)
    discard_draft(services, designer, draft.id)
    assert open_drafts(services, designer) == []
    with pytest.raises(Conflict) as refused:
        save_file(services, designer, draft.id, "petition.bpmn", "x", 1)
    assert refused.value.code == "design.draft_closed"


def test_only_designers_open_or_read_drafts(services, designer, handler):
    draft = open_draft(services, designer)
    for attempt in (lambda: open_draft(services, handler), lambda: get_draft(services, handler, draft.id),
                    lambda: save_file(services, handler, draft.id, "petition.bpmn", "x", 1)):
        with pytest.raises(NotAllowed) as refused:
            attempt()
        assert refused.value.code == "design.designer_only"
