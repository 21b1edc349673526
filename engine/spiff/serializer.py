"""Serializing workflow state without the process definition inside it.

The saved state names its spec; on load, the spec objects come from the per-version cache. This keeps
each saved case to about a third of SpiffWorkflow's default and skips re-building specs on every load.
A workflow whose history is pruned after each step (engine/spiff/prune.py) says so in its saved state.
"""
from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.spiff.prune import BOUNDED, is_bounded, mark_bounded
from engine.spiff.timers import (
    ClockDurationTimerEventDefinition,
    ClockTimeDateEventDefinition,
)

SERIALIZER_VERSION = VERSION


class SpecReferenceWorkflowConverter(BpmnWorkflowConverter):
    """Writes the top workflow with a reference to its spec instead of the spec itself."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["spec"] = {"ref": workflow.spec.name}
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        if is_bounded(workflow):
            dct[BOUNDED] = True
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        ref = dct.pop("spec")
        if spec is None or ref.get("ref") != spec.name:
            raise ValueError(f"saved state is for process {ref.get('ref')!r}, not {getattr(spec, 'name', None)!r}")
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        if dct.pop(BOUNDED, False):
            mark_bounded(workflow)
        return workflow


def _uuid(value):
    from uuid import UUID
    return UUID(value)


def _config() -> dict:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = SpecReferenceWorkflowConverter
    config[ClockTimeDateEventDefinition] = TimerConditionalEventDefinitionConverter
    config[ClockDurationTimerEventDefinition] = TimerConditionalEventDefinitionConverter
    return config


class StateSerializer:
    """Turns a workflow into the TEXT we store and back, given the version's specs."""

    def __init__(self) -> None:
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config()))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        return json.loads(self.dumps(workflow))

    def loads(self, text: str, spec, subprocess_specs) -> BpmnWorkflow:
        dct = json.loads(text)
        version = dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        if version != SERIALIZER_VERSION and version in MIGRATIONS:
            MIGRATIONS[version](dct)
        return self._serializer.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
