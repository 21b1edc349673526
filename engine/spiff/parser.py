"""Parsing BPMN and DMN into SpiffWorkflow specs, with our clock-aware timers and deploy-time checks."""
from __future__ import annotations

import re
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.util import first
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    IntermediateCatchEvent,
    StartEvent,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
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
_NAMESPACES = {"{http://www.omg.org/spec/BPMN/20100524/MODEL}": "bpmn:",
               "{http://spiffworkflow.org/bpmn/schema/1.0/core}": "spiffworkflow:"}


class SpecProblem(Exception):
    """A problem in a BPMN or DMN file: its code and parameters, and where it is as far as known."""

    def __init__(self, code: str, params: dict[str, Any], file: str | None = None, element: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(code)
        self.code, self.params, self.file, self.element, self.line = code, params, file, element, line


class CodedValidationException(ValidationException):
    """A ValidationException that carries our code and parameters through SpiffWorkflow's parser."""

    def __init__(self, code: str, params: dict[str, Any] | None = None, **location: Any) -> None:
        super().__init__(code, **location)
        self.code, self.params = code, params or {}


def timer_expression_problem(expression: str | None) -> tuple[str, dict[str, Any]] | None:
    """(code, params) of a timer expression that would fail or misbehave only when the timer is armed."""
    text = (expression or "").strip()
    if not text:
        return "bundle.timer_empty", {}
    if _UNQUOTED_ISO.match(text):
        return "bundle.timer_unquoted", {"expression": text}
    try:
        compile_expression(text)
    except (ScriptCompileError, SyntaxError) as exc:
        return "bundle.timer_syntax", {"expression": text, "detail": str(exc)}
    return None


class ClockTimerParserMixin:
    """Builds clock-aware timer definitions instead of SpiffWorkflow's wall-clock ones."""

    def parse_timer_event(self, event):
        name = self.node.get("name", self.node.get("id"))
        description = self.get_event_description(event)
        time_date = first(self.xpath(".//bpmn:timeDate"))
        time_duration = first(self.xpath(".//bpmn:timeDuration"))
        if first(self.xpath(".//bpmn:timeCycle")) is not None:
            raise CodedValidationException("bundle.timer_cycle", node=self.node, file_name=self.filename)
        node = time_date if time_date is not None else time_duration
        if node is None:
            raise CodedValidationException("bundle.timer_missing", node=self.node, file_name=self.filename)
        problem = timer_expression_problem(node.text)
        if problem is not None:
            raise CodedValidationException(*problem, node=self.node, file_name=self.filename)
        if time_date is not None:
            return ClockTimeDateEventDefinition(name, time_date.text.strip(), description=description)
        return ClockDurationTimerEventDefinition(name, time_duration.text.strip(), description=description)


class ClockStartEventParser(ClockTimerParserMixin, SpiffStartEventParser):
    pass


class ClockIntermediateCatchEventParser(ClockTimerParserMixin, SpiffIntermediateCatchEventParser):
    pass


class ClockBoundaryEventParser(ClockTimerParserMixin, SpiffBoundaryEventParser):
    pass


class _CodedValidator:
    """SpiffWorkflow's XSD validation of the spiff dialect, reporting lxml's first error with a code."""

    def validate(self, bpmn, filename=None) -> None:
        VALIDATOR.preprocess(bpmn)
        schema = VALIDATOR.validator
        if schema.validate(bpmn):
            return
        error = schema.error_log.last_error
        tag = _short(error.path.rsplit("/", 1)[-1]) if error.path else None
        if "This element is not expected" in error.message:
            code, params = "bundle.unknown_element", {"tag": tag, "expected": _expected(error.message)}
        else:
            code, params = "bundle.schema", {"tag": tag, "detail": _short(error.message)}
        raise CodedValidationException(code, params, file_name=filename, line_number=error.line)


def _short(text: str) -> str:
    for long, short in _NAMESPACES.items():
        text = text.replace(long, short)
    return text


def _expected(message: str) -> list[str]:
    """The first few elements an XSD message says would be allowed here."""
    _, _, rest = message.partition("Expected is one of")
    return [_short(name.strip(" ().")) for name in rest.split(",") if name.strip(" ().")][:6]


class EngineParser(SpiffBpmnParser):
    """SpiffWorkflow's spiff-dialect parser with clock-aware timers and XSD validation; its problems come
    out as SpecProblem with a code."""

    OVERRIDE_PARSER_CLASSES = dict(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    OVERRIDE_PARSER_CLASSES.update({
        full_tag("startEvent"): (ClockStartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (ClockIntermediateCatchEventParser, IntermediateCatchEvent),
        full_tag("boundaryEvent"): (ClockBoundaryEventParser, BoundaryEvent),
    })

    def __init__(self) -> None:
        super().__init__(validator=_CodedValidator())

    def add_file(self, name: str, tree) -> None:
        """Add a parsed .bpmn or .dmn file."""
        try:
            if name.endswith(".dmn"):
                self.add_dmn_xml(tree, filename=name)
            else:
                self.add_bpmn_xml(tree, filename=name)
        except SpiffWorkflowException as exc:
            raise _spec_problem(exc, name) from exc

    def build(self, process_id: str) -> tuple[Any, dict]:
        """The spec of an executable process and the specs of the processes it calls."""
        try:
            return self.get_spec(process_id), self.get_subprocess_specs(process_id)
        except SpiffWorkflowException as exc:
            raise _spec_problem(exc, None, process_id) from exc


def _spec_problem(exc: SpiffWorkflowException, file: str | None, element: str | None = None) -> SpecProblem:
    if not isinstance(exc, ValidationException):
        return SpecProblem("bundle.invalid_definition", {"detail": str(exc)}, file, element)
    line = int(exc.line_number) if str(getattr(exc, "line_number", "")).isdigit() else None
    where = {"file": exc.file_name or file, "element": getattr(exc, "id", None) or element, "line": line}
    if isinstance(exc, CodedValidationException):
        return SpecProblem(exc.code, exc.params, **where)
    return SpecProblem("bundle.invalid_definition", {"detail": _short(str(exc).split("\n")[0])}, **where)
