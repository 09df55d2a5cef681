"""City profiles: the presets of ../shared/domain.md, chosen by CITY_PROFILE.

These are defaults for a deployment; later issues store the editable,
effective-dated versions (desk hours, SLA catalog) in the database and seed
them from here. Business rules read ``current_profile()``, never the city name.
"""

from dataclasses import dataclass, field
from datetime import date, time

from django.conf import settings


@dataclass(frozen=True)
class CityProfile:
    code: str
    name: str
    contract_start: date
    contract_end: date
    desk_open: time
    desk_close: time
    backup_generations: int
    # Weekday backup window outside office hours ±4 h (start, end next morning).
    backup_window: tuple[time, time]
    # Inquiries are answered within one business day of desk time, counted from
    # receipt (or from the next opening for mail received outside desk hours).
    inquiry_answer_minutes: int
    sla_targets: dict[str, str] = field(default_factory=dict)


PROFILES = {
    "sendai": CityProfile(
        code="sendai",
        name="仙台市",
        contract_start=date(2024, 4, 1),
        contract_end=date(2029, 3, 31),
        desk_open=time(8, 30),
        desk_close=time(17, 15),
        backup_generations=2,
        backup_window=(time(21, 15), time(4, 30)),
        inquiry_answer_minutes=525,
        sla_targets={
            "availability": "99.5%",
            "response_time": "3s",
            "incident_notification": "30min",
            "first_response_notice": "1h",
            "full_response_notice": "48h",
            "virus_definitions": "7d",
            "security_patches": "30d",
        },
    ),
    "kobe": CityProfile(
        code="kobe",
        name="神戸市",
        contract_start=date(2025, 6, 2),
        contract_end=date(2030, 3, 31),
        desk_open=time(8, 45),
        desk_close=time(17, 30),
        backup_generations=7,
        backup_window=(time(21, 30), time(4, 45)),
        inquiry_answer_minutes=525,
        sla_targets={
            "availability": "99.9%",
            "response_time": "3s@200",
            "interruption_per_incident": "6h",
            "first_isolation": "12h",
            "notification": "3h",
            "fix_plan": "3bd",
        },
    ),
}


def current_profile() -> CityProfile:
    return PROFILES[settings.CITY_PROFILE]
