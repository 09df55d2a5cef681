"""URLs of the catalogue part (included by sla/urls.py, app_name "sla")."""

from django.urls import path

from sla.views import catalog as views

urlpatterns: list = [
    path("catalog/", views.catalog_index, name="catalog_index"),
    path("catalog/policies/new/", views.catalog_policy_new, name="catalog_policy_new"),
    path("catalog/policies/<int:pk>/", views.catalog_policy, name="catalog_policy"),
    path("catalog/policies/<int:pk>/edit/", views.catalog_policy_edit, name="catalog_policy_edit"),
    path(
        "catalog/policies/<int:pk>/submit/",
        views.catalog_policy_submit,
        name="catalog_policy_submit",
    ),
    path(
        "catalog/policies/<int:pk>/return/",
        views.catalog_policy_return,
        name="catalog_policy_return",
    ),
    path(
        "catalog/policies/<int:pk>/approve/",
        views.catalog_policy_approve,
        name="catalog_policy_approve",
    ),
    path(
        "catalog/policies/<int:pk>/new-version/",
        views.catalog_policy_new_version,
        name="catalog_policy_new_version",
    ),
    path(
        "catalog/policies/<int:pk>/comment/",
        views.catalog_policy_comment,
        name="catalog_policy_comment",
    ),
    path("catalog/policies/<int:pk>/items/new/", views.catalog_item_new, name="catalog_item_new"),
    path("catalog/items/<int:pk>/", views.catalog_item, name="catalog_item"),
    path("catalog/items/<int:pk>/edit/", views.catalog_item_edit, name="catalog_item_edit"),
    path("catalog/items/<int:pk>/delete/", views.catalog_item_delete, name="catalog_item_delete"),
    path(
        "catalog/items/<int:pk>/evidence/<int:year>-<int:month>/",
        views.catalog_evidence_entry,
        name="catalog_evidence_entry",
    ),
    path("catalog/evidence/", views.catalog_evidence, name="catalog_evidence"),
    path(
        "catalog/evidence/<int:pk>/file/",
        views.catalog_evidence_file,
        name="catalog_evidence_file",
    ),
    path("catalog/plans/", views.catalog_plans, name="catalog_plans"),
    path("catalog/plans/<int:pk>/", views.catalog_plan, name="catalog_plan"),
    path("catalog/plans/<int:pk>/edit/", views.catalog_plan_edit, name="catalog_plan_edit"),
    path(
        "catalog/plans/<int:pk>/comment/",
        views.catalog_plan_comment,
        name="catalog_plan_comment",
    ),
]
