from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import pages, views

app_name = "api"

CASE = "cases/<slug:slug>/"
ITEM = CASE + "evidence/<int:pk>/"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", pages.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("cases/", views.CaseList.as_view(), name="cases"),
    path(CASE, views.CaseDetail.as_view(), name="case"),
    path(CASE + "evidence/", views.EvidenceList.as_view(), name="evidence"),
    path(ITEM, views.EvidenceDetail.as_view(), name="evidence_detail"),
    path(ITEM + "original/", views.EvidenceOriginal.as_view(), name="evidence_original"),
    path(ITEM + "cues/", views.EvidenceCues.as_view(), name="evidence_cues"),
    path(CASE + "cues/", views.CaseCues.as_view(), name="cues"),
    path(CASE + "cues/<int:cue_pk>/confirm/", views.CueConfirm.as_view(), name="cue_confirm"),
    path(CASE + "cues/<int:cue_pk>/reject/", views.CueReject.as_view(), name="cue_reject"),
    path(CASE + "timeline/", views.Timeline.as_view(), name="timeline"),
    path(CASE + "events/", views.KeyEvents.as_view(), name="events"),
    path(CASE + "entities/", views.Entities.as_view(), name="entities"),
    path(CASE + "collections/", views.Collections.as_view(), name="collections"),
    path(CASE + "search/", views.Search.as_view(), name="search"),
    # Any other address under /api/ answers as the API does, in JSON, not with the site's page.
    re_path(r"", views.unknown_address),
]
