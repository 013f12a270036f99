"""The JSON API: thin adapters that check access, parse with the pages' forms, call the services and answer.

Access is the pages' own: a case you are not a member of is 404, whatever
the method; a role without the capability is 403; a token limited to other
cases sees this one as missing, and a read-only token changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as out
from api.models import ApiToken
from api.parsers import EvidenceUploadParser
from archive import services as archive_services
from archive.collect.jobs import url_collect_request
from archive.forms import UploadForm, UrlCollectForm
from archive.models import (
    Case,
    CollectionMethod,
    Evidence,
    EvidenceKind,
    Membership,
    ProcessingStatus,
    Provenance,
    SearchKind,
    UrlCollection,
)
from archive.roles import Capability
from archive.search import MAX_COUNTED, query_parse, search_hits
from archive.vault import vault_open
from timeline import selectors as timeline_selectors
from timeline import services as timeline_services
from timeline.filters import TimelineFilter
from timeline.forms import EntityForm, EventForm, ManualCueForm, ReviewForm
from timeline.models import Cue, CueKind, CueStatus, Entity, IntervalMode, KeyEvent


def case_membership(request: Request, slug: str, capability: Capability) -> Membership:
    """The person's membership of the case in the URL, within the token's limits, or 404/403 as on the pages."""
    membership = Membership.objects.select_related("case").filter(case__slug=slug, user=request.user).first()
    token = request.auth if isinstance(request.auth, ApiToken) else None
    if membership is None or (token is not None and token.cases.exists() and not token.cases.filter(
            pk=membership.case_id).exists()):  # fmt: skip
        raise NotFound("No such case.")
    if token is not None and token.read_only and request.method not in SAFE_METHODS:
        raise PermissionDenied("This token is read-only.")
    if not membership.can(capability):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")
    return membership


def form_data(form: forms.Form) -> dict[str, Any]:
    """A page's form, checked: its cleaned values, or a 400 with its messages by field."""
    if not form.is_valid():
        raise ValidationError(
            {("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
             for field, messages in form.errors.items()}
        )  # fmt: skip
    return form.cleaned_data


class CaseView(GenericAPIView):
    """A view of one case. ``capabilities`` says what each method needs (reading needs the case's view)."""

    capabilities: dict[str, Capability] = {}
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        capability = self.capabilities.get(request.method, Capability.VIEW)
        self.membership = case_membership(request, kwargs["slug"], capability)

    @property
    def case(self) -> Case:
        return self.membership.case

    def evidence(self, pk: int) -> Evidence:
        return get_object_or_404(Evidence, case=self.case, pk=pk)

    def page(self, queryset: QuerySet, serializer: type) -> Response:
        found = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer(found, many=True, context=self.get_serializer_context()).data)


@extend_schema(tags=["cases"])
class CaseList(GenericAPIView):
    serializer_class = out.CaseSerializer
    listing = True

    @extend_schema(
        operation_id="cases_list", summary="The cases you are a member of (those your token is limited to, if it is)"
    )
    def get(self, request: Request) -> Response:
        memberships = Membership.objects.filter(user=request.user).select_related("case").order_by("case__title")
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and token.cases.exists():
            memberships = memberships.filter(case__in=token.cases.all())
        found = self.paginate_queryset(memberships)
        roles = {membership.case_id: membership.role for membership in found}
        data = out.CaseSerializer([membership.case for membership in found], many=True, context={"roles": roles}).data
        return self.get_paginated_response(data)


@extend_schema(tags=["cases"])
class CaseDetail(CaseView):
    serializer_class = out.CaseSerializer
    pagination_class = None

    @extend_schema(operation_id="case_read", summary="A case, with your role and its custody log's head")
    def get(self, request: Request, slug: str) -> Response:
        return Response(out.CaseSerializer(self.case, context={"roles": {self.case.pk: self.membership.role}}).data)


KIND = OpenApiParameter("kind", enum=EvidenceKind.values, required=False)
STATUS = OpenApiParameter("status", enum=ProcessingStatus.values, required=False)


def _choice(request: Request, name: str, choices: list[str]) -> str:
    value = request.query_params.get(name, "")
    if value and value not in choices:
        raise ValidationError({name: [f"{value!r} is not one of {', '.join(choices)}."]})
    return value


