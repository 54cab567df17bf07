"""Sync orchestration: what happens after a company connects, and the pull side's entry points."""

import logging

logger = logging.getLogger(__name__)


def on_connected(company_id: int) -> None:
    """A company (re)connected QuickBooks: resume its work and start pulling its data."""
    logger.info("company %s connected: resuming QuickBooks work", company_id)
