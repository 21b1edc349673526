"""SpiffWorkflow glue: parser, clock-aware timers, restricted scripting, a spec-less serializer, and the
questions the engine asks of a workflow (tasks.py), the events it delivers (events.py) and the errors it
turns into its own (errors.py).

Everything here extends SpiffWorkflow only through its hooks (parser class overrides, the converter
registry, the script environment); no module outside engine/spiff imports SpiffWorkflow.
"""
