"""Synthetic help-desk volume for load tests: years of inquiries, slips and FAQ.

Called by ``manage.py seed_helpdesk_volume``. Everything is made up: the texts are
assembled from phrase pools about operating the system (ログインできない,
帳票が印刷できない, 権限の変更依頼, 検索が遅い …), callers are made-up names in the
demo city's (non-vendor) org units, contacts are extensions and example.jp
addresses. Rows are written with PostgreSQL COPY (psycopg 3) in one transaction;
simple-history rows are deliberately not written for this bulk load (the history
of these rows is empty). The tables are ANALYZEd at the end.

The generator is deterministic for a given ``seed``, database state and clock.

Shape of the data (defaults: 100,000 inquiries, 10,000 slips, 2,000 FAQ, 5 years):

- inquiries rise over the years (x1.5) with a peak in April/May (人事異動);
  channels phone 50 % / mail 35 % / counter 8 % / other 7 %; phone, counter and
  other in desk hours on business days (core.calendar), a third of the mail at
  any hour (nights, weekends); numbered ``Q{令和}-{seq:05d}`` after the highest
  sequence already used in each fiscal year (same advisory lock as the services);
  due_at/due_explanation by ``core.calendar.deadline_after_business_minutes``
  (one shared calendar snapshot, cached per receipt time);
- ~95 % answered or closed (answered_at after received_at, most within the desk
  day); the rest still open: recent ones, some forgotten ones (期限超過), and
  those waiting for an open slip (連絡票起票);
- slips (``R{令和}-{seq:04d}``) raised from 10 % of the inquiries (faults and data
  fixes more often), each with 1-3 countermeasures (暫定/恒久) owned by vendor
  staff 900007/900008 and 100374-100389; most closed with a judgement;
- FAQ drafted from answered inquiries (question = 件名 + 内容, as the service
  does), 80 % published, linked to their source and to some later inquiries
  on the same topic.

search_text is filled by the services' own functions (inquiry_search_text,
slip_search_text, faq_search_text), so the bulk rows are found exactly like
rows created through the screens.
"""

from __future__ import annotations

import bisect
import math
import random
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg import sql

from accounts.demo import GIVEN, SURNAMES
from accounts.models import OrgUnit, User
from accounts.selectors import valid_on
from core.calendar import BusinessCalendar, using_calendar
from core.numbering import lock_fiscal_year
from core.profiles import current_profile
from core.timeutil import JST, fiscal_year, reiwa
from helpdesk import services
from helpdesk.models import Category, Faq, Inquiry, LiaisonSlip

# A load leaves a note on helpdesk_inquiry (COMMENT ON TABLE) naming its first row,
# so a second run can tell that the volume is still there.
MARKER = "seed_helpdesk_volume:"
MARKER_REF = re.compile(r"\[first (\d+) (\S+)\]")
TABLES = ["helpdesk_faq", "helpdesk_inquiry", "helpdesk_liaisonslip", "helpdesk_countermeasure"]

# Desk staff: demo logins 900007 (operator) / 900008 (manager), and the vendor team.
DESK_STAFF = ["900007", "900008", *(str(n) for n in range(100374, 100390))]

DAY = 86400.0

CHANNELS = (["phone", "mail", "counter", "other"], [50, 35, 8, 7])
NIGHT_MAIL_SHARE = 0.35  # of the mail: any hour of any day
GROWTH = 0.5  # the last year has 1.5x the inquiries of the first
SEASON = {4: 1.6, 5: 1.3, 6: 1.0, 7: 1.0, 8: 0.8, 9: 1.0, 10: 1.0, 11: 1.0, 12: 0.9, 1: 0.9, 2: 1.0, 3: 1.2}  # fmt: skip

