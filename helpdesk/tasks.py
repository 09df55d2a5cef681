from celery import shared_task


@shared_task(name="helpdesk.poll_mailbox", ignore_result=True)
def poll_mailbox() -> int:
    """Take in the desk mailbox's unseen mail (beat, every 120 s; off without HELPDESK_IMAP_URL)."""
    from helpdesk.mailbox import poll_imap

    return poll_imap()