@extend_schema(tags=["evidence"])
class EvidenceList(CaseView):
    capabilities = {"POST": Capability.COLLECT}
    listing = True
    serializer_class = out.EvidenceSerializer
    parser_classes = [EvidenceUploadParser]

    @extend_schema(operation_id="evidence_list", summary="The case's evidence, newest first", parameters=[KIND, STATUS])
    def get(self, request: Request, slug: str) -> Response:
        items = Evidence.objects.filter(case=self.case).order_by("-created_at", "-pk")
        if kind := _choice(request, "kind", EvidenceKind.values):
            items = items.filter(kind=kind)
        if found := _choice(request, "status", ProcessingStatus.values):
            items = items.filter(status=found)
        return self.page(items, out.EvidenceSerializer)

    @extend_schema(
        operation_id="evidence_upload",
        summary="Upload files with their provenance (multipart), as the upload page does",
        request={"multipart/form-data": out.UploadSerializer},
        responses={201: out.UploadResultSerializer, 413: OpenApiResponse(description="Every file was over the limit.")},
    )
    def post(self, request: Request, slug: str) -> Response:
        form = UploadForm(request.data, request.FILES)
        data = form_data(form)
        provenance = archive_services.ProvenanceInput(method=CollectionMethod.UPLOAD, **form.provenance_values())
        stored, refused, too_large = [], [], 0
        for upload in data["files"]:
            too_large += bool(getattr(upload, "over_limit", False))
            try:
                result = archive_services.evidence_collect(
                    case=self.case, spooled=upload, provenance=provenance, actor=request.user, kind=data["kind"]
                )
            except archive_services.EvidenceRejected as error:
                refused.append(str(error))
                continue
            stored.append({"evidence": result.evidence, "created": result.created, "warnings": result.warnings})
        body = out.UploadResultSerializer({"stored": stored, "refused": refused}).data
        if stored:
            return Response(body, status=status.HTTP_201_CREATED)
        code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE if too_large == len(refused) else status.HTTP_400_BAD_REQUEST
        return Response({"detail": " ".join(refused), **body}, status=code)


