"""Tasks through the API: a queue of the token's organisation and roles, claim, complete with form data."""
from __future__ import annotations

from flask.views import MethodView

from webui import current_services
from webui.api.auth import api_blueprint, current_system
from webui.api.cases import _document
from webui.api.schemas import CompleteSchema, QueueQuerySchema, TaskListSchema
from workflows.channels.queries import task_queue
from workflows.handling.tasks import claim_task, complete_task

blp = api_blueprint("api_tasks", __name__, description="Tasks: the queue, claim, complete")


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(QueueQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, TaskListSchema)
    @blp.doc(**_document("401", "422"))
    def get(self, queue: str, page: int, per_page: int):
        """Open tasks: `unclaimed` for the token's organisation and roles, `mine` claimed by this system,
        `overdue` (supervisors)."""
        return task_queue(current_services(), current_system(), queue, page, per_page)


@blp.route("/tasks/<task_id>/claim")
class TaskClaim(MethodView):
    @blp.response(204)
    @blp.doc(**_document("401", "403", "409"))
    def post(self, task_id: str):
        """Claim an open task for this system."""
        claim_task(current_services(), current_system(), task_id)


@blp.route("/tasks/<task_id>/complete")
class TaskComplete(MethodView):
    @blp.arguments(CompleteSchema)
    @blp.response(204)
    @blp.doc(**_document("401", "403", "409", "422"))
    def post(self, body: dict, task_id: str):
        """Complete a task with its form data; errors name each field of the form."""
        complete_task(current_services(), current_system(), task_id, body["data"])
