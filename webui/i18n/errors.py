"""The one translation of errors: engine and domain errors carry a code and parameters, and this table gives
each code its sentence in the catalogs. HTML pages and the JSON API both call `error_message` and
`field_messages`.

A sentence may differ by the value of one parameter (`ByParam`: the format a field expects, the part of a
process that failed); an unknown code gets a generic sentence that names it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import gettext

from workflows.rules.language import N_


class Coded(Protocol):
    """What an error is to this module: EngineError, FieldError, BundleProblem and Verdict all have these."""

    code: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class ByParam:
    """A sentence chosen by the value of one parameter (None: the parameter is absent), else `default`."""

    param: str
    cases: dict[Any, str]
    default: str
    all: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "all", (self.default, *self.cases.values()))

    def choose(self, params: Mapping[str, Any]) -> str:
        value = params.get(self.param)
        if value is None:
            return self.cases.get(None, self.default)
        return self.cases.get(value, self.default) if isinstance(value, str) else self.default


UNKNOWN = N_("The action failed (%(code)s).")

FIELD_REQUIRED = N_("This field is required.")
ONE_OF_THE_OPTIONS = N_("Choose one of the options.")
NOT_IN_FORMAT = N_("Not in the expected format.")
WHOLE_NUMBER = N_("Give a whole number.")
GIVE_DATE_TIME = N_("Give a date and time.")
WITH_TIME_ZONE = N_("Give a time with its time zone.")
NOT_IN_FORM = N_("This field is not part of the form.")
CASE_CHANGED = N_("The case changed since you opened it: someone else has just acted on it. "
                  "Reload to see what changed.")

MESSAGES: dict[str, str | ByParam] = {
    # The engine's own (engine/errors.py and its raise sites).
    "engine.error": N_("The action failed."),
    "engine.not_found": N_("Not found."),
    "engine.conflict": CASE_CHANGED,
    "engine.not_allowed": N_("You may not do this."),
    "data.invalid": N_("The data has errors; correct the fields marked."),
    "data.not_json": N_("The data cannot be stored: %(detail)s"),
    "script.failed": ByParam("element", {None: N_("A step of the process failed: %(detail)s")},
                             N_("Step %(element)s of the process failed: %(detail)s")),
    "script.limit_exceeded": ByParam("limit", {"time": N_("Step %(element)s of the process ran longer than %(allowed)s s and was stopped; nothing was stored."), "memory": N_("Step %(element)s of the process needed more than %(allowed)s MB of memory and was stopped; nothing was stored.")}, N_("Step %(element)s of the process went over a limit and was stopped; nothing was stored.")),
    "instance.not_found": N_("No such case."),
    "instance.changed": CASE_CHANGED,
    "instance.closed": N_("The case is closed; it accepts no more steps."),
    "task.not_open": N_("This task is no longer open: someone else has just completed it. "
                        "The case has been reloaded."),
    "task.already_claimed": N_("Someone else claimed this task first (%(assignee)s)."),
    "task.claimed_by": N_("This task is claimed by %(assignee)s."),
    "task.release_by_assignee": N_("Only %(assignee)s can release this task."),
    "message.not_awaited": N_("The case is not waiting for this message (%(message)s)."),
    "timer.not_pending": N_("This deadline is no longer pending: it has fired or was cancelled."),
    "timer.not_corrected": N_("The deadline was not corrected."),
    "incident.not_open": N_("This incident is no longer open."),
    "process.not_deployed": N_("Process %(process)s is not deployed."),
    "process.not_in_version": N_("Process %(process)s is not in version %(version)s."),
    "version.not_found": N_("Process version %(version)s does not exist."),
    "replay.no_start": N_("The case's history does not begin with its start (event %(seq)s, %(command)s)."),
    "replay.claim_not_ready": N_("The case's history claims a task that was not ready (%(task_ref)s)."),
    "replay.timer_not_waiting": N_("The case's history moves the due time of a timer that was not waiting "
                                   "(%(task_ref)s)."),
    "migration.refused": N_("Case instance %(instance)s cannot move to the new version (%(count)s reasons)."),
    "migration.same_version": N_("The case is already on version %(version)s; choose another version to move to."),
    "migration.invalid_plan": N_("The migration plan has mappings that do not fit; correct the ones marked."),
    "migration.unknown_source": N_("Element %(element)s is not in version %(version)s."),
    "migration.unknown_target": N_("Element %(element)s is not in version %(version)s."),
    "migration.mapping_format": N_("Write each mapping as old=new, not %(line)s."),
    "migration.bad_filter": N_("The filter %(clause)s is not understood; give one of: %(expected)s."),
    "migration.not_on_version": N_("Case instance %(instance)s is on version %(current)s, not %(version)s."),
    "migration.element_missing": N_("Task %(task)s waits at element %(element)s, which version %(version)s does "
                                    "not have; map it to an element of that version."),
    "migration.element_kind_changed": N_("Task %(task)s waits at %(element)s, a %(was)s, but %(target)s in "
                                         "version %(version)s is a %(now)s."),
    "migration.event_changed": N_("Task %(task)s waits for an event that %(target)s in version %(version)s no "
                                  "longer waits for (another message or kind of event)."),
    "migration.called_process_changed": N_("Task %(task)s runs process %(was)s, but %(target)s in version "
                                           "%(version)s calls %(now)s."),
    "migration.process_missing": N_("The case runs process %(process)s, which version %(version)s does not have."),
    "verify.no_instance": N_("There is no such case."),
    "verify.event_missing": N_("An event is missing (the next stored event is %(next_seq)s)."),
    "verify.chain_broken": N_("The event's previous-hash does not match the event before it."),
    "verify.event_altered": N_("The event's content does not match its hash (the event was altered)."),
    "verify.events_removed": N_("The case records %(recorded)s events ending in %(last_hash)s, but %(stored)s are "
                                "stored (events were removed)."),
    "verify.replay_failed": N_("Replaying the events failed: %(detail)s"),
    "verify.state_unreadable": N_("The stored state cannot be read: %(detail)s"),
    "verify.state_altered": N_("Replaying the events does not rebuild the stored state (the state was altered)."),
    "verify.files_mismatch": N_("The process files do not match the content hash %(content_hash)s of version "
                                "%(version)s."),
    "bundle.invalid": N_("The process bundle has problems; nothing was deployed."),
    "bundle.folder_missing": N_("There is no process bundle folder at %(path)s."),
    "bundle.no_bpmn": N_("The bundle has no BPMN file."),
    "bundle.xml_syntax": N_("The XML is not well-formed: %(detail)s"),
    "bundle.form_json": N_("The form file is not valid JSON: %(detail)s"),
    "bundle.form_schema": N_("The form is not a valid JSON Schema at %(path)s: %(detail)s"),
    "bundle.form_missing": N_("The task's form %(form)s is missing (expected at %(path)s)."),
    "bundle.restricted_script": ByParam("part", {
        "script": N_("The script cannot run in the restricted script environment: %(detail)s"),
        "condition": N_("The condition of the flow to %(name)s cannot run in the restricted script "
                        "environment: %(detail)s")},
        N_("The expression of property %(name)s cannot run in the restricted script environment: %(detail)s")),
    "bundle.timer_cycle": N_("Timer cycles are not supported; give a date or a duration."),
    "bundle.timer_missing": N_("The timer has neither a date nor a duration."),
    "bundle.timer_empty": N_("The timer expression is empty."),
    "bundle.timer_unquoted": N_("The timer expression %(expression)s must be quoted, e.g. \"%(expression)s\"."),
    "bundle.timer_syntax": N_("The timer expression %(expression)s is not valid: %(detail)s"),
    "bundle.unknown_element": N_("Element %(tag)s is not allowed here; expected one of: %(expected)s."),
    "bundle.schema": N_("Element %(tag)s does not follow the BPMN schema: %(detail)s"),
    "bundle.invalid_definition": N_("The process definition is not valid: %(detail)s"),
    "bundle.script_name_not_allowed": N_("The code uses %(identifier)s, which scripts may not use (no files, network or interpreter internals)."),
    "bundle.script_import": N_("The code imports %(module)s; scripts may not import modules."),
    "bundle.script_unknown_function": N_("The code calls %(function)s, which is neither a registered function nor defined in the code."),
    "bundle.script_range_too_large": N_("The code makes a range of %(count)s numbers; at most %(allowed)s are allowed."),
    "bundle.endless_loop": N_("This loop can never end (while True with no break); it will be stopped at the time limit."),
    # A task form checked against its JSON Schema (engine/forms.py).
    "form.rejected": N_("The form has errors; correct the fields marked."),
    "form.not_object": N_("The form data must be a set of fields."),
    "form.required": FIELD_REQUIRED,
    "form.min_length": N_("Give at least %(limit)s characters."),
    "form.max_length": N_("Give at most %(limit)s characters."),
    "form.min_items": N_("Choose at least %(limit)s."),
    "form.max_items": N_("Choose at most %(limit)s."),
    "form.minimum": N_("Give at least %(limit)s."),
    "form.maximum": N_("Give at most %(limit)s."),
    "form.exclusive_minimum": N_("Give more than %(limit)s."),
    "form.exclusive_maximum": N_("Give less than %(limit)s."),
    "form.min_properties": N_("Give at least %(limit)s values."),
    "form.max_properties": N_("Give at most %(limit)s values."),
    "form.multiple_of": N_("Give a multiple of %(limit)s."),
    "form.type": ByParam("expected", {"integer": WHOLE_NUMBER, "number": N_("Give a number."),
                                      "boolean": N_("Answer yes or no."), "array": N_("Choose from the list."),
                                      "string": N_("Give a text.")},
                         N_("This value has the wrong type (%(expected)s expected).")),
    "form.enum": ONE_OF_THE_OPTIONS,
    "form.const": N_("This value does not fit the other answers."),
    "form.format": ByParam("format", {"date-time": GIVE_DATE_TIME, "date": N_("Give a date."),
                                      "email": N_("Give an e-mail address.")}, NOT_IN_FORMAT),
    "form.pattern": NOT_IN_FORMAT,
    "form.unique_items": N_("Each value may appear once."),
    "form.unexpected_field": NOT_IN_FORM,
    "form.invalid": N_("This value is not accepted (%(keyword)s)."),
    "form.timezone": WITH_TIME_ZONE,
    # Fields checked by the domain's schemas (workflows/validation.py).
    "field.required": FIELD_REQUIRED,
    "field.invalid": N_("This value is not accepted."),
    "field.unexpected": NOT_IN_FORM,
    "field.no_timezone": WITH_TIME_ZONE,
    "field.not_object": N_("This value has the wrong type."),
    "field.too_large": N_("This number is too large."),
    "field.not_number": N_("Give a number."),
    "field.not_text": N_("Give a text."),
    "field.not_integer": WHOLE_NUMBER,
    "field.not_boolean": N_("Answer yes or no."),
    "field.not_datetime": N_("Not a valid date and time."),
    "field.not_date": N_("Give a date."),
    "field.not_list": N_("Choose from the list."),
    "field.length": N_("Give exactly %(equal)s characters."),
    "field.length_between": N_("Give between %(min)s and %(max)s characters."),
    "field.too_short": N_("Give at least %(min)s characters."),
    "field.too_long": N_("Give at most %(max)s characters."),
    "field.between": N_("Give a number from %(min)s to %(max)s."),
    "field.at_least": N_("Give at least %(min)s."),
    "field.at_most": N_("Give at most %(max)s."),
    "field.one_of": ONE_OF_THE_OPTIONS,
    "field.pattern": NOT_IN_FORMAT,
    # The petition domain (workflows/).
    "registration.invalid": N_("The case was not registered; correct the fields marked."),
    "registration.registrar_only": N_("Only registrars register cases."),
    "registration.case_number_contended": N_("Other cases were registered at the same moment and took the case "
                                             "number; nothing was saved. Try again."),
    "registration.pollution_type_required": N_("Choose at least one pollution type."),
    "registration.division_code": N_("Not a GB/T 2260 division code: give 6, 9 or 12 digits, e.g. 330106."),
    "registration.received_in_future": N_("This time lies in the future."),
    "petitioner.name_required": N_("Required unless the petitioner is anonymous."),
    "petitioner.contact_required": N_("Give a phone number or an address to reply to."),
    "petitioner.phone_format": N_("Digits, +, - and spaces only."),
    "petitioner.id_number_format": N_("An 18-character resident ID number (the last may be X)."),
    "case.not_found": N_("No such case."),
    "case.other_bureau": N_("This case belongs to another bureau."),
    "case.query_code_mismatch": N_("No case with this number and query code."),
    # KPIs, the dashboard and the monthly bulletin (workflows/reporting/).
    "kpi.filters_invalid": N_("The figures were not shown; correct the filters marked."),
    "kpi.period_invalid": N_("Give a month (2026-03), a quarter (2026-Q1), a year (2026) or a range of days."),
    "kpi.period_reversed": N_("The period ends (%(last)s) before it starts (%(first)s)."),
    "kpi.period_too_long": N_("A range may span at most %(limit)s days."),
    "kpi.month_invalid": N_("Give a month, e.g. 2026-03."),
    "kpi.day_invalid": N_("Give a date, e.g. 2026-03-31."),
    "kpi.organisation_unknown": N_("There is no bureau %(organisation)s."),
    "kpi.organisation_outside": N_("The figures of %(organisation)s are not open to you: choose your bureau or "
                                   "one below it."),
    "kpi.drilldown_unknown": N_("There is no such figure to list the cases of."),
    "task.wrong_organisation": N_("This task belongs to another bureau (%(organisation)s)."),
    "task.wrong_role": N_("This task is for another role (%(role)s)."),
    "task.reassign_not_allowed": N_("Only a leader or supervisor of the task's bureau may reassign it."),
    "task.not_reassigned": N_("The task was not reassigned."),
    "task.assignee_unsuitable": N_("%(assignee)s does not have this task's role in this bureau."),
    "timer.not_found": N_("No such deadline."),
    "attachment.not_stored": N_("The documents were not stored."),
    "attachment.type_refused": N_("%(file)s: this type of file is not accepted; use %(accepted)s."),
    "attachment.empty": N_("%(file)s: the file is empty."),
    "attachment.too_large": N_("%(file)s: larger than %(megabytes)s MB."),
    "attachment.content_mismatch": N_("%(file)s: the content is not a %(type)s file."),
    "attachment.task_not_of_case": N_("This task is not a task of case %(case)s."),
    "attachment.not_found": N_("Case %(case)s has no such document."),
    "attachment.file_missing": N_("The file of this document is missing from the upload store."),
    "attachment.checksum_mismatch": N_("The file of this document does not match its checksum; it was not "
                                       "served."),
    "repeats.not_linked": N_("The repeat links were not stored; correct the fields marked."),
    "repeats.self_link": N_("%(case)s is this case; name earlier cases it repeats."),
    "repeats.unknown_cases": N_("No case numbered %(cases)s; give case numbers such as 330106-2026-00001."),
    "repeats.link_not_found": N_("No such repeat link."),
    "repeats.decision_not_allowed": N_("Only registrars and supervisors confirm or reject repeat links."),
    "reveal.role_not_allowed": N_("Your role does not show petitioners' personal data; ask a registrar or "
                                  "leader."),
    "user.not_created": N_("The user was not created; correct the fields marked."),
    "user.locale_not_changed": N_("The language was not changed."),
    "user.username_taken": N_("The user name %(username)s is taken."),
    "user.unknown_organisation": N_("There is no organisation %(organisation)s."),
    "user.unknown_roles": N_("Unknown roles: %(roles)s; use %(known)s."),
    "user.role_required": N_("Give at least one role."),
    # Administration and sign-in (workflows/admin/, workflows/signin.py, workflows/rules/passwords.py).
    "user.not_found": N_("There is no such account."),
    "user.not_updated": N_("The account was not saved; correct the fields marked."),
    "user.password_not_reset": N_("The password was not reset; correct the field marked."),
    "user.username_format": N_("Use 2 to 80 letters, digits, '.', '_' or '-', starting with a letter or digit."),
    "user.organisation_inactive": N_("Organisation %(organisation)s is deactivated; it takes no new users."),
    "admin.admin_only": N_("Only administrators manage accounts and organisations."),
    "admin.keep_own_admin": N_("You cannot take the administrator role from yourself; ask another "
                               "administrator."),
    "admin.not_on_self": N_("You cannot disable your own account; ask another administrator."),
    "password.not_changed": N_("The password was not changed; correct the fields marked."),
    "password.too_short": N_("Give at least %(min)s characters."),
    "password.same_as_username": N_("The password must not be the user name."),
    "password.too_common": N_("This password is too common and easy to guess; choose another."),
    "password.wrong_current": N_("This is not your current password."),
    "password.same_as_current": N_("Choose a password different from the current one."),
    "password.mismatch": N_("The two new passwords differ."),
    "organisation.not_found": N_("There is no organisation %(organisation)s."),
    "organisation.not_created": N_("The organisation was not added; correct the fields marked."),
    "organisation.not_renamed": N_("The organisation was not renamed; correct the fields marked."),
    "organisation.not_moved": N_("The organisation was not moved."),
    "organisation.not_activated": N_("The organisation was not activated."),
    "organisation.code_format": N_("Use 2 to 60 capitals, digits or '-', starting with a capital, e.g. EEB-330108."),
    "organisation.code_taken": N_("The code %(organisation)s is taken."),
    "organisation.unknown_parent": N_("There is no organisation %(parent)s."),
    "organisation.parent_inactive": N_("Organisation %(parent)s is deactivated; nothing can be put under it."),
    "organisation.move_cycle": N_("%(parent)s is %(organisation)s itself or lies below it; an organisation cannot "
                                  "move under itself."),
    "user_import.invalid": N_("Nothing was imported; the file has problems."),
    "user_import.not_text": N_("The file is not text in UTF-8 or GB18030; save it as CSV."),
    "user_import.file_empty": N_("The file has no rows; give a header row and one row per account."),
    "user_import.missing_columns": N_("The header lacks the columns %(columns)s."),
    "user_import.unknown_columns": N_("Unknown columns %(columns)s; use %(known)s."),
    "user_import.too_many_rows": N_("The file has more than %(max)s rows; split it."),
    "user_import.duplicate_username": N_("The user name %(username)s is already on line %(line)s."),
    # Oversight: backlog ledger, leader ownership, supervision, warnings (workflows/oversight/).
    "oversight.role_required": N_("Only these roles may do this: %(roles)s."),
    "ledger.not_found": N_("There is no backlog ledger entry %(entry)s."),
    "ledger.other_bureau": N_("This ledger entry belongs to a bureau outside yours (%(organisation)s)."),
    "ledger.plan_required": N_("Give the plan to resolve the case."),
    "ledger.unknown_owner": N_("There is no active user %(owner)s."),
    "ledger.owner_elsewhere": N_("%(owner)s works at a bureau outside this case's line; choose someone of its "
                                 "bureau, above it or below it."),
    "ledger.not_updated": N_("The ledger entry was not saved; correct the fields marked."),
    "ledger.note_not_added": N_("The progress note was not added; write what was done."),
    "ledger.already_requested": N_("Strike-off was already requested by %(requested_by)s and waits for approval."),
    "ledger.not_requested": N_("Strike-off was not requested; correct the fields marked."),
    "ledger.struck_off": N_("This case has been struck off the ledger; it changes no more."),
    "ledger.no_request": N_("Nobody has requested strike-off of this entry: it is struck off only on a request "
                            "and its approval."),
    "ledger.own_request": N_("You requested this strike-off; someone else must approve it."),
    "ledger.approver_required": N_("Strike-off here is approved by a %(role)s of %(organisation)s."),
    "ledger.not_decided": N_("Nothing was decided; give the reason for rejecting."),
    "ownership.already_yours": N_("You own case %(case)s already."),
    "ownership.taken": N_("Case %(case)s is owned by %(leader)s; they must release it first."),
    "ownership.not_owned": N_("No leader owns case %(case)s."),
    "ownership.not_owner": N_("Case %(case)s is owned by %(leader)s; only they may release it."),
    "supervision.not_issued": N_("The supervision order was not issued; correct the fields marked."),
    "supervision.due_in_past": N_("The feedback date %(day)s has passed; choose a later day."),
    "supervision.not_found": N_("There is no supervision order %(order)s."),
    "supervision.not_addressee": N_("Only handlers and leaders of %(organisation)s answer this order."),
    "supervision.other_bureau": N_("This supervision order concerns a bureau outside yours (%(organisation)s)."),
    "supervision.answered": N_("This order has been answered already."),
    "supervision.not_answered": N_("The feedback was not sent; write it first."),
    "warning.not_found": N_("There is no warning %(warning)s."),
    "warning.other_bureau": N_("This warning concerns a bureau outside yours (%(organisation)s)."),
    "warning.handled": N_("This warning has been handled already."),
    "warning.not_handled": N_("The warning was not acknowledged; say what you make of it."),
    "warning.case_not_listed": N_("Choose one of the warning's cases."),
    # The process designers' studio (workflows/design/).
    "design.designer_only": N_("Only process designers edit, validate and deploy process definitions."),
    "design.draft_not_found": N_("There is no draft %(draft)s."),
    "design.file_not_found": N_("Draft %(draft)s has no file %(path)s."),
    "design.draft_closed": N_("Draft %(draft)s is closed (%(status)s); open a new draft."),
    "design.stale_file": N_("%(path)s was saved by %(updated_by)s after you opened it (your revision %(revision)s, "
                            "theirs %(current_revision)s); nothing was saved. Compare both versions, then save "
                            "again."),
    "design.bad_path": N_("%(path)s is not a file of a bundle: use name.bpmn, name.dmn, forms/name.json or "
                          "deadlines.yaml (lower-case letters, digits, _ and -)."),
    "design.unchanged": N_("The draft is the same as version %(version)s; nothing was deployed."),
    "design.deadlines_invalid": N_("The deadlines table is not valid: %(detail)s"),
    "design.unknown_track": N_("Unknown track %(track)s; use %(known)s."),
    # Warnings of the working-day calendar (workflows/rules/calendar.py), worded like the errors.
    "calendar.year_unknown": N_("No official holiday schedule for %(year)s yet: deadlines in %(year)s count "
                                "weekends and the statutory holidays (New Year, Spring Festival, Qingming, May Day, "
                                "Dragon Boat, Mid-Autumn, National Day), without bridging or make-up working days. "
                                "Add the State Council's %(year)s schedule to config.yaml calendar.holidays and "
                                "calendar.workdays."),
    "design.dry_run_too_long": N_("A dry run follows at most %(limit)s steps; this path has %(steps)s."),
    "design.dry_run_step_kind": N_("Step %(index)s of the dry run is %(kind)s; a step is one of %(known)s."),
    "design.dry_run_not_waiting": N_("The sample case is not waiting on task %(task)s at this point."),
    "design.dry_run_no_clock": N_("No clock of the sample case is running; it waits for people or messages."),
    "design.dry_run_no_bureau": N_("There is no active county bureau to register the sample case at."),
    # The petitioners' portal (workflows/portal/).
    "portal.not_found": N_("No case with this number and query code. Check both and try again."),
    "portal.division_not_served": N_("Division %(value)s is not served on this system; give the code of a place "
                                     "in its area, e.g. 330106."),
    "portal.captcha_wrong": N_("The answer to the check is wrong or has expired; a new sum is shown."),
    "portal.rating_invalid": N_("The rating was not recorded; choose one of the grades."),
    "portal.rating_not_open": N_("This case cannot be rated now: a rating is taken after the written reply."),
    "portal.review_invalid": N_("The request was not sent; say why you do not accept the answer."),
    "portal.review_not_open": N_("Review cannot be requested now: it is asked after the written reply or the "
                                 "review opinion, and not again after re-review."),
    # Imports of other platforms' exports (workflows/intake/imports.py).
    "import.source_not_saved": N_("The column mapping was not saved; correct the fields marked."),
    "import.unknown_field": N_("%(field)s is not a field of a case; use %(known)s."),
    "import.column_required": N_("Name the column that holds %(field)s."),
    "import.other_bureau": N_("Source %(source)s belongs to another bureau."),
    "import.source_not_found": N_("There is no import source %(source)s; save its column mapping first."),
    "import.file_refused": N_("The file was not read."),
    "import.file_type": N_("%(file)s: give a CSV or XLSX file."),
    "import.file_empty": N_("%(file)s has no rows."),
    "import.file_unreadable": N_("The file cannot be read as XLSX."),
    "import.upload_expired": N_("The file of the dry run is no longer here; upload it again."),
    # The channel systems' API (webui/api, workflows/channels/).
    "api.bad_request": N_("The request cannot be read."),
    "api.method_not_allowed": N_("This address does not take this method."),
    "api.too_large": N_("The request is too large."),
    "api.not_json": N_("Send the body as JSON (Content-Type: application/json)."),
    "api.too_many_requests": N_("Too many requests; wait and try again."),
    "api.body_not_object": N_("The body must be a JSON object; correct the fields marked."),
    "api_token.invalid": N_("Give a valid API token: Authorization: Bearer <token>. It may have been revoked."),
    "api_token.admin_only": N_("Only administrators manage API tokens."),
    "api_token.roles": N_("Give one or more of these roles: %(known)s."),
    "api_token.name_taken": N_("A token named %(name)s exists already."),
    "api_token.not_created": N_("The token was not created; correct the fields marked."),
    "api_token.not_found": N_("There is no API token %(token)s."),
    "message.invalid": N_("The message was not delivered; correct the fields marked."),
    "portal.review_window_closed": ByParam("kind", {"rereview": N_("The period to request re-review closed on "
                                                                    "%(closed_on)s.")},
                                           N_("The period to request review closed on %(closed_on)s.")),
}


class _Shown(dict):
    """The parameters as a sentence shows them; a parameter the sentence names but the error lacks is empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _shown(params: Mapping[str, Any]) -> _Shown:
    from webui.i18n import label, pick

    shown = _Shown()
    for key, value in params.items():
        if key == "role" and isinstance(value, str):
            shown[key] = label("role", value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            shown[key] = ", ".join(str(item) for item in value)
        elif isinstance(value, float):
            shown[key] = f"{value:g}"
        elif isinstance(value, str):
            # Task titles are the designers' bilingual labels ("受理决定 Decision").
            shown[key] = pick(value)
        else:
            shown[key] = "" if value is None else str(value)
    return shown


def error_message(error: Coded) -> str:
    """The sentence for an error (EngineError, FieldError, BundleProblem) in the current language."""
    code = getattr(error, "code", None) or "engine.error"
    params = getattr(error, "params", None) or {}
    entry = MESSAGES.get(code)
    if entry is None:
        return gettext(UNKNOWN) % {"code": code}
    msgid = entry.choose(params) if isinstance(entry, ByParam) else entry
    return gettext(msgid) % _shown(params)


def field_messages(errors: Mapping[str, Coded]) -> dict[str, str]:
    """{field path: sentence}. The errors of a list's items ('attachments.0', 'attachments.1') are also joined
    under the list's own path, where a page shows them."""
    messages: dict[str, str] = {}
    for path, error in errors.items():
        messages[path] = error_message(error)
    for path, message in list(messages.items()):
        parent, _, last = path.rpartition(".")
        if parent and last.isdigit() and parent not in errors:
            messages[parent] = f"{messages[parent]} {message}" if parent in messages else message
    return messages


def msgids() -> list[str]:
    """Every sentence of the table (for the catalog test)."""
    found = [UNKNOWN]
    for entry in MESSAGES.values():
        found.extend(entry.all if isinstance(entry, ByParam) else [entry])
    return found
