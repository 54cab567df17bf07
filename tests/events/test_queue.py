"""A dead customer endpoint must not slow Intuit's webhook settling: its own queue."""

from qbsync.celery import app


def test_deliveries_do_not_share_a_queue_with_webhook_settling():
    route = app.amqp.router.route
    deliveries = route({}, "events.tasks.deliver")["queue"].name
    settling = {
        route({}, name)["queue"].name
        for name in ("qbo.tasks.process_webhook_delivery", "qbo.tasks.process_webhook_events")
    }
    pushes = route({}, "invoicing.tasks.push_company")["queue"].name
    assert deliveries == "events"
    assert deliveries not in settling | {pushes}