# (category name, subjects, details, answers). Category names are those of
# migration 0002; categories an admin added get the その他 topics.
TOPICS = [
    (
        "ログイン・権限",
        ["ログインできない", "システムにログインできない", "ログイン時にエラーが表示される"],
        [
            "職員番号とパスワードを入力すると「認証に失敗しました」と表示され、ログインできません。",
            "昨日までは問題なくログインできていましたが、今朝からログイン画面から先に進めません。",
            "ログインボタンを押すと画面が白くなり、そのまま応答がありません。",
            "同じ係の他の職員はログインできています。",
        ],
        [
            "パスワードの有効期限が切れていたため、再設定の手順をご案内し、ログインできることを確認しました。",
            "ブラウザに古い情報が残っていたため、キャッシュの削除をご案内したところ、ログインできるようになりました。",
            "端末の時刻が大きくずれていたため、情報政策課に時刻の同期を依頼し、解消しました。",
        ],
    ),
    (
        "ログイン・権限",
        ["パスワードを忘れた", "パスワードの再設定依頼"],
        [
            "パスワードを失念したため、再設定をお願いします。",
            "パスワードの変更画面で新しいパスワードが受け付けられません。",
            "パスワードの入力を何度か間違えてしまいました。",
        ],
        [
            "本人確認のうえ仮パスワードを発行し、初回ログイン時に変更いただくようご案内しました。",
            "パスワードは12文字以上で英字と数字を含める必要があることをご案内し、変更できました。",
        ],
    ),
    (
        "ログイン・権限",
        ["アカウントがロックされた", "アカウントロックの解除依頼"],
        [
            "パスワードを5回間違えたため、アカウントがロックされてしまいました。",
            "「アカウントがロックされています」と表示され、ログインできません。",
        ],
        [
            "ロックを解除し、ログインできることを確認しました。",
            "ロックは30分後に自動で解除される仕様であることをご説明し、解除後にログインできたことを確認しました。",
        ],
    ),
    (
        "ログイン・権限",
        ["権限の変更依頼", "閲覧権限の追加依頼", "権限の削除依頼"],
        [
            "担当業務の変更に伴い、ケース記録の閲覧権限を追加していただきたい。",
            "兼務の発令があったため、相談第二係のケースも閲覧できるよう権限を変更してください。",
            "担当を外れた職員の権限を削除してください。",
        ],
        [
            "権限変更の申請書を受領し、本日付で権限を変更しました。",
            "権限の変更には所属長の承認が必要なため、申請書の様式をお送りしました。受領後に変更します。",
        ],
    ),
    (
        "ログイン・権限",
        ["異動者の権限設定", "人事異動に伴うアカウント設定"],
        [
            "4月1日付の人事異動で転入した職員のアカウントが使えません。",
            "異動前の所属の画面が表示され、新しい所属のケースが見られません。",
        ],
        [
            "人事異動データの取込みが済んでいなかったため、取込みを行い、新しい所属で利用できることを確認しました。",
            "異動者の所属と権限を更新しました。再ログイン後に反映されます。",
        ],
    ),
    (
        "帳票・印刷",
        ["帳票が印刷できない", "児童記録票が印刷できない", "帳票の印刷でエラーになる"],
        [
            "児童記録票の印刷ボタンを押しても反応がありません。",
            "印刷プレビューは表示されますが、プリンタから出力されません。",
            "帳票出力の画面で「帳票の作成に失敗しました」と表示されます。",
        ],
        [
            "端末の既定のプリンタが別の機器になっていたため、設定を変更していただき、印刷できることを確認しました。",
            "帳票サーバの一時的な高負荷によるものでした。時間をおいて再度お試しいただき、印刷できました。",
            "ポップアップブロックが有効になっていたため、設定の変更手順をご案内しました。",
        ],
    ),
    (
        "帳票・印刷",
        ["PDFが文字化けする", "帳票の文字化け"],
        [
            "出力したPDFの氏名欄の一部の文字が文字化けしています。",
            "外字を含む氏名が「〓」で表示されます。",
        ],
        [
            "外字が登録されていない文字でした。外字を登録し、正しく出力されることを確認しました。",
            "PDF閲覧ソフトのフォント設定によるものでした。設定方法をご案内しました。",
        ],
    ),
    (
        "帳票・印刷",
        ["印刷レイアウトがずれる", "帳票の印字位置のずれ"],
        [
            "通知書を印刷すると、宛名が枠からはみ出してしまいます。",
            "用紙サイズがA4ではなくレターになっているようで、下の部分が切れます。",
        ],
        [
            "プリンタの用紙設定がレターになっていたため、A4への変更をご案内しました。",
            "ブラウザの印刷設定で余白と倍率を既定に戻していただき、解消しました。",
        ],
    ),
    (
        "帳票・印刷",
        ["帳票の様式変更の依頼", "通知書の文言修正依頼"],
        [
            "国の通知により通知書の様式が変わるため、対応をお願いしたい。",
            "決定通知書の問合せ先の電話番号が古いままになっています。",
        ],
        [
            "様式の変更は作業依頼として受け付けました。見積と影響範囲を確認のうえご連絡します。",
            "問合せ先の電話番号はマスタから変更できるため、変更手順をご案内しました。",
        ],
    ),
    (
        "操作方法",
        ["経過記録の入力方法", "経過記録の登録方法について"],
        [
            "経過記録を途中まで入力して一時保存する方法を教えてください。",
            "過去の経過記録を修正する方法が分かりません。",
            "面接と家庭訪問を同じ日に記録する場合の入力方法を教えてください。",
        ],
        [
            "画面下部の「一時保存」ボタンで保存できます。操作マニュアルの該当ページをお送りしました。",
            "確定済みの経過記録は修正履歴が残る形で訂正できます。手順をご説明しました。",
        ],
    ),
    (
        "操作方法",
        ["相談受付の登録手順", "新規相談の登録方法"],
        [
            "夜間に受けた電話相談を翌日に登録する場合、受付日時はどう入力すればよいですか。",
            "同じ児童の二件目の相談を登録する手順を教えてください。",
        ],
        [
            "受付日時には実際に相談を受けた日時を入力してください。登録日時は自動で記録されます。",
            "児童を検索して既存の人物を選んでから相談を登録してください。二重登録を防げます。",
        ],
    ),
    (
        "操作方法",
        ["添付ファイルの登録方法", "ファイルを添付できない"],
        [
            "医療機関からの意見書をスキャンして登録したいのですが、方法が分かりません。",
            "ファイルを選択しても添付されません。",
        ],
        [
            "添付できるファイルはPDFと画像で、1ファイル20MBまでです。手順をご案内しました。",
            "ファイル名に使えない記号が含まれていたため、名前を変更して添付できました。",
        ],
    ),
    (
        "操作方法",
        ["ケース検索の使い方", "検索条件の指定方法"],
        [
            "フリガナの一部で検索する方法を教えてください。",
            "生年月日と氏名を組み合わせて検索できますか。",
        ],
        [
            "フリガナはひらがな・カタカナのどちらでも部分一致で検索できます。",
            "氏名と生年月日を同時に指定すると、両方に一致するケースだけが表示されます。",
        ],
    ),
    (
        "データ修正依頼",
        ["誤登録の削除依頼", "相談の削除依頼"],
        [
            "誤って同じ相談を二重登録してしまったため、片方を削除してください。",
            "別の児童の記録に経過記録を登録してしまいました。",
        ],
        [
            "二重登録の一方を削除し、残した記録に経過記録を移しました。",
            "誤登録の経過記録を正しいケースに移し、作業結果を報告書でお送りしました。",
        ],
    ),
    (
        "データ修正依頼",
        ["生年月日の修正依頼", "人物情報の修正依頼"],
        [
            "児童の生年月日の登録に誤りがありました。",
            "保護者の氏名の漢字が誤っています。",
        ],
        [
            "生年月日を修正し、関連する帳票に反映されたことを確認しました。",
            "修正は画面から可能なため、操作手順をご案内しました。",
        ],
    ),
    (
        "データ修正依頼",
        ["住所変更の反映依頼", "転居の反映について"],
        [
            "転居した世帯の住所が古いままになっています。",
            "区をまたぐ転居の場合、担当区はどう変更すればよいですか。",
        ],
        ["住所を更新し、担当区の変更手順もあわせてご案内しました。"],
    ),
    (
        "データ修正依頼",
        ["担当者の付け替え依頼", "担当の一括変更"],
        [
            "退職した職員が担当していたケースを、後任に一括で付け替えてください。",
            "育児休業に入る職員の担当ケースを係内で振り分けたい。",
        ],
        [
            "担当の一括変更を作業依頼として受け付け、本日実施しました。",
            "係長の画面から担当を変更できます。手順をご案内しました。",
        ],
    ),
    (
        "障害・不具合",
        ["検索が遅い", "ケース検索に時間がかかる"],
        [
            "ケース検索の結果が表示されるまで30秒以上かかります。",
            "午前中は特に検索が遅く、業務に支障が出ています。",
            "検索中にタイムアウトのエラーが表示されました。",
        ],
        [
            "夜間バッチの処理が業務時間にずれ込んでいたことが原因でした。処理時刻を見直しました。",
            "検索条件に一致する件数が多すぎたためでした。条件を追加していただくようご案内しました。",
        ],
    ),
    (
        "障害・不具合",
        ["画面が真っ白になる", "画面が表示されない"],
        [
            "メニューから相談一覧を選ぶと、画面が真っ白になります。",
            "ブラウザを再起動しても症状が変わりません。",
        ],
        [
            "ブラウザの更新後に古いキャッシュが残っていたことが原因でした。",
            "特定のデータで表示処理が異常終了する不具合でした。修正版を適用しました。",
        ],
    ),
    (
        "障害・不具合",
        ["エラーメッセージが表示される", "保存時にエラーになる"],
        [
            "保存ボタンを押すと「予期しないエラーが発生しました」と表示されます。",
            "入力した内容が消えてしまい、再入力が必要になりました。",
        ],
        [
            "他の職員と同時に同じ記録を更新したためでした。画面を開き直して再度保存いただきました。",
            "入力欄の文字数の上限を超えていました。分割して登録いただくようご案内しました。",
        ],
    ),
    (
        "障害・不具合",
        ["タイムアウトする", "セッションが切れる"],
        [
            "入力の途中でタイムアウトし、ログイン画面に戻されます。",
            "長い経過記録を入力していると、保存時にログアウトされてしまいます。",
        ],
        [
            "操作のない状態が続くと自動でログアウトされる仕様です。こまめに一時保存していただくようご案内しました。"
        ],
    ),
    (
        "統計・抽出",
        ["月報の数値が合わない", "統計の件数が合わない"],
        [
            "月報の相談受付件数が、係で集計した件数と合いません。",
            "福祉行政報告例の集計で、前月と比べて件数が大きく減っています。",
        ],
        [
            "集計は受付日を基準にしていることをご説明し、係の集計との差を確認しました。",
            "集計処理に不具合があったため、修正のうえ再集計しました。",
        ],
    ),
    (
        "統計・抽出",
        ["統計データの抽出依頼", "CSV出力の依頼"],
        [
            "議会答弁のため、過去5年間の虐待相談件数を区別に抽出していただきたい。",
            "相談種別ごとの件数をCSVで出力してほしい。",
        ],
        [
            "抽出を作業依頼として受け付け、結果のファイルを庁内メールでお送りしました。",
            "統計メニューからCSVで出力できることをご案内しました。",
        ],
    ),
    (
        "その他",
        ["操作研修の日程について", "研修の申込み"],
        [
            "新任職員向けの操作研修の日程を教えてください。",
            "研修資料の最新版をいただけますか。",
        ],
        [
            "次回の研修は来月上旬の予定です。日程が決まり次第ご案内します。",
            "研修資料の最新版をお送りしました。",
        ],
    ),
    (
        "その他",
        ["マニュアルの送付依頼", "操作マニュアルの最新版"],
        ["操作マニュアルの最新版の保存場所を教えてください。"],
        ["操作マニュアルは共有フォルダの所定の場所に掲載しています。"],
    ),
    (
        "その他",
        ["端末の入替えについて", "プリンタの入替え"],
        [
            "来月、区役所の端末を入れ替える予定です。事前に必要な作業を教えてください。",
            "新しいプリンタを設置したので、システムから使えるようにしたい。",
        ],
        [
            "端末の入替え時に必要な設定の一覧をお送りしました。",
            "プリンタの登録は情報政策課での作業が必要なため、依頼先をご案内しました。",
        ],
    ),
]
CATEGORY_WEIGHTS = {
    "操作方法": 25,
    "ログイン・権限": 22,
    "帳票・印刷": 15,
    "データ修正依頼": 12,
    "障害・不具合": 12,
    "統計・抽出": 8,
    "その他": 6,
}
# How much more often an inquiry of the category becomes a liaison slip.
SLIP_WEIGHTS = {"障害・不具合": 5, "データ修正依頼": 3, "帳票・印刷": 1.5, "統計・抽出": 1}