@extend_schema(tags=["evidence"])
class EvidenceDetail(CaseView):
    serializer_class = out.EvidenceDetailSerializer
    pagination_class = None

    @extend_schema(
        operation_id="evidence_read",
        summary="An item with its provenance, processing, timestamps and capture intervals",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        item = get_object_or_404(
            Evidence.objects.filter(case=self.case).prefetch_related(
                Prefetch("provenance", queryset=Provenance.objects.select_related("collected_by").order_by("pk")),
                "stage_runs", "timestamps", "capture_intervals",
            ),
            pk=pk,
        )  # fmt: skip
        return Response(out.EvidenceDetailSerializer(item).data)


@extend_schema(tags=["evidence"])
class EvidenceOriginal(CaseView):
    pagination_class = None

    @extend_schema(
        operation_id="evidence_original",
        summary="The original, byte for byte (logged in the custody log as a download)",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, slug: str, pk: int) -> FileResponse:
        item = self.evidence(pk)
        archive_services.evidence_record_access(evidence=item, actor=request.user, downloaded=True)
        response = FileResponse(vault_open(item.sha256), as_attachment=True, filename=item.original_name,
                                content_type="application/octet-stream")  # fmt: skip
        response["X-Content-SHA256"] = item.sha256
        return response


CUE_STATUS = OpenApiParameter("status", enum=CueStatus.values, required=False)
CUE_KIND = OpenApiParameter("kind", enum=CueKind.values, required=False)


def _cues(request: Request, cues: QuerySet[Cue]) -> QuerySet[Cue]:
    if found := _choice(request, "status", CueStatus.values):
        cues = cues.filter(status=found)
    if kind := _choice(request, "kind", CueKind.values):
        cues = cues.filter(kind=kind)
    return cues.select_related("created_by", "reviewed_by").order_by("evidence_id", "bound", "earliest", "pk")


@extend_schema(tags=["cues"])
class CaseCues(CaseView):
    listing = True
    serializer_class = out.CueSerializer

    @extend_schema(operation_id="cues_list", summary="Every cue of the case", parameters=[CUE_STATUS, CUE_KIND])
    def get(self, request: Request, slug: str) -> Response:
        return self.page(_cues(request, Cue.objects.filter(evidence__case=self.case)), out.CueSerializer)


@extend_schema(tags=["cues"])
class EvidenceCues(CaseView):
    listing = True
    capabilities = {"POST": Capability.ADD_CUES}
    serializer_class = out.CueSerializer

    @extend_schema(operation_id="evidence_cues_list", summary="An item's cues", parameters=[CUE_STATUS, CUE_KIND])
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.page(_cues(request, Cue.objects.filter(evidence=self.evidence(pk))), out.CueSerializer)

    @extend_schema(
        operation_id="evidence_cue_add",
        summary="Add a cue by hand (proposed, for another fact-checker to confirm)",
        request=out.ManualCueSerializer,
        responses={201: out.CueSerializer},
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        item = self.evidence(pk)
        form = ManualCueForm(_plain(request.data), evidence=item)
        data = form_data(form)
        cue = timeline_services.cue_add_manual(
            evidence=item, actor=request.user, bound=data["bound"], day=data["day"], text=data["text"],
            note=data["note"], source_url=data["source_url"], region=form.region, zone=data["zone"],
        )  # fmt: skip
        return Response(out.CueSerializer(cue).data, status=status.HTTP_201_CREATED)


class _CueDecision(CaseView):
    capabilities = {"POST": Capability.REVIEW_CUES}
    serializer_class = out.CueSerializer
    pagination_class = None

    def decide(self, request: Request, cue_pk: int, confirm: bool) -> Response:
        cue = get_object_or_404(Cue, evidence__case=self.case, pk=cue_pk)
        data = form_data(ReviewForm({"decision": "confirm" if confirm else "reject", **_plain(request.data)}))
        reviewed = timeline_services.cue_review(cue=cue, actor=request.user, confirm=confirm, note=data["note"])
        return Response(out.CueSerializer(reviewed).data)


def _plain(data: Any) -> dict[str, Any]:
    """A body's fields as a form reads them: text, whatever JSON sent (a list or number as the body is no body).

    A JSON number, list or object in a field becomes its text, which the
    form then refuses or reads as a page would; None is an empty field.
    """
    if hasattr(data, "dict"):
        return data.dict()
    if not isinstance(data, dict):
        return {}
    return {key: "" if value is None else value if isinstance(value, str) else json.dumps(value)
            for key, value in data.items()}  # fmt: skip


@extend_schema(tags=["cues"])
class CueConfirm(_CueDecision):
    @extend_schema(operation_id="cue_confirm", summary="Confirm a cue, with a note", request=out.ReviewSerializer,
                   responses={200: out.CueSerializer})  # fmt: skip
    def post(self, request: Request, slug: str, cue_pk: int) -> Response:
        return self.decide(request, cue_pk, confirm=True)


@extend_schema(tags=["cues"])
class CueReject(_CueDecision):
    @extend_schema(operation_id="cue_reject", summary="Reject a cue, with a note", request=out.ReviewSerializer,
                   responses={200: out.CueSerializer})  # fmt: skip
    def post(self, request: Request, slug: str, cue_pk: int) -> Response:
        return self.decide(request, cue_pk, confirm=False)


MODE = OpenApiParameter("mode", enum=IntervalMode.values, required=False)


@extend_schema(tags=["timeline"])
class Timeline(CaseView):
    listing = True
    serializer_class = out.TimelineItemSerializer

    @extend_schema(
        operation_id="timeline_list",
        summary="Each item's capture interval and verdicts against the key events, strongest first",
        parameters=[MODE, OpenApiParameter("event", int, required=False, description="The verdict's key event.")],
    )
    def get(self, request: Request, slug: str) -> Response:
        events = timeline_selectors.case_events(self.case)
        found = TimelineFilter(request.query_params, case=self.case, events=events)
        rows = timeline_selectors.strongest_first(found.qs, found.prefix, found.chosen_event)
        page = self.paginate_queryset(rows)
        records = list(timeline_selectors.records_of(page, events, found.prefix))
        return self.get_paginated_response(out.TimelineItemSerializer(records, many=True).data)


@extend_schema(tags=["case"])
class KeyEvents(CaseView):
    listing = True
    capabilities = {"POST": Capability.MANAGE_EVENTS}
    serializer_class = out.KeyEventSerializer

    @extend_schema(operation_id="events_list", summary="The case's key events, in time order")
    def get(self, request: Request, slug: str) -> Response:
        events = KeyEvent.objects.filter(case=self.case).select_related("entity").order_by("date", "pk")
        return self.page(events, out.KeyEventSerializer)

    @extend_schema(
        operation_id="event_add",
        summary="Add a key event",
        request=out.KeyEventInputSerializer,
        responses={201: out.KeyEventSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = form_data(EventForm(_plain(request.data), case=self.case))
        event = timeline_services.event_add(
            case=self.case, title=data["title"], day=data["date"], actor=request.user, kind=data["kind"],
            entity_name=data["entity"].name if data["entity"] else "", legal_act=data["legal_act"],
            source_url=data["source_url"], note=data["note"],
        )  # fmt: skip
        return Response(out.KeyEventSerializer(event).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["case"])
class Entities(CaseView):
    listing = True
    capabilities = {"POST": Capability.MANAGE_EVENTS}
    serializer_class = out.EntitySerializer

    @extend_schema(operation_id="entities_list", summary="The case's entities")
    def get(self, request: Request, slug: str) -> Response:
        return self.page(Entity.objects.filter(case=self.case).order_by("name", "pk"), out.EntitySerializer)

    @extend_schema(
        operation_id="entity_add",
        summary="Add an entity",
        request=out.EntityInputSerializer,
        responses={201: out.EntitySerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = form_data(EntityForm(_plain(request.data)))
        entity = timeline_services.entity_add(case=self.case, name=data["name"], kind=data["kind"],
                                              aliases=data["aliases"], actor=request.user)  # fmt: skip
        return Response(out.EntitySerializer(entity).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["evidence"])
class Collections(CaseView):
    listing = True
    capabilities = {"POST": Capability.COLLECT}
    serializer_class = out.UrlCollectionSerializer

    @extend_schema(operation_id="collections_list", summary="The case's URL collections, newest first")
    def get(self, request: Request, slug: str) -> Response:
        jobs = UrlCollection.objects.filter(case=self.case).select_related("requested_by")
        return self.page(jobs, out.UrlCollectionSerializer)

    @extend_schema(
        operation_id="collections_add",
        summary="Collect URLs (media with yt-dlp, pages with Chromium), queued",
        request=out.UrlCollectInputSerializer,
        responses={201: out.UrlCollectionSerializer(many=True)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = form_data(UrlCollectForm(_plain(request.data)))
        jobs = url_collect_request(case=self.case, urls=data["requests"], actor=request.user)
        return Response(out.UrlCollectionSerializer(jobs, many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["search"])
class Search(CaseView):
    serializer_class = out.SearchResultSerializer
    pagination_class = None

    @extend_schema(
        operation_id="search",
        summary='Search the case\'s text, provenance, cues and notes (words, "phrases", prefix*)',
        parameters=[
            OpenApiParameter("q", str, required=True),
            OpenApiParameter("kind", enum=SearchKind.values, required=False),
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
    )
    def get(self, request: Request, slug: str) -> Response:
        query = query_parse(request.query_params.get("q", ""))
        if query.empty:
            raise ValidationError({"q": ["Give the words to search for."]})
        kind = _choice(request, "kind", SearchKind.values)
        limit, offset = _number(request, "limit", 20, 1, 100), _number(request, "offset", 0, 0, MAX_COUNTED)
        hits, count = search_hits(query, cases=[self.case.pk], kinds=[kind] if kind else (), limit=limit,
                                  offset=offset)  # fmt: skip
        body = {"count": min(count, MAX_COUNTED), "more": count > MAX_COUNTED, "results": hits}
        return Response(out.SearchResultSerializer(body).data)


def _number(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query_params.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationError({name: [f"Give a whole number from {low} to {high}."]})
    return int(value)


@csrf_exempt
def unknown_address(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return JsonResponse({"detail": "No such address in the API (see /api/docs/)."}, status=404)
