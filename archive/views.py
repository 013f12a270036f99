from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive import selectors, services
from archive.collect.jobs import url_collect_request
from archive.crops import boxed_crop
from archive.derived import web_archive_latest
from archive.filters import EvidenceFilter
from archive.forms import (
    CaseEditForm,
    CaseForm,
    MemberAddForm,
    MemberRoleForm,
    ProvenanceForm,
    UploadForm,
    UrlCollectForm,
)
from archive.locales import case_locales, evidence_device_locale
from archive.models import (
    Case,
    CollectionMethod,
    Evidence,
    EvidenceKind,
    Frame,
    Membership,
    ProcessingStatus,
    Provenance,
    SearchEntry,
    SearchKind,
    TimestampSubject,
    UrlCollection,
)
from archive.pipeline.stages import STAGE_NAMES
from archive.roles import PERMISSIONS, Capability, Role
from archive.search import MAX_COUNTED, marked, query_parse, search_hits
from archive.vault import vault_chunks, vault_open
from timeline import selectors as timeline_selectors
from timeline.forms import SearchFilterForm

CaseView = Callable[..., HttpResponse]


def case_view(capability: Capability = Capability.VIEW) -> Callable[[CaseView], CaseView]:
    """Resolve the case from the URL for a member, or 404 for anyone else.

    Someone who is not a member cannot tell a case they may not see from one
    that does not exist. A member whose role lacks the capability gets 403.
    The view is called as ``view(request, membership, **url_kwargs)``.
    """

    def decorator(view: CaseView) -> CaseView:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
            membership = Membership.objects.select_related("case").filter(case__slug=slug, user=request.user).first()
            if membership is None:
                raise Http404("No such case.")
            if not membership.can(capability):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")
            return view(request, membership, **kwargs)

        return wrapper

    return decorator


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/case_list.html", {"memberships": selectors.memberships_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    form = CaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = services.case_create_unique(owner=request.user, **form.cleaned_data)
        return redirect(case)
    return render(request, "archive/case_form.html", {"form": form})


@case_view(Capability.EDIT_CASE)
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    initial = {"title": case.title, "description": case.description, "default_locale": case.default_locale,
               "locales": case.locales}  # fmt: skip
    form = CaseEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = services.case_update(case=case, actor=request.user, **form.cleaned_data)
        if {"default_locale", "locales"} & set(changed):
            messages.success(
                request,
                "Saved. Items already read keep their text and cues: run their processing again "
                "from ocr to read them in the new locales.",
            )
        elif changed:
            messages.success(request, "Saved.")
        return redirect("archive:case_detail", slug=case.slug)
    return render(request, "archive/case_form.html", {"form": form, "case": case})


