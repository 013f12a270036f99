from __future__ import annotations

from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("search/", views.search_everywhere, name="search_everywhere"),
    path("cases/<slug:slug>/search/", views.case_search, name="case_search"),
    path("cases/<slug:slug>/search/<int:entry_pk>.png", views.search_crop, name="search_crop"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<slug:slug>/", views.case_detail, name="case_detail"),
    path("cases/<slug:slug>/edit/", views.case_edit, name="case_edit"),
    path("cases/<slug:slug>/upload/", views.evidence_upload, name="evidence_upload"),
    path("cases/<slug:slug>/collect/", views.url_collect, name="url_collect"),
    path("cases/<slug:slug>/members/", views.member_list, name="member_list"),
    path("cases/<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("cases/<slug:slug>/members/<int:member_pk>/", views.member_update, name="member_update"),
    path("cases/<slug:slug>/custody/", views.custody_log, name="custody_log"),
    path("cases/<slug:slug>/progress/", views.case_progress, name="case_progress"),
    path("cases/<slug:slug>/evidence/<int:pk>/", views.evidence_detail, name="evidence_detail"),
    path("cases/<slug:slug>/evidence/<int:pk>/original/", views.evidence_original, name="evidence_original"),
    path("cases/<slug:slug>/evidence/<int:pk>/preview/", views.evidence_preview, name="evidence_preview"),
    path("cases/<slug:slug>/evidence/<int:pk>/page.wacz", views.web_archive, name="web_archive"),
    path("cases/<slug:slug>/evidence/<int:pk>/reprocess/", views.evidence_reprocess, name="evidence_reprocess"),
    path("cases/<slug:slug>/evidence/<int:pk>/frames/<int:index>.png", views.frame_image, name="frame_image"),
    path(
        "cases/<slug:slug>/evidence/<int:pk>/provenance/<int:provenance_pk>/",
        views.provenance_edit,
        name="provenance_edit",
    ),
]
