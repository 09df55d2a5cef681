"""Synthetic incident volume for load tests: years of incidents, health samples, planned stops.

Called by ``manage.py seed_incident_volume``. Everything is made up (titles are
assembled from phrase pools). Deterministic for a given ``seed``, database state
and clock. Simple-history rows are deliberately not written for this bulk load.

- incidents spread over ``years`` (numbered ``I{令和}-{seq:04d}`` after the highest
  sequence already used in each fiscal year, under the services' advisory lock);
  most closed (older than 30 days) or recovered, the newest few still open;
  ~75 % have a full stop of minutes to hours, ~8 % a partial stop, ~4 % a stop
  caused by the city's network;
- milestone clocks as ``incident_open`` would start them (definitions in force at
  ``aware_at`` starting on awareness, not AGREED), written directly: stopped with
  one closed interval and ``elapsed_minutes`` filled; open incidents' clocks run;
- minute-level HealthSample rows for ``database`` over the last ``sample_years``
  (COPY), ok=False during full stops and planned stops, with a few multi-minute
  gaps (no rows), so ``sample_gaps`` has something to find;
- ~3 approved planned stops per year (Sunday night maintenance).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from core.calendar import using_calendar
from core.numbering import lock_fiscal_year
from core.profiles import current_profile
from core.timeutil import JST, fiscal_year
from incidents import clocks
from incidents.models import (
    ClockInterval,
    Incident,
    MilestoneClock,
    MilestoneDefinition,
    PlannedStop,
    StopInterval,
)
from incidents.services import START_ON_AWARENESS

MARKER = "seed_incident_volume:"
COMPONENT = "database"
VENDOR = "900007"
CITY_ADMIN = "900006"

SYSTEMS = [
    "住民記録システム",
    "税務システム",
    "福祉総合システム",
    "児童相談システム",
    "帳票サーバ",
    "認証基盤",
    "データベースサーバ",
    "ファイルサーバ",
    "バッチ基盤",
    "外部連携サーバ",
    "庁内ポータル",
    "印刷サーバ",
]
SYMPTOMS = [
    "応答遅延",
    "ログイン不可",
    "画面表示エラー",
    "帳票出力不可",
    "夜間バッチ異常終了",
    "接続断",
    "ディスク容量逼迫",
    "証明書期限切れによる接続エラー",
    "検索処理のタイムアウト",
    "データ連携の遅延",
    "一部機能の利用不可",
    "サービス停止",
]
SECURITY = [
    "不審メールの受信と添付ファイルの開封",
    "端末でのウイルス検知",
    "不正アクセスの疑い（ログイン試行の多発）",
    "USBメモリの紛失",
]
FUNCTIONS = ["帳票出力", "検索", "一括登録", "外部連携", "通知メール", "統計出力"]
CITY_NET = "市の庁内ネットワーク障害"


class VolumeError(Exception):
    pass


@dataclass
class PlannedIncident:
    aware_at: datetime
    title: str
    kind: str
    source: str
    severity: int
    status: str
    recovered_at: datetime | None
    stops: list[tuple[datetime, datetime, bool, str, bool]] = field(default_factory=list)
    fiscal_year: int = 0
    sequence: int = 0


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


class IncidentVolumeLoader:
    def __init__(
        self,
        *,
        years=10,
        incidents=500,
        sample_years=5,
        planned_stops=None,
        gaps=8,
        seed=2026,
        force=False,
        stdout=None,
        now=None,
    ):
        self.years = years
        self.incidents = incidents
        self.sample_years = sample_years
        self.planned_stops = planned_stops if planned_stops is not None else 3 * years
        self.gaps = gaps
        self.seed = seed
        self.force = force
        self.stdout = stdout
        self.now = _minute(now or timezone.now())
        self.rng = random.Random(seed)  # noqa: S311 -- made-up data, not secrets

    def _say(self, text):
        if self.stdout is not None:
            self.stdout.write(text)

    # --- refusal -------------------------------------------------------------------

    @staticmethod
    def existing_marker() -> str | None:
        with connection.cursor() as cur:
            cur.execute("SELECT obj_description('incidents_incident'::regclass, 'pg_class')")
            comment = cur.fetchone()[0] or ""
        return comment if comment.startswith(MARKER) else None

    # --- planning ------------------------------------------------------------------

    def plan_incidents(self) -> list[PlannedIncident]:
        rng = self.rng
        start = self.now - timedelta(days=365 * self.years)
        span = (self.now - timedelta(hours=2) - start).total_seconds()
        ats = sorted(
            _minute(start + timedelta(seconds=rng.random() * span)) for _ in range(self.incidents)
        )
        n_open = max(1, min(5, self.incidents // 100))
        planned = []
        for i, aware in enumerate(ats):
            security = rng.random() < 0.06
            if security:
                title, kind = rng.choice(SECURITY), Incident.Kind.SECURITY
            else:
                title = f"{rng.choice(SYSTEMS)}の{rng.choice(SYMPTOMS)}"
                kind = Incident.Kind.FAILURE
            source = rng.choices(
                [Incident.Source.MONITORING, Incident.Source.CITY, Incident.Source.VENDOR],
                [55, 30, 15],
            )[0]
            severity = rng.choices([1, 2, 3, 4], [5, 20, 50, 25])[0]
            stops = []
            cursor = aware
            r = rng.random()
            if not security and r < 0.88:
                # one stop (sometimes two), from minutes to hours
                for _ in range(2 if rng.random() < 0.1 else 1):
                    begin = cursor + timedelta(minutes=rng.randint(0, 20))
                    minutes = max(2, min(8 * 60, int(rng.lognormvariate(3.6, 1.0))))
                    end = begin + timedelta(minutes=minutes)
                    partial = r >= 0.80
                    city = 0.76 <= r < 0.80
                    funcs = rng.choice(FUNCTIONS) if partial else ""
                    stops.append((begin, end, partial, funcs, city))
                    cursor = end
                if stops[-1][4]:
                    title = f"{CITY_NET}による{rng.choice(SYSTEMS)}の接続断"
            is_open = i >= len(ats) - n_open
            if is_open:
                status, recovered = Incident.Status.OPEN, None
                if stops and stops[-1][1] > self.now:
                    stops = []
            else:
                recovered = min(self.now, cursor + timedelta(minutes=rng.randint(1, 90)))
                status = (
                    Incident.Status.CLOSED
                    if recovered < self.now - timedelta(days=30)
                    else Incident.Status.RECOVERED
                )
                stops = [s for s in stops if s[1] <= recovered]
            planned.append(
                PlannedIncident(
                    aware_at=aware,
                    title=title,
                    kind=kind,
                    source=source,
                    severity=severity,
                    status=status,
                    recovered_at=recovered,
                    stops=stops,
                )
            )
        return planned

    def plan_planned_stops(self) -> list[tuple[datetime, datetime, str]]:
        rng = self.rng
        out = []
        start = self.now - timedelta(days=365 * self.years)
        span_days = 365 * self.years - 7
        for _ in range(self.planned_stops):
            day = (start + timedelta(days=rng.randint(0, max(span_days, 1)))).astimezone(JST)
            day = day + timedelta(days=(6 - day.weekday()) % 7)  # Sunday
            begin = day.replace(hour=rng.choice([0, 1, 2]), minute=0, second=0, microsecond=0)
            end = begin + timedelta(hours=rng.choice([2, 3, 4, 5]))
            if end >= self.now:
                continue
            reason = rng.choice(
                [
                    "OSセキュリティパッチ適用",
                    "データベースのバージョンアップ",
                    "ストレージ増設",
                    "年度切替作業",
                    "ネットワーク機器の更新",
                ]
            )
            out.append((begin.astimezone(UTC), end.astimezone(UTC), reason))
        return sorted(out)

    # --- loading -------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        marker = self.existing_marker()
        if marker and not self.force:
            raise VolumeError(
                f"障害の大量データは既に投入済みです（{marker.removeprefix(MARKER).strip()}）。"
                "追加で投入する場合は --force を指定してください。"
            )
        users = dict(
            User.objects.filter(employee_number__in=[VENDOR, CITY_ADMIN]).values_list(
                "employee_number", "pk"
            )
        )
        if VENDOR not in users:
            raise VolumeError(
                "委託事業者の職員（900007）がいません。先に `manage.py seed_demo` を実行してください。"
            )
        self.vendor_id = users[VENDOR]
        self.approver_id = users.get(CITY_ADMIN, self.vendor_id)
        t = time.perf_counter()
        incidents = self.plan_incidents()
        windows = self.plan_planned_stops()
        self._say(
            f"計画: 障害 {len(incidents):,} 件、計画停止 {len(windows)} 件 "
            f"{time.perf_counter() - t:.1f} 秒"
        )
        counts = {}
        with transaction.atomic():
            counts.update(self._load_incidents(incidents))
            counts["計画停止"] = self._load_planned(windows)
            counts["稼働監視"] = self._load_samples(incidents, windows)
            with connection.cursor() as cur:
                note = f"{MARKER} {self.now.astimezone(JST):%Y-%m-%d %H:%M} JST seed={self.seed}"
                cur.execute("COMMENT ON TABLE incidents_incident IS %s", [note])
                t = time.perf_counter()
                for table in TABLES:
                    cur.execute(f"ANALYZE {table}")
                self._say(f"ANALYZE {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")
        return counts

    def _load_incidents(self, planned: list[PlannedIncident]) -> dict[str, int]:
        t = time.perf_counter()
        years = sorted({fiscal_year(p.aware_at) for p in planned})
        with connection.cursor() as cur:
            for fy in years:
                lock_fiscal_year(cur, Incident, fy)
        last = dict(
            Incident.objects.filter(fiscal_year__in=years)
            .values("fiscal_year")
            .annotate(m=Max("sequence"))
            .values_list("fiscal_year", "m")
        )
        for p in planned:
            p.fiscal_year = fy = fiscal_year(p.aware_at)
            last[fy] = p.sequence = (last.get(fy) or 0) + 1
        objs = Incident.objects.bulk_create(
            [
                Incident(
                    number=f"I{p.fiscal_year - 2018}-{p.sequence:04d}",
                    fiscal_year=p.fiscal_year,
                    sequence=p.sequence,
                    kind=p.kind,
                    source=p.source,
                    title=p.title,
                    severity=p.severity,
                    aware_at=p.aware_at,
                    recovered_at=p.recovered_at,
                    status=p.status,
                    created_by_id=self.vendor_id,
                    monitored_component=COMPONENT if p.source == "monitoring" else "",
                    affected_functions=", ".join(s[3] for s in p.stops if s[3]),
                    cause="（架空データ）" if p.status != Incident.Status.OPEN else "",
                )
                for p in planned
            ],
            batch_size=1000,
        )
        stops = StopInterval.objects.bulk_create(
            [
                StopInterval(
                    incident=obj,
                    started_at=s[0],
                    ended_at=s[1],
                    partial=s[2],
                    functions=s[3],
                    city_network=s[4],
                )
                for obj, p in zip(objs, planned, strict=True)
                for s in p.stops
            ],
            batch_size=1000,
        )
        n_clocks, n_intervals = self._load_clocks(objs, planned)
        self._say(
            f"障害 {len(objs):,} 件、停止区間 {len(stops):,} 件、時計 {n_clocks:,} 件 "
            f"{time.perf_counter() - t:.1f} 秒"
        )
        return {
            "障害": len(objs),
            "停止区間": len(stops),
            "時計": n_clocks,
            "計測区間": n_intervals,
        }

    def _load_clocks(self, objs, planned) -> tuple[int, int]:
        rng = self.rng
        defs = list(
            MilestoneDefinition.objects.filter(
                profile=current_profile().code, start_event__in=START_ON_AWARENESS
            ).exclude(unit=MilestoneDefinition.Unit.AGREED)
        )
        clock_rows, interval_rows = [], []
        with using_calendar():
            for obj, p in zip(objs, planned, strict=True):
                day = p.aware_at.astimezone(JST).date()
                for d in defs:
                    if d.valid_from > day or (d.valid_to and d.valid_to < day):
                        continue
                    start = p.aware_at
                    if p.status == Incident.Status.OPEN:
                        clock_rows.append(
                            MilestoneClock(
                                incident=obj, definition=d, started_at=start, state="running"
                            )
                        )
                        interval_rows.append((len(clock_rows) - 1, start, None, 0))
                        continue
                    # mostly met, ~10 % late
                    budget = max(d.target, 30)
                    if d.unit == MilestoneDefinition.Unit.BUSINESS_DAYS:
                        budget = d.target * 24 * 60
                    factor = rng.uniform(1.05, 1.6) if rng.random() < 0.1 else rng.uniform(0.2, 0.9)
                    stop = min(self.now, start + timedelta(minutes=max(1, int(budget * factor))))
                    minutes = clocks.interval_minutes(d, start, stop)
                    clock_rows.append(
                        MilestoneClock(
                            incident=obj,
                            definition=d,
                            started_at=start,
                            stopped_at=stop,
                            stop_note="電話・メールで市の担当者へ（架空）",
                            state="stopped",
                            elapsed_minutes=minutes,
                        )
                    )
                    interval_rows.append((len(clock_rows) - 1, start, stop, minutes))
        created = MilestoneClock.objects.bulk_create(clock_rows, batch_size=1000)
        ClockInterval.objects.bulk_create(
            [
                ClockInterval(clock=created[i], started_at=s, ended_at=e, minutes=m)
                for i, s, e, m in interval_rows
            ],
            batch_size=1000,
        )
        return len(created), len(interval_rows)

    def _load_planned(self, windows) -> int:
        rows = PlannedStop.objects.bulk_create(
            [
                PlannedStop(
                    starts_at=s,
                    ends_at=e,
                    reason=f"{reason}（計画停止）",
                    approved_by_id=self.approver_id,
                    approved_at=s - timedelta(days=self.rng.randint(7, 30)),
                    created_by_id=self.vendor_id,
                )
                for s, e, reason in windows
            ]
        )
        return len(rows)

    def _load_samples(self, planned, windows) -> int:
        t = time.perf_counter()
        rng = self.rng
        end = self.now
        start = end - timedelta(days=365 * self.sample_years)
        total = int((end - start).total_seconds() // 60)
        down = bytearray(total)  # 1 = ok False, 2 = no sample (gap)

        def mark(a, b, value):
            i = max(0, int((a - start).total_seconds() // 60))
            j = min(total, int((b - start).total_seconds() // 60))
            for k in range(i, j):
                down[k] = max(down[k], value)

        for p in planned:
            for s in p.stops:
                if not s[2] and not s[4]:  # full, not the city's network
                    mark(s[0], s[1], 1)
        for s, e, _ in windows:
            mark(s, e, 1)
        for _ in range(self.gaps):
            k = rng.randint(0, max(total - 60, 0))
            g = start + timedelta(minutes=k)
            mark(g, g + timedelta(minutes=rng.randint(5, 45)), 2)

        with connection.cursor() as cur:
            cur.execute(
                "SELECT EXISTS (SELECT 1 FROM incidents_healthsample "
                "WHERE component = %s AND at >= %s AND at < %s)",
                [COMPONENT, start, end],
            )
            clash = cur.fetchone()[0]
            target = "incidents_healthsample"
            if clash:
                cur.execute(
                    "CREATE TEMP TABLE _hs_load (at timestamptz, component varchar(30), "
                    "ok boolean, detail varchar(200)) ON COMMIT DROP"
                )
                target = "_hs_load"
            n = 0
            base = start.astimezone(UTC).replace(tzinfo=None)
            chunk = []
            with cur.copy(f"COPY {target} (at, component, ok, detail) FROM STDIN") as copy:
                for k in range(total):
                    state = down[k]
                    if state == 2:
                        continue
                    at = base + timedelta(minutes=k)
                    if state:
                        chunk.append(
                            f"{at:%Y-%m-%d %H:%M}:00+00\t{COMPONENT}\tf\t応答なし（架空）\n"
                        )
                    else:
                        chunk.append(f"{at:%Y-%m-%d %H:%M}:00+00\t{COMPONENT}\tt\t\n")
                    n += 1
                    if len(chunk) >= 50_000:
                        copy.write("".join(chunk).encode())
                        chunk = []
                if chunk:
                    copy.write("".join(chunk).encode())
            if clash:
                cur.execute(
                    "INSERT INTO incidents_healthsample (at, component, ok, detail) "
                    "SELECT at, component, ok, detail FROM _hs_load "
                    "ON CONFLICT (component, at) DO NOTHING"
                )
                n = cur.rowcount
        self._say(f"稼働監視 {n:,} 行（COPY） {time.perf_counter() - t:.1f} 秒")
        return n

    def vacuum(self) -> None:
        t = time.perf_counter()
        with connection.cursor() as cur:
            for table in TABLES:
                cur.execute(f"VACUUM {table}")
        self._say(f"VACUUM {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")


TABLES = [
    "incidents_incident",
    "incidents_stopinterval",
    "incidents_milestoneclock",
    "incidents_clockinterval",
    "incidents_plannedstop",
    "incidents_healthsample",
]
