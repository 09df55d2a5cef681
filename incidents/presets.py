"""The contract milestones of both presets (../shared/domain.md)."""

from datetime import date

PRESETS = {
    "sendai": (
        date(2024, 4, 1),
        [
            ("first_report", "第一報（市への通知）", "認知", "市へ通知", 30, "minutes"),
            ("initial_plan", "初動方針通知", "市へ通知", "対応予定日時の通知", 60, "minutes"),
            ("full_response", "本格対応通知", "市へ通知", "一次回答", 48 * 60, "minutes"),
            ("recovery", "復旧", "認知", "復旧", 0, "agreed"),
        ],
    ),
    "kobe": (
        date(2025, 6, 2),
        [
            ("notification", "市への通知", "検知", "市へ通知", 3 * 60, "minutes"),
            ("isolation", "一次切り分け", "障害発生", "切り分け完了", 12 * 60, "minutes"),
            ("fix_plan", "修正目標・計画の提示", "障害発生", "計画の提示", 3, "business_days"),
            ("interruption", "オンライン中断", "停止開始", "停止終了", 6 * 60, "minutes"),
        ],
    ),
}


def ensure_milestone_presets(apps) -> None:
    """Create the shipped milestones where missing (migration, demo, tests that flush)."""
    Definition = apps.get_model("incidents", "MilestoneDefinition")
    for profile, (valid_from, rows) in PRESETS.items():
        for order, (code, name, start, stop, target, unit) in enumerate(rows):
            Definition.objects.get_or_create(
                profile=profile,
                code=code,
                valid_from=valid_from,
                defaults={
                    "name": name,
                    "start_event": start,
                    "stop_event": stop,
                    "target": target,
                    "unit": unit,
                    "order": order,
                },
            )
