"""The petition domain: cases, jurisdictions, deadlines, calendar, functions BPMN may call."""