OPENERS = [
    "",
    "",
    "お疲れさまです。",
    "お世話になっております。",
    "いつもお世話になっております。",
    "{unit}の{name}です。",
    "{unit}です。",
]
CIRCUMSTANCES = [
    "",
    "",
    "本日9時頃から発生しています。",
    "昨日の夕方から同じ状態です。",
    "係の複数の職員で同じ現象が起きています。",
    "私の端末だけで発生しているようです。",
    "先週から何度か起きています。",
    "端末を再起動しても改善しません。",
]
REQUESTS = [
    "",
    "至急対応をお願いします。",
    "確認をお願いします。",
    "対応方法を教えてください。",
    "お手数ですがよろしくお願いします。",
    "急ぎではありません。",
]
ANSWER_CLOSINGS = [
    "",
    "",
    "同様の事象が続く場合は、再度ご連絡ください。",
    "ご不便をおかけしました。",
    "手順書をメールでお送りしました。",
    "電話で回答しました。",
]

TRIAGES = [
    "利用者の端末で事象の再現を確認した。",
    "検証環境で同じ操作を行い、事象を再現した。",
    "サーバのログを確認し、該当時刻のエラーを特定した。",
    "他の所属では発生していないことを確認した。",
    "操作手順を聞き取り、画面の遷移を確認した。",
]
JUDGEMENTS = (["operation", "defect", "data", "spec", "other"], [35, 25, 20, 12, 8])
CAUSES = {
    "spec": [
        "現行の仕様では対応していない運用であった。仕様追加として検討する。",
        "国の様式改正に伴う仕様変更が必要である。",
    ],
    "operation": [
        "操作手順の誤りによるものであった。",
        "画面の入力項目を取り違えたことによるものであった。",
    ],
    "data": [
        "登録時の入力誤りによるものであった。",
        "移行データの一部に誤りがあった。",
    ],
    "defect": [
        "特定の条件で保存処理が異常終了する不具合であった。",
        "帳票作成処理で外字の変換に失敗する不具合であった。",
        "検索処理で索引が使われない条件があり、応答が遅延していた。",
    ],
    "other": [
        "ネットワーク機器の一時的な障害によるものであった。",
        "端末の設定によるものであった。",
    ],
}
MEASURES = {
    "provisional": [
        "回避手順を利用者に案内した。",
        "該当データを手作業で修正した。",
        "一時的に設定を変更し、運用で回避する。",
        "影響のある所属に注意喚起の連絡を行った。",
    ],
    "permanent": [
        "プログラムを修正し、次回の定期リリースで適用する。",
        "操作マニュアルに注意事項を追記する。",
        "入力チェックを追加して誤登録を防止する。",
        "FAQに掲載し、研修で周知する。",
        "仕様変更として作業依頼を起票し、見積を提示する。",
    ],
}

