"""SpiffWorkflow glue: parser, clock-aware timers, restricted scripting (scripting.py, with what designer code
may do in policy.py, its time and memory budget in limits.py and the guarded operations in guards.py), a
spec-less serializer, and the questions the engine asks of a workflow (tasks.py), the events it delivers
(events.py) and the errors it turns into its own (errors.py).

Everything here extends SpiffWorkflow only through its hooks (parser class overrides, the converter
registry, the script environment); no module outside engine/spiff imports SpiffWorkflow.
"""
