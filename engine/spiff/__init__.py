"""SpiffWorkflow glue: parser, clock-aware timers, restricted scripting and a spec-less serializer.

Everything here extends SpiffWorkflow only through its hooks (parser class overrides, the converter
registry, the script environment); the rest of the engine does not import SpiffWorkflow directly.
"""
