import pytest
import redis
from celery import Celery
from django.db import transaction

from core.models import OutboxMessage
from core.outbox import outbox_drain, outbox_enqueue

pytestmark = pytest.mark.django_db(transaction=True)


def _app(url):
    # Not set as current: a later test's live worker and shared tasks must keep the real app.
    app = Celery("outbox-test", broker=url, set_as_current=False)
    app.conf.broker_transport_options = {"socket_connect_timeout": 0.5, "socket_timeout": 1}
    app.conf.broker_connection_timeout = 1
    return app


def test_job_is_sent_right_after_commit(own_redis):
    app = _app(own_redis.url)
    with transaction.atomic():
        message = outbox_enqueue(task_name="core.flush_request_log", queue="probe", app=app)
        assert redis.Redis.from_url(own_redis.url).llen("probe") == 0  # not before commit

    message.refresh_from_db()
    assert message.sent_at is not None
    assert redis.Redis.from_url(own_redis.url).llen("probe") == 1


def test_job_waits_in_the_outbox_while_the_broker_is_down_and_is_delivered_later(own_redis):
    app = _app(own_redis.url)
    own_redis.stop()

    with transaction.atomic():
        message = outbox_enqueue(task_name="core.flush_request_log", queue="probe", app=app)

    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error

    own_redis.start()
    assert outbox_drain(app=app) == 1

    message.refresh_from_db()
    assert message.sent_at is not None
    assert redis.Redis.from_url(own_redis.url).llen("probe") == 1
    assert outbox_drain(app=app) == 0  # nothing is sent twice


def test_a_rolled_back_transaction_leaves_no_job(own_redis):
    app = _app(own_redis.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task_name="core.flush_request_log", queue="probe", app=app)
        raise RuntimeError("form failed")
    assert OutboxMessage.objects.count() == 0
    assert redis.Redis.from_url(own_redis.url).llen("probe") == 0
