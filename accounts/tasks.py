from celery import shared_task

from accounts.personnel_import import services


@shared_task(name="accounts.validate_personnel_import")
def validate_personnel_import(import_id: int) -> str:
    return services.personnel_import_validate(import_id=import_id).status


@shared_task(name="accounts.apply_personnel_import")
def apply_personnel_import(import_id: int) -> str:
    return services.personnel_import_execute(import_id=import_id).status


@shared_task(name="accounts.apply_due_personnel_imports")
def apply_due_personnel_imports() -> list[int]:
    return services.personnel_imports_apply_due()
