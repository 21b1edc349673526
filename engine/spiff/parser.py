"""Parsing BPMN and DMN into SpiffWorkflow specs, with our clock-aware timers and deploy-time checks."""
from __future__ import annotations

import re

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    IntermediateCatchEvent,
    StartEvent,
)
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.spiff.scripting import ScriptCompileError, compile_expression
from engine.spiff.timers import (
    ClockDurationTimerEventDefinition,
    ClockTimeDateEventDefinition,
)

# An ISO 8601 duration or date written without quotes is the commonest timer mistake: Python would
# read P60D as a variable name and 2026-10-01 as a subtraction.
_UNQUOTED_ISO = re.compile(r"^(R\d*/)?P(\d|T)[0-9YMWDTHS.,]*$|^\d{4}-\d{2}-\d{2}([T ][0-9:.+Z-]*)?$")


def check_timer_expression(expression: str) -> None:
    """Refuse timer expressions that would fail or misbehave only when the timer is armed."""
    text = (expression or "").strip()
    if not text:
        raise ValueError("timer expression is empty; give a quoted ISO 8601 value such as \"P60D\" or an expression")
    if _UNQUOTED_ISO.match(text):
        raise ValueError(f"timer expression {text} must be a quoted string: write \"{text}\" "
                         "(timer expressions are Python expressions)")
    try:
        compile_expression(text)
    except (ScriptCompileError, SyntaxError) as exc:
        raise ValueError(f"timer expression {text!r} is not a valid expression: {exc}") from exc


class ClockTimerParserMixin:
    """Builds clock-aware timer definitions instead of SpiffWorkflow's wall-clock ones."""

    def parse_timer_event(self, event):
        name = self.node.get("name", self.node.get("id"))
        description = self.get_event_description(event)
        time_date = first(self.xpath(".//bpmn:timeDate"))
        time_duration = first(self.xpath(".//bpmn:timeDuration"))
        if first(self.xpath(".//bpmn:timeCycle")) is not None:
            raise ValidationException("cycle timers (timeCycle) are not supported; use timeDate or timeDuration",
                                      node=self.node, file_name=self.filename)
        node = time_date if time_date is not None else time_duration
        if node is None:
            raise ValidationException("timer has no timeDate or timeDuration", node=self.node, file_name=self.filename)
        try:
            check_timer_expression(node.text)
        except ValueError as exc:
            raise ValidationException(str(exc), node=self.node, file_name=self.filename) from exc
        if time_date is not None:
            return ClockTimeDateEventDefinition(name, time_date.text.strip(), description=description)
        return ClockDurationTimerEventDefinition(name, time_duration.text.strip(), description=description)


class ClockStartEventParser(ClockTimerParserMixin, SpiffStartEventParser):
    pass


class ClockIntermediateCatchEventParser(ClockTimerParserMixin, SpiffIntermediateCatchEventParser):
    pass


class ClockBoundaryEventParser(ClockTimerParserMixin, SpiffBoundaryEventParser):
    pass


class EngineParser(SpiffBpmnParser):
    """SpiffWorkflow's spiff-dialect parser with clock-aware timers and XSD validation."""

    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES.update({
        full_tag("startEvent"): (ClockStartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (ClockIntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (ClockBoundaryEventParser, BoundaryEvent),
    })

    def __init__(self) -> None:
        super().__init__(validator=VALIDATOR)
