"""Making a workflow from parsed specs; the one place that names SpiffWorkflow's workflow class."""
from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow as Workflow

__all__ = ["Workflow", "new_workflow"]


def new_workflow(spec, subprocess_specs: dict, script_engine) -> Workflow:
    """A fresh instance of the process `spec`, not yet started, running its scripts on `script_engine`."""
    return Workflow(spec, subprocess_specs, script_engine=script_engine)
