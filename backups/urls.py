from django.urls import path

from backups import views

app_name = "backups"
urlpatterns = [
    path("", views.index, name="index"),
    path("create/", views.create, name="create"),
    path("<str:name>/release/", views.release, name="release"),
    path("<str:name>/restore/", views.restore_generation, name="restore"),
]
