"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知."""

from celery import shared_task

__all__ = ["registry_send_due_warnings"]

DUE_WARNINGS_TASK = "ops.tasks.registry.send_due_warnings"


@shared_task(name=DUE_WARNINGS_TASK, ignore_result=True)
def registry_send_due_warnings() -> int:
    """Daily (08:00 JST): mail vendor staff about virus definitions, patches and licences
    due soon or overdue, once per item and level."""
    from ops.services.registry import due_warnings_send

    return due_warnings_send()
