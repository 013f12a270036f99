from __future__ import annotations

from django.urls import path

from timeline import views

app_name = "timeline"

urlpatterns = [
    path("cases/<slug:slug>/evidence/<int:pk>/cues/<int:cue_pk>.png", views.cue_crop, name="cue_crop"),
]
