"""Durable BPMN runtime on SpiffWorkflow: process versions, instances, task queue, timers, audit chain and replay.

Knows nothing about petitions; the domain plugs in through script functions and configuration.
"""
