from datetime import time

from core.profiles import current_profile


def test_sendai_profile_has_its_desk_hours_and_two_backup_generations(settings):
    settings.CITY_PROFILE = "sendai"
    profile = current_profile()
    assert (profile.desk_open, profile.desk_close) == (time(8, 30), time(17, 15))
    assert profile.backup_generations == 2


def test_kobe_profile_has_its_desk_hours_window_and_seven_generations(settings):
    settings.CITY_PROFILE = "kobe"
    profile = current_profile()
    assert (profile.desk_open, profile.desk_close) == (time(8, 45), time(17, 30))
    # Office hours 08:45-17:30 and 4 hours either side leave 21:30-04:45.
    assert profile.backup_window == (time(21, 30), time(4, 45))
    assert profile.backup_generations == 7
