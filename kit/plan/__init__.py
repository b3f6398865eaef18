"""City training plans: a YAML spec in, a plan, calendar, workplan and matrix out.

Building is in two steps, as everywhere in the kit: pure functions turn the
spec into plain values (:mod:`~kit.plan.schedule`, :mod:`~kit.plan.curriculum`),
then separate writers render files.
"""
