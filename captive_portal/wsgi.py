"""The WSGI app `okey serve` runs on the segment's address: portal plus captive handler."""

from __future__ import annotations

from appliance.config import Settings
from captive_portal.dispatch import SegmentDispatcher, WSGIApp
from captive_portal.handler import create_captive_app
from captive_portal.plan import SegmentPlan, build_plan


def segment_app(settings: Settings, portal: WSGIApp) -> tuple[SegmentDispatcher, SegmentPlan]:
    """The dispatcher for the segment's listener; raises SegmentConfigError on bad settings."""
    plan = build_plan(settings.segment)
    captive = create_captive_app(settings, plan)
    return SegmentDispatcher(portal, captive, [plan.portal_host, plan.tls_host]), plan
