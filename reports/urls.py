from reports import urls_meetings, urls_monthly, urls_national, urls_pack, urls_statistics

app_name = "reports"
urlpatterns = [
    *urls_meetings.urlpatterns,
    *urls_monthly.urlpatterns,
    *urls_statistics.urlpatterns,
    *urls_pack.urlpatterns,
    *urls_national.urlpatterns,
]
