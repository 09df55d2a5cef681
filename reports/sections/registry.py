"""The sections of 図表7-1 in the order the report prints them."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from reports.sections.base import Period, Section


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    builder: str  # "module:function" under reports.sections

    def build(self, period: Period) -> Section:
        module, func = self.builder.split(":")
        fn: Callable[[Period], Section] = getattr(
            importlib.import_module(f"reports.sections.{module}"), func
        )
        return fn(period)


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("service_hours", "サービス提供時間（停止内訳）", "service:service_hours"),
    SectionSpec(
        "maintenance", "保守作業状況（作業実績・死活監視・ログ監視）", "service:maintenance"
    ),
    SectionSpec("incident_monitoring", "障害監視状況", "service:incident_monitoring"),
    SectionSpec(
        "security",
        "セキュリティ（パターンファイル更新・ウイルス検知・パッチ適用）",
        "security:security",
    ),
    SectionSpec(
        "configuration",
        "構成管理（ソフトウェア・ライセンス・ドキュメント）",
        "security:configuration",
    ),
    SectionSpec(
        "backups", "バックアップ（ジョブ結果・ディスク容量・媒体在庫）", "security:backups"
    ),
    SectionSpec("resources", "リソース（ログイン・機能別アクセス・サーバ資源）", "usage:resources"),
    SectionSpec("qa", "Q&A（所管課・一般利用者・問合せ件数の推移）", "usage:qa"),
    SectionSpec("batch", "バッチ処理状況", "security:batch"),
    SectionSpec("proposals", "改善提案", "plans:proposals"),
    SectionSpec("sla", "SLA実績", "plans:sla_results"),
    SectionSpec("support_work", "技術支援・作業実績", "usage:support_work"),
    SectionSpec("next_month", "翌月の予定", "plans:next_month"),
    SectionSpec("troubles", "トラブル報告", "service:troubles"),
    SectionSpec("investigations", "調査結果・完了報告", "usage:investigations"),
)