# Words a desk operator types into the keyword search (2-6 characters, kana and
# kanji), all taken from the pools above; bench/helpdesk.py draws from them.
KEYWORDS = [
    "ログイン",
    "パスワード",
    "ロック",
    "エラー",
    "タイムアウト",
    "プリンタ",
    "マニュアル",
    "できない",
    "ずれる",
    "権限",
    "異動",
    "印刷",
    "帳票",
    "通知書",
    "文字化け",
    "経過記録",
    "添付",
    "検索",
    "削除",
    "生年月日",
    "住所",
    "担当",
    "遅い",
    "画面",
    "月報",
    "統計",
    "抽出",
    "研修",
    "端末",
    "印刷できない",
]


class VolumeError(Exception):
    """The load cannot run (missing demo data, bad sizes, or volume already loaded)."""


@dataclass(slots=True)
class Topic:
    key: int
    category_id: int | None
    subjects: list[str]
    details: list[str]
    answers: list[str]
    slip_weight: float


@dataclass(slots=True)
class PlannedInquiry:
    received: datetime
    channel: str
    topic: Topic
    unit: tuple[int, str] | None
    caller_name: str
    subject: str
    content: str
    answer: str = ""
    answered: datetime | None = None
    status: str = Inquiry.Status.RECEIVED
    handled_by: int | None = None
    due: datetime | None = None
    due_explanation: str = ""
    faq: int | None = None  # index into the planned FAQ
    slip: PlannedSlip | None = None
    fy: int = 0
    seq: int = 0
    pk: int = 0


@dataclass(slots=True)
class PlannedSlip:
    inquiry: PlannedInquiry
    raised: datetime
    raised_by: int
    status: str
    judgement: str = ""
    triage: str = ""
    cause: str = ""
    replied_on: date | None = None
    closed: datetime | None = None
    measures: list[tuple] = field(default_factory=list)  # (kind, text, owner, due, status, done)
    fy: int = 0
    seq: int = 0
    pk: int = 0


@dataclass(slots=True)
class PlannedFaq:
    source: PlannedInquiry
    created: datetime
    status: str
    published: datetime | None
    updated: datetime


