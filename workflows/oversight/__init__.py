"""Oversight of cases by leaders and supervisors: the backlog ledger (积案台账), leader ownership (领导包案),
supervision orders (督办, 挂牌督办) and early warnings of hotspots (预警)."""
