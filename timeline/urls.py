from __future__ import annotations

from django.urls import path

from timeline import views

app_name = "timeline"

CASE = "cases/<slug:slug>/"
ITEM = CASE + "evidence/<int:pk>/"

urlpatterns = [
    path(CASE + "timeline/", views.timeline, name="timeline"),
    path(CASE + "timeline.csv", views.timeline_export, {"export": "csv"}, name="timeline_csv"),
    path(CASE + "timeline.json", views.timeline_export, {"export": "json"}, name="timeline_json"),
    path(CASE + "timelinejs.json", views.timeline_export, {"export": "timelinejs"}, name="timeline_timelinejs"),
    path(CASE + "bag.zip", views.case_bag, name="case_bag"),
    path(CASE + "memo/", views.memo, name="memo"),
    path(CASE + "review/", views.review_queue, name="review_queue"),
    path(CASE + "cues/<int:cue_pk>/review/", views.cue_review, name="cue_review"),
    path(CASE + "events/", views.events, name="events"),
    path(CASE + "events/add/", views.event_add, name="event_add"),
    path(CASE + "events/<int:event_pk>/", views.event_edit, name="event_edit"),
    path(CASE + "events/<int:event_pk>/remove/", views.event_remove, name="event_remove"),
    path(CASE + "entities/add/", views.entity_add, name="entity_add"),
    path(CASE + "entities/<int:entity_pk>/", views.entity_edit, name="entity_edit"),
    path(CASE + "mentions/", views.mentions, name="mentions"),
    path(CASE + "ordered-ids/", views.ordered_ids, name="ordered_ids"),
    path(CASE + "ordered-ids/add/", views.ordered_ids_add, name="ordered_ids_add"),
    path(CASE + "ordered-ids/read-again/", views.ordered_ids_recompute, name="ordered_ids_recompute"),
    path(CASE + "mentions/scan/", views.mentions_scan, name="mentions_scan"),
    path(CASE + "mentions/<int:mention_pk>/review/", views.mention_review, name="mention_review"),
    path(ITEM + "reasoning/", views.reasoning, name="reasoning"),
    path(ITEM + "cues/add/", views.cue_add, name="cue_add"),
    path(ITEM + "sign-off/", views.sign_off, name="sign_off"),
    path(ITEM + "entities/", views.entities_link, name="entities_link"),
    path(ITEM + "cues/<int:cue_pk>.png", views.cue_crop, name="cue_crop"),
    path(ITEM + "cues/<int:cue_pk>/reference/<str:part>", views.reference_copy, name="reference_copy"),
    path(ITEM + "mentions/<int:mention_pk>.png", views.mention_crop, name="mention_crop"),
    path(ITEM + "headlines/<int:candidate_pk>.png", views.candidate_crop, name="candidate_crop"),
    path(ITEM + "headlines/<int:candidate_pk>/article/", views.candidate_lookup, name="candidate_lookup"),
]