@case_view()
@require_GET
def case_detail(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    evidence_filter = EvidenceFilter(request.GET, queryset=selectors.case_evidence(case))
    page = Paginator(evidence_filter.qs, settings.EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "archive/case_detail.html",
        {
            "case": case,
            "membership": membership,
            "filter": evidence_filter,
            "page": page,
            "query": query.urlencode(),
            "can_collect": membership.can(Capability.COLLECT),
            "can_edit": membership.can(Capability.EDIT_CASE),
            "locales": case_locales(case),
        },
    )


@case_view(Capability.COLLECT)
@require_http_methods(["GET", "POST"])
def evidence_upload(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not request.FILES and int(request.META.get("CONTENT_LENGTH") or 0) > 4096:
        # Django drops a part whose headers are not UTF-8 (a file name from another system):
        # the bytes arrived, but no file did.
        messages.error(
            request,
            "The upload arrived, but no file name in it could be read (names must be UTF-8), so nothing was "
            "stored. Rename the file and upload it again.",
        )
    if request.method == "POST" and form.is_valid():
        provenance = services.ProvenanceInput(method=CollectionMethod.UPLOAD, **form.provenance_values())
        stored = 0
        for upload in form.cleaned_data["files"]:
            try:
                result = services.evidence_collect(
                    case=case, spooled=upload, provenance=provenance, actor=request.user, kind=form.cleaned_data["kind"]
                )
            except services.EvidenceRejected as error:
                messages.error(request, str(error))
                continue
            stored += 1
            if not result.created:
                messages.info(
                    request,
                    f"{result.provenance.original_name} is already in this case as #{result.evidence.pk} "
                    f"({result.evidence.original_name}); this collection was added to its provenance.",
                )
            for warning in result.warnings:
                messages.warning(request, f"{result.provenance.original_name}: {warning}.")
        if stored:
            messages.success(request, f"{stored} file{'s' if stored != 1 else ''} stored in the vault.")
            return redirect(case)
    return render(request, "archive/evidence_upload.html", {"case": case, "form": form})


@case_view()
@require_GET
def evidence_detail(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    case = membership.case
    evidence = get_object_or_404(Evidence.objects.select_related("case"), case=case, pk=pk)
    provenance = list(selectors.evidence_provenance(evidence))
    for record in provenance:
        record.editable = _may_edit_provenance(membership, record)
    # The case's default device locale is worth a line only when no record names a locale of its own.
    assumed_locale = "" if any(r.locale for r in provenance) else evidence_device_locale(evidence, provenance)
    # A search hit's second in a recording: the video starts there (a media fragment).
    try:
        start = max(0.0, float(request.GET["t"])) if "t" in request.GET else None
    except ValueError:
        start = None
    if start is not None and not math.isfinite(start):
        start = None
    return render(
        request,
        "archive/evidence_detail.html",
        {
            "case": case,
            "membership": membership,
            "evidence": evidence,
            "provenance": provenance,
            "assumed_locale": assumed_locale,
            "start": start,
            "custody": selectors.evidence_custody(evidence),
            "timestamps": evidence.timestamps.filter(subject=TimestampSubject.ORIGINAL),
            "web_archive": evidence.kind == EvidenceKind.WEB_CAPTURE and web_archive_latest(evidence.pk) is not None,
            "stage_runs": selectors.evidence_stage_runs(evidence),
            "frames": selectors.evidence_frames(evidence),
            "similar": selectors.evidence_similar(evidence),
            "metadata": json.dumps(evidence.metadata, indent=2, ensure_ascii=False, sort_keys=True),
            "can_reprocess": membership.can(Capability.REPROCESS),
            "cue_groups": timeline_selectors.cues_by_bound(evidence),
            "intervals": timeline_selectors.capture_intervals(evidence),
            "cue_candidates": evidence.metadata.get("cue_candidates", []),
            "unmatched_headlines": timeline_selectors.headline_candidates(evidence),
            "can_add_cues": membership.can(Capability.ADD_CUES),
            "stages": STAGE_NAMES,
            "final": evidence.status in (ProcessingStatus.DONE, ProcessingStatus.FAILED),
        },
    )


@case_view(Capability.REPROCESS)
@require_POST
def evidence_reprocess(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("case"), case=membership.case, pk=pk)
    stage = request.POST.get("stage") or None
    if stage not in (None, *STAGE_NAMES):
        raise Http404("No such stage.")
    try:
        first = services.evidence_process(evidence=evidence, stage=stage, actor=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Processing queued again from the {first} stage.")
    return redirect(evidence)


@case_view()
@require_GET
def case_progress(request: HttpRequest, membership: Membership) -> JsonResponse:
    """Status of the listed items, polled by the case and evidence pages while they process."""
    ids = [int(n) for n in request.GET.getlist("id") if n.isdigit() and len(n) < 19]
    return JsonResponse({"items": selectors.case_progress(membership.case, ids)})


@case_view()
@require_GET
def frame_image(request: HttpRequest, membership: Membership, pk: int, index: int) -> HttpResponse:
    """A derived picture (keyframe, rendered page). We made it, so it is shown inline."""
    frame = get_object_or_404(Frame, evidence__case=membership.case, evidence__pk=pk, index=index)
    if not frame.image_name:
        raise Http404("This frame is the original itself.")
    response = FileResponse(storages["default"].open(frame.image_name, "rb"), content_type="image/png")
    return sandboxed(response, cache="private, max-age=3600")


@case_view()
@require_GET
def web_archive(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """A web capture's WARC records packed as WACZ, for ReplayWeb.page and the archivists' own tools."""
    evidence = get_object_or_404(Evidence, case=membership.case, pk=pk)
    name = web_archive_latest(evidence.pk)
    if name is None:
        raise Http404("This item has no web archive.")
    filename = f"{membership.case.slug}-{evidence.pk}.wacz"
    response = FileResponse(storages["default"].open(name, "rb"), as_attachment=True, filename=filename,
                            content_type="application/wacz")  # fmt: skip
    return sandboxed(response)


@case_view()
@require_GET
def evidence_original(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The original as an attachment, whatever it is: never rendered by the browser."""
    evidence = get_object_or_404(Evidence, case=membership.case, pk=pk)
    services.evidence_record_access(evidence=evidence, actor=request.user, downloaded=True)
    response = FileResponse(
        vault_open(evidence.sha256),
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/octet-stream",
    )
    return _harden(response, evidence)


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


@case_view()
@require_GET
def evidence_preview(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """The original inline, for images, videos and PDFs only, with byte ranges so video can seek."""
    evidence = get_object_or_404(Evidence, case=membership.case, pk=pk)
    if evidence.preview_kind == "none":
        raise Http404("This kind of file has no preview; download it instead.")
    start, end = 0, evidence.size - 1
    match = _RANGE.match(request.headers.get("Range", ""))
    ranged = bool(match and (match.group(1) or match.group(2)))
    if ranged:
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), end) if last else end
        else:
            start = max(0, evidence.size - int(last))
        if start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{evidence.size}"
            return response
    _log_viewing(request, evidence)
    length = end - start + 1
    response = StreamingHttpResponse(
        vault_chunks(evidence.sha256, start, length),
        status=206 if ranged else 200,
        content_type=evidence.content_type,
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if ranged:
        response["Content-Range"] = f"bytes {start}-{end}/{evidence.size}"
    response["Content-Disposition"] = "inline"
    response = _harden(response, evidence)
    if evidence.preview_kind == "pdf" and request.headers.get("Sec-Fetch-Dest") == "iframe":
        # Chromium's PDF viewer does not run in a sandboxed document, so the PDF
        # is shown unsandboxed, but only inside a frame of our own evidence page.
        del response["Content-Security-Policy"]
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


VIEWING_WINDOW = 15 * 60


def _log_viewing(request: HttpRequest, evidence: Evidence) -> None:
    """Log a viewing of the original once per session and item in any 15 minutes.

    A video player fetches the original in many byte ranges; each viewing,
    whatever range it starts with, is one custody entry.
    """
    key = f"viewed-{evidence.pk}"
    now = time.time()
    if now - request.session.get(key, 0) > VIEWING_WINDOW:
        services.evidence_record_access(evidence=evidence, actor=request.user, downloaded=False)
        request.session[key] = now


def sandboxed(response: HttpResponse, cache: str = "private, no-cache") -> HttpResponse:
    """Headers for every file sent to the browser: never sniffed, never run, never cached publicly."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = cache
    return response


def _harden(response: HttpResponse, evidence: Evidence) -> HttpResponse:
    response["X-Evidence-SHA256"] = evidence.sha256
    return sandboxed(response)


def _may_edit_provenance(membership: Membership, record: Provenance) -> bool:
    if membership.can(Capability.EDIT_PROVENANCE):
        return True
    return membership.can(Capability.EDIT_OWN_PROVENANCE) and record.collected_by_id == membership.user_id


@case_view(Capability.EDIT_OWN_PROVENANCE)
@require_http_methods(["GET", "POST"])
def provenance_edit(request: HttpRequest, membership: Membership, pk: int, provenance_pk: int) -> HttpResponse:
    case = membership.case
    record = get_object_or_404(
        Provenance.objects.select_related("evidence"), evidence__case=case, evidence__pk=pk, pk=provenance_pk
    )
    if not _may_edit_provenance(membership, record):
        raise PermissionDenied("You may edit only the provenance you recorded.")
    form = ProvenanceForm.for_record(record, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.provenance_update(provenance=record, actor=request.user, changes=form.provenance_values())
        messages.success(request, "Provenance saved; the change is in the custody log.")
        return redirect(record.evidence)
    return render(request, "archive/provenance_form.html", {"case": case, "record": record, "form": form})


@case_view()
@require_GET
def member_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    return render(
        request,
        "archive/members.html",
        {
            "case": case,
            "membership": membership,
            "members": selectors.case_members(case),
            "can_manage": membership.can(Capability.MANAGE_MEMBERS),
            "add_form": MemberAddForm(),
            "roles": Role.choices,
            "permissions": [
                (capability.label, [capability in PERMISSIONS[role] for role in Role]) for capability in Capability
            ],
        },
    )


@case_view(Capability.MANAGE_MEMBERS)
@require_POST
def member_add(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(
                case=case, user=form.cleaned_data["username"], role=form.cleaned_data["role"], actor=request.user
            )
        except services.ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{form.cleaned_data['username']} added.")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("archive:member_list", slug=case.slug)


@case_view(Capability.MANAGE_MEMBERS)
@require_POST
def member_update(request: HttpRequest, membership: Membership, member_pk: int) -> HttpResponse:
    case = membership.case
    target = get_object_or_404(Membership.objects.select_related("user", "case"), case=case, pk=member_pk)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=target, actor=request.user)
            messages.success(request, f"{target.user} removed from the case.")
        else:
            form = MemberRoleForm(request.POST)
            if not form.is_valid():
                raise services.ServiceError("Choose one of the roles.")
            services.membership_change_role(membership=target, role=form.cleaned_data["role"], actor=request.user)
            messages.success(request, f"{target.user} is now {target.get_role_display()}.")
    except services.ServiceError as error:
        messages.error(request, str(error))
    return redirect("archive:member_list", slug=case.slug)


@case_view()
@require_GET
def custody_log(request: HttpRequest, membership: Membership) -> HttpResponse:
    case: Case = membership.case
    page = Paginator(selectors.case_custody(case), 100).get_page(request.GET.get("page"))
    head_stamps = case.timestamps.filter(subject=TimestampSubject.CUSTODY_HEAD).order_by("-stamped_at")[:5]
    return render(request, "archive/custody_log.html", {"case": case, "page": page, "head_stamps": head_stamps})


@case_view(Capability.COLLECT)
@require_http_methods(["GET", "POST"])
def url_collect(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    form = UrlCollectForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        jobs = url_collect_request(case=case, urls=form.cleaned_data["requests"], actor=request.user)
        messages.success(request, f"{len(jobs)} URL{'s' if len(jobs) != 1 else ''} queued for collection.")
        return redirect("archive:url_collect", slug=case.slug)
    jobs = UrlCollection.objects.filter(case=case).select_related("media", "page", "requested_by")[:50]
    return render(request, "archive/url_collect.html", {"case": case, "form": form, "jobs": jobs})


SEARCH_PAGE_SIZE = 25


@dataclass(frozen=True)
class _SearchHit:
    entry: SearchEntry
    pieces: list[tuple[str, bool]]
    score: float


def _search_page(request: HttpRequest, cases: list[int], context: dict[str, object]) -> HttpResponse:
    """A page of hits in the given cases (the person's own, checked by the caller)."""
    text = request.GET.get("q", "")[:500]
    query = query_parse(text)
    kinds = [k for k in request.GET.getlist("kind") if k in SearchKind.values]
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    offset = (number - 1) * SEARCH_PAGE_SIZE
    narrow = SearchFilterForm(request.GET, cases=cases)
    items = timeline_selectors.items_narrowed(cases, **narrow.cleaned_data) if narrow.narrowing else None
    hits, total = search_hits(query, cases=cases, kinds=kinds, items=items, limit=SEARCH_PAGE_SIZE, offset=offset)
    shown = [_SearchHit(hit.entry, marked(hit.entry.text, query), hit.score) for hit in hits]
    narrowed = [(name, request.GET[name]) for name in narrow.fields if narrow.narrowing and request.GET.get(name)]
    others = urlencode([("q", text), *(("kind", k) for k in kinds), *narrowed])
    return render(
        request,
        "archive/search.html",
        {
            **context,
            "q": text,
            "kinds": SearchKind.choices,
            "chosen": kinds,
            "narrow": narrow,
            "hits": shown,
            "total": min(total, MAX_COUNTED),
            "more": total > MAX_COUNTED,
            "number": number,
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if offset + len(hits) < total else None,
            "others": others,
            "searched": not query.empty,
        },
    )


@case_view()
@require_GET
def case_search(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _search_page(request, [membership.case_id], {"case": membership.case})


@login_required
@require_GET
def search_everywhere(request: HttpRequest) -> HttpResponse:
    """Every case of the person: the cases are theirs by membership, in the query, so others add nothing."""
    cases = list(Membership.objects.filter(user=request.user).values_list("case_id", flat=True))
    return _search_page(request, cases, {"case": None})


@case_view()
@require_GET
def search_crop(request: HttpRequest, membership: Membership, entry_pk: int) -> HttpResponse:
    """The frame a hit was read on, cut around its box."""
    entry = get_object_or_404(SearchEntry.objects.select_related("evidence"), case=membership.case, pk=entry_pk)
    frame = Frame.objects.filter(evidence=entry.evidence, index=entry.frame).first()
    if frame is not None:
        frame.evidence = entry.evidence
    return sandboxed(HttpResponse(boxed_crop(frame, entry.box), content_type="image/png"))