class HelpdeskVolumeLoader:
    def __init__(
        self,
        *,
        inquiries: int,
        slips: int,
        faqs: int,
        years: int,
        seed: int,
        stdout,
        force: bool = False,
        now: datetime | None = None,
    ):
        if inquiries < 1 or not 0 <= slips <= inquiries or faqs < 0 or years < 1:
            raise VolumeError(
                "件数が不正です（問合せ >= 1、0 <= 連絡票 <= 問合せ、FAQ >= 0、年数 >= 1）。"
            )
        self.n_inquiries = inquiries
        self.n_slips = slips
        self.n_faqs = faqs
        self.years = years
        self.seed = seed
        self.force = force
        self.out = stdout
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.now = (now or timezone.now()).astimezone(JST).replace(microsecond=0)
        self.current_fy = fiscal_year(self.now)
        self.first_fy = self.current_fy - years + 1
        self.start = datetime(self.first_fy, 4, 1, tzinfo=JST)
        self.counts: dict[str, int] = {}
        self._t0 = time.perf_counter()

    # --- output ----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.out.write(f"[{time.perf_counter() - self._t0:7.1f} s] {text}")

    def _phase(self, label: str, rows: int, started: float) -> None:
        self.counts[label] = self.counts.get(label, 0) + rows
        secs = time.perf_counter() - started
        rate = rows / secs if secs > 0 else 0
        self._say(f"{label}: {rows:,} 行 {secs:.1f} 秒 ({rate:,.0f} 行/秒)")

    # --- checks and context ------------------------------------------------------------

    @staticmethod
    def existing_marker() -> str | None:
        """The note left on helpdesk_inquiry by an earlier load, if its data is still there."""
        with connection.cursor() as cur:
            cur.execute("SELECT obj_description('helpdesk_inquiry'::regclass, 'pg_class')")
            comment = cur.fetchone()[0] or ""
        if not comment.startswith(MARKER):
            return None
        ref = MARKER_REF.search(comment)
        if ref:  # the first inquiry that load wrote, by id and number
            return (
                comment if Inquiry.objects.filter(pk=int(ref[1]), number=ref[2]).exists() else None
            )
        return comment if Inquiry.objects.exists() else None

    def _load_context(self, cal: BusinessCalendar) -> None:
        self.cal = cal
        self.answer_minutes = current_profile().inquiry_answer_minutes
        staff = dict(
            User.objects.filter(employee_number__in=DESK_STAFF).values_list("employee_number", "pk")
        )
        self.staff = [staff[n] for n in DESK_STAFF if n in staff]
        if not self.staff:
            raise VolumeError(
                "委託事業者の職員（900007 など）がいません。先に `manage.py seed_demo` を実行してください。"
            )
        today = self.now.date()
        units = list(
            OrgUnit.objects.filter(valid_on(today))
            .exclude(kind=OrgUnit.Kind.VENDOR)
            .order_by("code")
            .values_list("pk", "name", "kind")
        )
        if not units:
            raise VolumeError(
                "問合せ元の組織がありません。先に `manage.py seed_demo` を実行してください。"
            )
        # The ward offices are the city's first-tier desk: most calls come from there.
        self.units = [(pk, name) for pk, name, _ in units]
        self.unit_weights = [4 if kind == OrgUnit.Kind.WARD else 1 for _, _, kind in units]
        categories = dict(Category.objects.filter(active=True).values_list("name", "pk"))
        known = {name for name, *_ in TOPICS}
        self.topics: list[Topic] = []
        weights: list[float] = []
        for name, subjects, details, answers in TOPICS:
            ids = [categories[name]] if name in categories else []
            if name == "その他":  # categories an admin added get the general topics
                ids += [pk for n, pk in categories.items() if n not in known]
            for category_id in ids or [None]:
                self.topics.append(
                    Topic(
                        key=len(self.topics),
                        category_id=category_id,
                        subjects=subjects,
                        details=details,
                        answers=answers,
                        slip_weight=SLIP_WEIGHTS.get(name, 0.4),
                    )
                )
                per_topic = CATEGORY_WEIGHTS[name] / sum(1 for t in TOPICS if t[0] == name)
                weights.append(per_topic / max(len(ids), 1))
        self.topic_cum = _cumulative(weights)
        self.names = [f"{s} {g}" for s, _ in SURNAMES for g, _ in GIVEN]
        self._due_cache: dict[datetime, tuple[datetime, str]] = {}

    # --- planning ---------------------------------------------------------------------

    def _received(self, channel: str) -> datetime:
        """A receipt time: more each year and in April/May; desk hours on business days,
        except a share of the mail, which comes at any hour."""
        rng, cal = self.rng, self.cal
        span = (self.now - self.start).total_seconds()
        top = max(SEASON.values())
        g = GROWTH
        latest = self.now - timedelta(minutes=2)
        while True:
            u = rng.random()
            x = (math.sqrt(1 + 2 * g * u * (1 + g / 2)) - 1) / g  # linear ramp density
            day = (self.start + timedelta(seconds=x * span)).date()
            if rng.random() * top > SEASON[day.month]:
                continue
            if channel == "mail" and rng.random() < NIGHT_MAIL_SHARE:
                at = datetime.combine(day, clock(0), tzinfo=JST) + timedelta(
                    seconds=rng.randrange(86400)
                )
            else:
                if not cal.is_business_day(day):
                    day = cal.next_business_day(day)
                opens, closes = cal.hours_in_force(day)
                start = datetime.combine(day, opens, tzinfo=JST)
                length = (datetime.combine(day, closes, tzinfo=JST) - start).total_seconds()
                # busier in the morning
                offset = rng.triangular(0, length - 60, length * 0.25)
                seconds = int(offset) if channel == "mail" else int(offset) // 60 * 60
                at = start + timedelta(seconds=seconds)
            if self.start <= at <= latest:
                return at

    def _due(self, received: datetime) -> tuple[datetime, str]:
        hit = self._due_cache.get(received)
        if hit is None:
            deadline = self.cal.deadline_after_business_minutes(received, self.answer_minutes)
            hit = self._due_cache[received] = (deadline.due, deadline.explanation[:500])
        return hit

    def _topic(self) -> Topic:
        return self.topics[_bisect(self.topic_cum, self.rng.random())]

    def _content(self, topic: Topic, unit_name: str, name: str) -> str:
        rng = self.rng
        details = rng.sample(topic.details, k=min(len(topic.details), rng.choice([1, 1, 2])))
        parts = [
            rng.choice(OPENERS).format(unit=unit_name or "", name=name.split(" ")[0]),
            *details,
            rng.choice(CIRCUMSTANCES),
            rng.choice(REQUESTS),
        ]
        return "".join(parts)

    def _answer(self, topic: Topic) -> str:
        rng = self.rng
        return rng.choice(topic.answers) + rng.choice(ANSWER_CLOSINGS)

    def _answer_delay(self) -> float:
        """Business minutes from receipt to answer: most within the desk day."""
        rng = self.rng
        r = rng.random()
        if r < 0.55:
            return rng.uniform(5, 120)
        if r < 0.85:
            return rng.uniform(120, self.answer_minutes)
        if r < 0.97:
            return rng.uniform(self.answer_minutes, 3 * self.answer_minutes)
        return rng.uniform(3 * self.answer_minutes, 10 * self.answer_minutes)

    def plan_inquiries(self) -> list[PlannedInquiry]:
        rng = self.rng
        rows = []
        for _ in range(self.n_inquiries):
            channel = rng.choices(*CHANNELS)[0]
            received = self._received(channel)
            topic = self._topic()
            unit = rng.choices(self.units, self.unit_weights)[0]
            name = rng.choice(self.names)
            subject = rng.choice(topic.subjects)
            rows.append(
                PlannedInquiry(
                    received=received,
                    channel=channel,
                    topic=topic,
                    unit=unit,
                    caller_name=name,
                    subject=subject,
                    content=self._content(topic, unit[1], name),
                )
            )
        rows.sort(key=lambda i: i.received)
        for inquiry in rows:
            inquiry.due, inquiry.due_explanation = self._due(inquiry.received)
            self._shape_answer(inquiry)
        return rows

    def _shape_answer(self, inquiry: PlannedInquiry) -> None:
        """Answered (most), or still open: too recent, or forgotten (期限超過)."""
        rng, S = self.rng, Inquiry.Status
        answered = self.cal.add_business_minutes(inquiry.received, self._answer_delay())
        answered += timedelta(seconds=rng.randrange(60))
        age_days = (self.now - inquiry.received).total_seconds() / DAY
        forgotten = 0.03 if age_days > 365 else 0.05 if age_days > 30 else 0.1
        if answered > self.now or rng.random() < forgotten:
            inquiry.status = rng.choice([S.RECEIVED, S.INVESTIGATING, S.INVESTIGATING])
            if inquiry.status == S.INVESTIGATING:
                inquiry.handled_by = rng.choice(self.staff)
            return
        inquiry.answer = self._answer(inquiry.topic)
        inquiry.answered = answered
        inquiry.handled_by = rng.choice(self.staff)
        settled = (self.now - answered).total_seconds() / DAY > 14
        inquiry.status = S.CLOSED if rng.random() < (0.85 if settled else 0.4) else S.ANSWERED

    def plan_slips(self, inquiries: list[PlannedInquiry]) -> list[PlannedSlip]:
        """Slips from n inquiries, faults and data fixes more often (weighted sampling
        without replacement: the n largest u ** (1 / w))."""
        rng = self.rng
        latest = self.now - timedelta(minutes=30)
        keyed = [
            (rng.random() ** (1 / i.topic.slip_weight), k)
            for k, i in enumerate(inquiries)
            if i.received <= latest
        ]
        keyed.sort(reverse=True)
        chosen = sorted(k for _, k in keyed[: self.n_slips])
        if len(chosen) < self.n_slips:  # tiny sizes: take the most recent ones too
            rest = sorted(set(range(len(inquiries))) - set(chosen))
            chosen = sorted(chosen + rest[: self.n_slips - len(chosen)])
        slips = [self._plan_slip(inquiries[k]) for k in chosen]
        slips.sort(key=lambda s: s.raised)
        return slips

    def _plan_slip(self, inquiry: PlannedInquiry) -> PlannedSlip:
        rng, cal, S = self.rng, self.cal, LiaisonSlip.Status
        raised = cal.add_business_minutes(inquiry.received, rng.uniform(30, 1050))
        raised = max(min(raised, self.now - timedelta(minutes=1)), inquiry.received)
        age_days = (self.now - raised).total_seconds() / DAY
        p_closed = (
            0.97 if age_days > 90 else 0.7 if age_days > 30 else 0.35 if age_days > 7 else 0.05
        )
        closed = rng.random() < p_closed
        slip = PlannedSlip(
            inquiry=inquiry,
            raised=raised,
            raised_by=inquiry.handled_by or rng.choice(self.staff),
            # a slip with countermeasures is at least 対応中 (countermeasure_add)
            status=S.CLOSED if closed else rng.choice([S.IN_PROGRESS, S.IN_PROGRESS, S.REPLIED]),
        )
        inquiry.slip = slip
        if closed or rng.random() < 0.8:
            slip.triage = rng.choice(TRIAGES)
        if closed or rng.random() < (0.7 if slip.status == S.REPLIED else 0.3):
            slip.judgement = rng.choices(*JUDGEMENTS)[0]
            slip.cause = rng.choice(CAUSES[slip.judgement])
        raised_day = raised.date()
        today = self.now.date()
        if closed:
            life = rng.uniform(0.5, min(60.0, max(age_days, 0.5)))
            slip.closed = min(raised + timedelta(days=life), self.now - timedelta(seconds=30))
            last_day = slip.closed.date()
        else:
            last_day = today
        if slip.status in (S.REPLIED, S.CLOSED):
            slip.replied_on = raised_day + timedelta(
                days=rng.randint(0, max((last_day - raised_day).days, 0))
            )
        kinds = ["provisional", *(["permanent"] * rng.choices([0, 1, 2], [40, 45, 15])[0])]
        for kind in kinds:
            due = raised_day + timedelta(
                days=rng.randint(3, 14) if kind == "provisional" else rng.randint(14, 90)
            )
            if closed:
                status = "done"
            elif kind == "provisional":
                status = "done" if rng.random() < 0.7 else "doing"
            else:
                status = rng.choices(["todo", "doing", "done"], [30, 40, 30])[0]
            done = None
            if status == "done":
                done = raised_day + timedelta(
                    days=rng.randint(0, max((last_day - raised_day).days, 0))
                )
            slip.measures.append(
                (kind, rng.choice(MEASURES[kind]), rng.choice(self.staff), due, status, done)
            )
        # the inquiry: escalated while the slip is open; answered/closed once it is done
        IS = Inquiry.Status
        if inquiry.answered is None and rng.random() < 0.6:
            # a first answer (暫定回答) given before or after raising the slip
            answered = inquiry.received + timedelta(minutes=rng.uniform(10, 240))
            if answered <= self.now:
                inquiry.answered = answered
                inquiry.answer = self._answer(inquiry.topic)
                inquiry.handled_by = inquiry.handled_by or slip.raised_by
        if not closed:
            inquiry.status = IS.ESCALATED
        elif inquiry.answer:
            inquiry.status = IS.CLOSED if rng.random() < 0.7 else IS.ANSWERED
        else:
            inquiry.status = IS.CLOSED
        return slip

    def plan_faqs(self, inquiries: list[PlannedInquiry]) -> list[PlannedFaq]:
        """FAQ drafted from answered inquiries; 80 % published, 12 % draft, 8 % retired.
        Each is linked to its source, and published ones to some later inquiries of
        the same topic."""
        rng, F = self.rng, Faq.Status
        answered = [i for i in inquiries if i.answer]
        if not answered or not self.n_faqs:
            return []
        if len(answered) >= self.n_faqs:
            sources = rng.sample(answered, self.n_faqs)
        else:
            sources = rng.choices(answered, k=self.n_faqs)
        latest = self.now - timedelta(minutes=1)
        faqs = []
        for source in sorted(sources, key=lambda i: i.answered):
            created = min(source.answered + timedelta(days=rng.uniform(0, 14)), latest)
            status = rng.choices([F.PUBLISHED, F.DRAFT, F.RETIRED], [80, 12, 8])[0]
            published = None
            updated = created
            if status != F.DRAFT:
                published = min(created + timedelta(days=rng.uniform(0, 30)), latest)
                updated = published
                if status == F.RETIRED:
                    updated = min(published + timedelta(days=rng.uniform(30, 700)), latest)
            faqs.append(PlannedFaq(source, created, status, published, updated))
        by_topic: dict[int, list[tuple[datetime, int]]] = {}
        for k, faq in enumerate(faqs):
            faq.source.faq = k
            if faq.status == F.PUBLISHED:
                by_topic.setdefault(faq.source.topic.key, []).append((faq.published, k))
        for entries in by_topic.values():
            entries.sort()
        for inquiry in answered:
            if inquiry.faq is not None or rng.random() >= 0.1:
                continue
            entries = by_topic.get(inquiry.topic.key)
            if not entries:
                continue
            n = bisect.bisect_left(entries, (inquiry.answered, -1))
            if n:
                inquiry.faq = entries[rng.randrange(n)][1]
        return faqs

    # --- numbering (inside the transaction, after the advisory locks) ------------------

    @staticmethod
    def _number(rows, model, fmt: str) -> None:
        fys = sorted({r.fy for r in rows})
        last = dict(
            model.objects.filter(fiscal_year__in=fys)
            .values("fiscal_year")
            .annotate(m=Max("sequence"))
            .values_list("fiscal_year", "m")
        )
        taken = set(model.objects.filter(fiscal_year__in=fys).values_list("number", flat=True))
        for row in rows:  # in time order, so numbers follow the calendar
            seq = last.get(row.fy, 0) + 1
            while fmt.format(r=reiwa(row.fy), s=seq) in taken:
                seq += 1
            last[row.fy] = row.seq = seq

    # --- COPY ---------------------------------------------------------------------------

    @staticmethod
    def _reserve_ids(cur, table: str, n: int) -> int:
        """First id of a block of n ids nobody else can get (the table stays locked)."""
        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = cur.fetchone()[0]
        cur.execute(
            f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "  # noqa: S608 - catalog names
            f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {seq}))"
        )
        base = cur.fetchone()[0]
        if n:
            cur.execute("SELECT setval(%s, %s)", [seq, base + n])
        return base + 1

    @staticmethod
    def _copy(cur, table: str, columns: str, rows) -> int:
        n = 0
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
        return n

    def run(self) -> dict[str, int]:
        marker = self.existing_marker()
        if marker and not self.force:
            raise VolumeError(
                f"問合せの大量データは既に投入済みです（{_describe(marker)}）。"
                "追加で投入する場合は --force を指定してください。"
            )
        with using_calendar() as cal:
            self._load_context(cal)
            t = time.perf_counter()
            inquiries = self.plan_inquiries()
            slips = self.plan_slips(inquiries)
            faqs = self.plan_faqs(inquiries)
        S = Inquiry.Status
        done = sum(1 for i in inquiries if i.status in (S.ANSWERED, S.CLOSED))
        self._say(
            f"計画: 問合せ {len(inquiries):,} 件（回答済・クローズ {done / len(inquiries):.1%}）、"
            f"連絡票 {len(slips):,} 件、FAQ {len(faqs):,} 件、"
            f"{self.first_fy}〜{self.current_fy} 年度 {time.perf_counter() - t:.1f} 秒"
            f"（期限の計算 {len(self._due_cache):,} 通り）"
        )
        for row in inquiries:
            row.fy = fiscal_year(row.received)
        for row in slips:
            row.fy = fiscal_year(row.raised)
        with (
            transaction.atomic(),
            connection.cursor() as django_cursor,
            django_cursor.connection.cursor() as cur,
        ):
            for model, rows in ((Inquiry, inquiries), (LiaisonSlip, slips)):
                for fy in sorted({r.fy for r in rows}):
                    lock_fiscal_year(cur, model, fy)
            t = time.perf_counter()
            self._number(inquiries, Inquiry, "Q{r}-{s:05d}")
            self._number(slips, LiaisonSlip, "R{r}-{s:04d}")
            self._say(f"採番（年度ごとの最大連番の続き） {time.perf_counter() - t:.1f} 秒")
            faq_base = self._load_faqs(cur, faqs)
            self._load_inquiries(cur, inquiries, faq_base)
            self._load_slips(cur, slips)
            first = inquiries[0]
            earlier = MARKER_REF.search(marker) if marker else None
            ref = earlier[0] if earlier else f"[first {first.pk} {_inquiry_number(first)}]"
            summary = (
                f"{MARKER} {ref} {self.now:%Y-%m-%d %H:%M} JST seed={self.seed} "
                f"問合せ {len(inquiries):,} 件・連絡票 {len(slips):,} 件・FAQ {len(faqs):,} 件"
            )
            if marker:
                summary += f"（追加投入。以前: {_describe(marker)}）"
            cur.execute(
                sql.SQL("COMMENT ON TABLE helpdesk_inquiry IS {}").format(sql.Literal(summary))
            )
            t = time.perf_counter()
            for table in TABLES:
                cur.execute(f"ANALYZE {table}")
            self._say(f"ANALYZE {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")
            t = time.perf_counter()
        self._say(f"COMMIT {time.perf_counter() - t:.1f} 秒")
        return self.counts

    def vacuum(self) -> None:
        """VACUUM after commit (outside any transaction): visibility map, GIN pending lists."""
        t = time.perf_counter()
        with connection.cursor() as cur:
            for table in TABLES:
                cur.execute(f"VACUUM {table}")
        self._say(f"VACUUM {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")

    def _load_faqs(self, cur, faqs: list[PlannedFaq]) -> int:
        t = time.perf_counter()
        base = self._reserve_ids(cur, "helpdesk_faq", len(faqs))

        def rows():
            for k, faq in enumerate(faqs):
                source = faq.source
                question = f"{source.subject}\n{source.content}"[:4000]
                probe = SimpleNamespace(question=question, answer=source.answer)
                yield (
                    base + k,
                    question,
                    source.answer,
                    source.topic.category_id,
                    faq.status,
                    faq.published,
                    faq.created,
                    faq.updated,
                    services.faq_search_text(probe),
                    2 if faq.status == Faq.Status.PUBLISHED else 3 if faq.published else 1,
                )

        n = self._copy(
            cur,
            "helpdesk_faq",
            "id, question, answer, category_id, status, published_at, created_at, updated_at, "
            "search_text, version",
            rows(),
        )
        self._phase("FAQ", n, t)
        return base

    def _load_inquiries(self, cur, inquiries: list[PlannedInquiry], faq_base: int) -> None:
        rng = self.rng
        t = time.perf_counter()
        base = self._reserve_ids(cur, "helpdesk_inquiry", len(inquiries))
        for k, inquiry in enumerate(inquiries):
            inquiry.pk = base + k

        def rows():
            for inquiry in inquiries:
                number = _inquiry_number(inquiry)
                probe = SimpleNamespace(
                    number=number,
                    subject=inquiry.subject,
                    content=inquiry.content,
                    answer=inquiry.answer,
                    caller_name=inquiry.caller_name,
                )
                mail = inquiry.channel == "mail"
                if mail:
                    contact = f"desk{inquiry.unit[0]:03d}-{rng.randint(1, 40):02d}@city.example.jp"
                    created, created_by = inquiry.received, None
                else:
                    contact = f"内線{rng.randint(2000, 7999)}"
                    created = min(
                        inquiry.received + timedelta(minutes=rng.uniform(1, 15)), self.now
                    )
                    created_by = inquiry.handled_by or rng.choice(self.staff)
                version = 1 + (inquiry.answered is not None) + (inquiry.slip is not None)
                version += inquiry.status == Inquiry.Status.CLOSED
                yield (
                    inquiry.pk,
                    number,
                    inquiry.fy,
                    inquiry.seq,
                    inquiry.received,
                    inquiry.channel,
                    inquiry.unit[0],
                    inquiry.caller_name,
                    contact,
                    inquiry.topic.category_id,
                    inquiry.subject,
                    inquiry.content,
                    "",
                    inquiry.answer,
                    inquiry.answered,
                    inquiry.due,
                    inquiry.due_explanation,
                    inquiry.handled_by,
                    inquiry.status,
                    None if inquiry.faq is None else faq_base + inquiry.faq,
                    created_by,
                    created,
                    services.inquiry_search_text(probe),
                    version,
                )

        n = self._copy(
            cur,
            "helpdesk_inquiry",
            "id, number, fiscal_year, sequence, received_at, channel, caller_unit_id, "
            "caller_name, caller_contact, category_id, subject, content, case_number, answer, "
            "answered_at, due_at, due_explanation, handled_by_id, status, faq_id, "
            "created_by_id, created_at, search_text, version",
            rows(),
        )
        self._phase("問合せ", n, t)

    def _load_slips(self, cur, slips: list[PlannedSlip]) -> None:
        t = time.perf_counter()
        base = self._reserve_ids(cur, "helpdesk_liaisonslip", len(slips))
        for k, slip in enumerate(slips):
            slip.pk = base + k

        def rows():
            for slip in slips:
                number = f"R{reiwa(slip.fy)}-{slip.seq:04d}"
                event = slip.inquiry.content  # as the escalate form proposes
                probe = SimpleNamespace(
                    number=number, event=event, triage=slip.triage, cause=slip.cause
                )
                yield (
                    slip.pk,
                    number,
                    slip.fy,
                    slip.seq,
                    slip.inquiry.pk,
                    slip.raised,
                    slip.raised_by,
                    event,
                    slip.triage,
                    slip.cause,
                    slip.judgement,
                    slip.replied_on,
                    slip.status,
                    slip.closed,
                    services.slip_search_text(probe),
                    1 + len(slip.measures) + bool(slip.triage) + (slip.closed is not None),
                )

        n = self._copy(
            cur,
            "helpdesk_liaisonslip",
            "id, number, fiscal_year, sequence, inquiry_id, raised_at, raised_by_id, event, "
            "triage, cause, judgement, replied_on, status, closed_at, search_text, version",
            rows(),
        )
        self._phase("連絡票", n, t)
        t = time.perf_counter()
        rows = (
            (slip.pk, kind, text, owner, due, status, done)
            for slip in slips
            for kind, text, owner, due, status, done in slip.measures
        )
        n = self._copy(
            cur,
            "helpdesk_countermeasure",
            "slip_id, kind, description, owner_id, due_on, status, done_on",
            rows,
        )
        self._phase("対応策", n, t)


def _inquiry_number(inquiry: PlannedInquiry) -> str:
    return f"Q{reiwa(inquiry.fy)}-{inquiry.seq:05d}"


def _cumulative(weights: list[float]) -> list[float]:
    total = float(sum(weights))
    acc, out = 0.0, []
    for w in weights:
        acc += w / total
        out.append(acc)
    return out


def _bisect(cum: list[float], x: float) -> int:
    """Index drawn by x in [0, 1) from cumulative shares (the last may round below 1)."""
    return min(bisect.bisect_left(cum, x), len(cum) - 1)


def _describe(marker: str) -> str:
    return MARKER_REF.sub("", marker.removeprefix(MARKER), count=1).strip()
