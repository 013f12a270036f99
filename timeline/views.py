from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive import selectors as selectors_archive
from archive.crops import boxed_crop
from archive.models import Case, Evidence, Frame, Membership
from archive.roles import Capability
from archive.vault import vault_open
from archive.views import case_view, sandboxed
from timeline import selectors, services
from timeline.bags import BagError, bag_stream
from timeline.chart import ChartRow, build_chart
from timeline.filters import TimelineFilter
from timeline.forms import (
    ArticleForm,
    EntitiesLinkForm,
    EntityForm,
    EventForm,
    ManualCueForm,
    MentionFilterForm,
    OrderedIdsForm,
    ReviewForm,
    SignOffForm,
)
from timeline.intervals import conflicting
from timeline.memo import memo_context, reasoning_links, timeline_row
from timeline.models import Cue, Entity, HeadlineCandidate, IntervalMode, KeyEvent, Mention, MentionStatus, OrderedIds
from timeline.selectors import cue_frame
from timeline.timelinejs import Event, Media, timelinejs_document


@case_view()
@require_GET
def cue_crop(request: HttpRequest, membership: Membership, pk: int, cue_pk: int) -> HttpResponse:
    """The part of the frame a cue was read from, its box outlined, so the reasoning can be checked by eye."""
    cue = get_object_or_404(
        Cue.objects.select_related("evidence"), evidence__case=membership.case, evidence__pk=pk, pk=cue_pk
    )
    return _crop(cue)


@case_view()
@require_GET
def candidate_crop(request: HttpRequest, membership: Membership, pk: int, candidate_pk: int) -> HttpResponse:
    """The line of a headline the corpus lacks, outlined on its frame."""
    candidate = _candidate(membership, pk, candidate_pk)
    return _crop(candidate)


@case_view()
@require_GET
def reference_copy(request: HttpRequest, membership: Membership, pk: int, cue_pk: int, part: str) -> HttpResponse:
    """The stored copy of the article behind a headline cue: its picture inline, its HTML as a download."""
    cue = get_object_or_404(
        Cue.objects.select_related("headline"), evidence__case=membership.case, evidence__pk=pk, pk=cue_pk
    )
    reference = cue.headline
    sha256 = ""
    if reference is not None and part in ("page", "picture"):
        sha256 = reference.capture_sha256 if part == "picture" else reference.page_sha256
    if not sha256:
        raise Http404("This cue's reference has no stored page.")
    if part == "picture":
        response = FileResponse(vault_open(sha256), content_type="image/png")
    else:
        name = f"reference-{reference.pk}-{sha256[:12]}.html"
        response = FileResponse(vault_open(sha256), as_attachment=True, filename=name, content_type="text/plain")
    response["X-Evidence-SHA256"] = sha256
    return sandboxed(response)


def _candidate(membership: Membership, pk: int, candidate_pk: int) -> HeadlineCandidate:
    return get_object_or_404(
        HeadlineCandidate.objects.select_related("evidence"),
        evidence__case=membership.case,
        evidence__pk=pk,
        pk=candidate_pk,
    )


def _crop(found: Cue | HeadlineCandidate | Mention) -> HttpResponse:
    frame = cue_frame(found)
    if frame is not None:
        frame.evidence = found.evidence
    png = boxed_crop(frame, (found.locator or {}).get("box"))
    return sandboxed(HttpResponse(png, content_type="image/png"))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page the form was on, when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


def _messages_from(request: HttpRequest, form: object) -> None:
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else form.fields[field].label or field.replace("_", " ").capitalize()
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@case_view()
@require_GET
def timeline(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The case's answer in one line per event, a chart of capture intervals, and the chronological table."""
    case = membership.case
    events = selectors.case_events(case)
    found = TimelineFilter(request.GET, case=case, events=events)
    prefix, event = found.prefix, found.chosen_event
    answers = selectors.case_answers(found.without_verdict(), events, prefix)
    rows = selectors.chronological(found.qs, prefix)
    page = Paginator(selectors.timeline_rows(rows), settings.TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    reasoning = reasoning_links(case.slug)
    items = [timeline_row(item, reasoning(item.pk), prefix, events, event) for item in page]
    chart = build_chart(
        [ChartRow(row.item.original_name, row.href, row.interval.earliest, row.interval.latest, row.outcome,
                  [(p.posted_at, p.posted_at_granularity) for p in row.item.postings]) for row in items],
        [(e.title, e.moment) for e in events],
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "timeline/timeline.html",
        {
            "case": case,
            "membership": membership,
            "filter": found,
            "answers": answers,
            "event": event,
            "events": events,
            "verified": found.chosen_mode == IntervalMode.VERIFIED,
            "rows": items,
            "page": page,
            "chart": chart,
            "query": query.urlencode(),
            "can_manage": membership.can(Capability.MANAGE_EVENTS),
        },
    )


@case_view()
@require_GET
def timeline_export(request: HttpRequest, membership: Membership, export: str) -> HttpResponse:
    """The filtered timeline as CSV (one row per item, two columns per event) or JSON (one object per item)."""
    case = membership.case
    events = selectors.case_events(case)
    found = TimelineFilter(request.GET, case=case, events=events)
    rows = selectors.strongest_first(found.qs, found.prefix, found.chosen_event)
    records = list(selectors.item_records(rows, events, found.prefix))
    services.timeline_export_log(
        case=case, actor=request.user, export=export, mode=found.chosen_mode, items=len(records),
        filters=_filters(request),
    )  # fmt: skip
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    name = f"{case.slug}-timeline-{found.chosen_mode}-{stamp}.{export}"
    if export == "timelinejs":
        document = _timelinejs(request, case, records, events, found.chosen_mode)
        response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json")
        name = f"{case.slug}-timelinejs-{found.chosen_mode}-{stamp}.json"
    elif export == "json":
        body = {"case": case.slug, "mode": found.chosen_mode, "custody_head": case.custody_head,
                "exported_at": timezone.now().isoformat(), "items": records}  # fmt: skip
        response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        # The byte-order mark tells spreadsheet programs the file is UTF-8, so Cyrillic names survive.
        response.write("\ufeff")
        csv.writer(response).writerows(_csv_rows(records, events))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@case_view()
@require_POST
def case_bag(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The case (or the items asked for) as a BagIt package, streamed as a ZIP once it is written.

    A POST: making one copies every original and writes a custody entry, which
    no link followed by a crawler or another site should do.
    """
    try:
        chosen = [int(value) for value in request.POST.getlist("evidence")]
    except ValueError:
        return HttpResponse("evidence= takes item ids.", status=400, content_type="text/plain")
    try:
        stream = bag_stream(case=membership.case, actor=request.user, evidence_ids=chosen or None)
    except BagError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{stream.summary.path.name}.zip"'
    return response


def _timelinejs(
    request: HttpRequest, case: Case, records: list[dict[str, object]], events: list[KeyEvent], mode: str
) -> dict[str, object]:
    """The TimelineJS document, its pictures and links as absolute addresses on this server (members only)."""
    frames = selectors.shown_frames([record["id"] for record in records], mode == IntervalMode.VERIFIED)
    reasoning = reasoning_links(case.slug)

    def media(pk: int) -> Media | None:
        frame = frames.get(pk)
        if frame is None:
            return None
        if frame.image_name:
            url = reverse("archive:frame_image", args=[case.slug, pk, frame.index])
        else:
            url = reverse("archive:evidence_preview", args=[case.slug, pk])
        return Media(url=request.build_absolute_uri(url), caption=frame.label, link=request.build_absolute_uri(
            reverse("archive:evidence_detail", args=[case.slug, pk])))  # fmt: skip

    plain = [Event(pk=event.pk, title=event.title, day=event.date, legal_act=event.legal_act,
                   source_url=event.source_url, note=event.note) for event in events]  # fmt: skip
    return timelinejs_document(
        title=case.title, description=case.description, records=records, events=plain, media=media,
        link=lambda pk: request.build_absolute_uri(reasoning(pk)), mode=mode,
    )  # fmt: skip


def _csv_rows(records: list[dict[str, object]], events: list[KeyEvent]) -> Iterator[list[object]]:
    """A header, then one row per item with a verdict and a margin column per event."""
    yield ["id", "name", "kind", "sha256", "earliest", "latest", "cues", "conflict_cues"] + [
        f"{column}: {event.title} ({event.date})" for event in events for column in ("verdict", "margin days")
    ]
    for record in records:
        interval = record["capture_interval"]
        cells = [record["id"], _cell(record["name"]), record["kind"], record["sha256"], interval["earliest"] or "",
                 interval["latest"] or "", record["cues"], " ".join(map(str, record["conflict"] or []))]  # fmt: skip
        for found in record["verdicts"]:
            cells += [found["verdict"], "" if found["margin_days"] is None else found["margin_days"]]
        yield cells


def _cell(text: str) -> str:
    # A cell that starts like a formula would run in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@case_view()
@require_GET
def memo(request: HttpRequest, membership: Membership) -> HttpResponse:
    """A printable fact-check memo: each item's verdicts with the cues, crops, provenance and hashes behind them.

    Verified mode unless asked otherwise: a memo is what a fact-checker stands behind.
    """
    context = memo_context(membership.case, request.GET)
    services.timeline_export_log(
        case=membership.case,
        actor=request.user,
        export="memo",
        mode=context["mode"],
        items=len(context["rows"]),
        filters=_filters(request),
    )
    return render(request, "timeline/memo.html", context)


@case_view()
@require_GET
def review_queue(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    events = selectors.case_events(case)
    queue = selectors.review_queue(case, events)
    page = Paginator(queue, settings.REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.review_page(list(page.object_list))
    for cue in page:
        cue.effects = selectors.review_effect(cue, events)
    unmatched, unmatched_count = selectors.case_headline_candidates(case, settings.REVIEW_PAGE_SIZE)
    return render(
        request,
        "timeline/review_queue.html",
        {
            "case": case,
            "membership": membership,
            "page": page,
            "waiting": page.paginator.count,
            "can_review": membership.can(Capability.REVIEW_CUES),
            "review_form": ReviewForm(),
            "unmatched": unmatched,
            "unmatched_count": unmatched_count,
            "can_add_cues": membership.can(Capability.ADD_CUES),
        },
    )


@case_view(Capability.REVIEW_CUES)
@require_POST
def cue_review(request: HttpRequest, membership: Membership, cue_pk: int) -> HttpResponse:
    cue = get_object_or_404(Cue.objects.select_related("evidence"), evidence__case=membership.case, pk=cue_pk)
    back = reverse("timeline:reasoning", kwargs={"slug": membership.case.slug, "pk": cue.evidence_id})

    def review(confirm: bool, note: str) -> str:
        services.cue_review(cue=cue, actor=request.user, confirm=confirm, note=note)
        return f"Cue {'confirmed' if confirm else 'rejected'}: {cue.text[:80]}"

    return _reviewed(request, back, review)


def _reviewed(request: HttpRequest, back: str, review: Callable[[bool, str], str]) -> HttpResponse:
    """A review form's decision and note handed to ``review``, which says what it did; then back to the page."""
    form = ReviewForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
        return _back(request, back)
    try:
        done = review(form.cleaned_data["decision"] == "confirm", form.cleaned_data["note"])
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return _back(request, back)


@case_view()
@require_GET
def reasoning(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    """Everything behind an item's verdicts, for redoing the reasoning by eye."""
    case = membership.case
    evidence = get_object_or_404(
        selectors.with_intervals(Evidence.objects.filter(case=case)).prefetch_related("entities"), pk=pk
    )
    events = selectors.case_events(case)
    cues = list(selectors.evidence_cues(evidence))
    modes = []
    for mode, prefix in selectors.PREFIX.items():
        verified = mode == IntervalMode.VERIFIED
        counted = [cue for cue in cues if selectors.counts_in(cue, verified)]
        modes.append(
            {
                "mode": mode,
                "label": IntervalMode(mode).label,
                "interval": selectors.interval_of(evidence, prefix),
                "verdicts": selectors.verdicts_of(evidence, prefix, events),
                "cues": len(counted),
                "conflict": conflicting(counted),
            }
        )
    sign_off = evidence.sign_offs.select_related("signed_by").first()
    cue_form = ManualCueForm(evidence=evidence)
    return render(
        request,
        "timeline/reasoning.html",
        {
            "case": case,
            "membership": membership,
            "evidence": evidence,
            "provenance": selectors_archive.evidence_provenance(evidence),
            "events": events,
            "modes": modes,
            "cues": cues,
            "sign_off": sign_off,
            "sign_off_change": selectors.sign_off_change(sign_off, modes[1]["verdicts"]),
            "can_review": membership.can(Capability.REVIEW_CUES),
            "can_add": membership.can(Capability.ADD_CUES),
            "can_link": membership.can(Capability.MANAGE_EVENTS),
            "review_form": ReviewForm(),
            "cue_form": cue_form,
            "frames": [(frame, _frame_src(case.slug, evidence, frame)) for frame in cue_form.fields["frame"].queryset],
            "sign_off_form": SignOffForm(),
            "link_form": EntitiesLinkForm(case=case, initial={"entities": list(evidence.entities.all())}),
            "mentions": selectors.evidence_mentions(evidence),
        },
    )


def _frame_src(slug: str, evidence: Evidence, frame: Frame) -> str:
    """The picture a region is drawn on: the derived frame, or the original when it is the picture."""
    if frame.image_name:
        return reverse("archive:frame_image", kwargs={"slug": slug, "pk": evidence.pk, "index": frame.index})
    if evidence.preview_kind == "image":
        return reverse("archive:evidence_preview", kwargs={"slug": slug, "pk": evidence.pk})
    return ""


@case_view(Capability.ADD_CUES)
@require_POST
def cue_add(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("case"), case=membership.case, pk=pk)
    back = reverse("timeline:reasoning", kwargs={"slug": membership.case.slug, "pk": pk})
    form = ManualCueForm(request.POST, evidence=evidence)
    if not form.is_valid():
        _messages_from(request, form)
        return redirect(back)
    data = form.cleaned_data
    try:
        services.cue_add_manual(
            evidence=evidence, actor=request.user, bound=data["bound"], day=data["day"], text=data["text"],
            note=data["note"], source_url=data["source_url"], region=form.region, zone=data["zone"],
        )  # fmt: skip
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Cue added; it counts in the provisional verdict until a fact-checker confirms it.")
    return redirect(back)


@case_view(Capability.ADD_CUES)
@require_POST
def candidate_lookup(request: HttpRequest, membership: Membership, pk: int, candidate_pk: int) -> HttpResponse:
    """The article found for a headline the corpus lacks: the page kept, a reference made, a cue proposed."""
    candidate = _candidate(membership, pk, candidate_pk)
    back = reverse("archive:evidence_detail", kwargs={"slug": membership.case.slug, "pk": pk})
    form = ArticleForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
        return redirect(f"{back}#headline-{candidate.pk}")
    try:
        found = services.reference_from_url(url=form.cleaned_data["url"], actor=request.user, candidate=candidate)
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect(f"{back}#headline-{candidate.pk}")
    published, exact = found.reference.published_at, found.reference.published_granularity == "second"
    when = f"{published:%Y-%m-%d %H:%M} UTC" if exact else f"{published:%Y-%m-%d}"
    others = "; it also gives " + ", ".join(o.text for o in found.article.others) if found.article.others else ""
    messages.success(
        request,
        f"“{found.reference.title}” ({found.reference.outlet}) was first published {when}, by its "
        f"{found.reference.date_found_in}{others}. A headline cue is proposed; another fact-checker confirms it.",
    )
    reasoning = reverse("timeline:reasoning", kwargs={"slug": membership.case.slug, "pk": pk})
    return redirect(f"{reasoning}#cue-{found.cue.pk}")


@case_view(Capability.REVIEW_CUES)
@require_POST
def sign_off(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("case"), case=membership.case, pk=pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
        return redirect("timeline:reasoning", slug=membership.case.slug, pk=pk)
    note = form.cleaned_data["note"]
    try:
        services.verdict_sign_off(evidence=evidence, actor=request.user, note=note)
    except services.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Verdict signed off.")
    return redirect("timeline:reasoning", slug=membership.case.slug, pk=pk)


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def entities_link(request: HttpRequest, membership: Membership, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("case"), case=membership.case, pk=pk)
    form = EntitiesLinkForm(request.POST, case=membership.case)
    if form.is_valid():
        services.entities_link(evidence=evidence, entities=list(form.cleaned_data["entities"]), actor=request.user)
        messages.success(request, "Entities saved.")
    else:
        _messages_from(request, form)
    return redirect("timeline:reasoning", slug=membership.case.slug, pk=pk)


@case_view()
@require_GET
def events(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    return render(
        request,
        "timeline/events.html",
        {
            "case": case,
            "membership": membership,
            "events": selectors.case_events(case),
            "entities": Entity.objects.filter(case=case).annotate(
                items=Count("evidence", distinct=True),
                proposed=Count("mentions", filter=Q(mentions__status=MentionStatus.PROPOSED), distinct=True),
                confirmed=Count("mentions", filter=Q(mentions__status=MentionStatus.CONFIRMED), distinct=True),
            ),
            "can_manage": membership.can(Capability.MANAGE_EVENTS),
            "event_form": EventForm(case=case),
            "entity_form": EntityForm(),
            "scans": selectors.mention_scans(case),
        },
    )


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def event_add(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    form = EventForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        services.event_add(
            case=case, title=data["title"], day=data["date"], actor=request.user, kind=data["kind"],
            entity_name=data["entity"].name if data["entity"] else "", legal_act=data["legal_act"],
            source_url=data["source_url"], note=data["note"],
        )  # fmt: skip
        messages.success(request, f"Key event added: {data['title']}.")
    else:
        _messages_from(request, form)
    return redirect("timeline:events", slug=case.slug)


@case_view(Capability.MANAGE_EVENTS)
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, membership: Membership, event_pk: int) -> HttpResponse:
    case = membership.case
    event = get_object_or_404(KeyEvent.objects.select_related("entity"), case=case, pk=event_pk)
    initial = {name: getattr(event, name) for name in services.EVENT_EDITABLE}
    form = EventForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, actor=request.user, changes=form.cleaned_data)
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Key event saved: {form.cleaned_data['title']}.")
            return redirect("timeline:events", slug=case.slug)
    return render(request, "timeline/event_form.html", {"case": case, "event": event, "form": form})


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def event_remove(request: HttpRequest, membership: Membership, event_pk: int) -> HttpResponse:
    event = get_object_or_404(KeyEvent.objects.select_related("case", "entity"), case=membership.case, pk=event_pk)
    services.event_remove(event=event, actor=request.user)
    messages.success(request, f"Key event removed: {event.title}.")
    return redirect("timeline:events", slug=membership.case.slug)


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def entity_add(request: HttpRequest, membership: Membership) -> HttpResponse:
    case = membership.case
    form = EntityForm(request.POST)
    if form.is_valid():
        try:
            services.entity_add(case=case, actor=request.user, **form.cleaned_data)
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Entity added: {form.cleaned_data['name']}.")
    else:
        _messages_from(request, form)
    return redirect("timeline:events", slug=case.slug)


def _filters(request: HttpRequest) -> str:
    """The filters of an export as the custody log keeps them: the query, its keys sorted."""
    return urlencode(sorted((key, value) for key, values in request.GET.lists() for value in values))


@case_view(Capability.MANAGE_EVENTS)
@require_http_methods(["GET", "POST"])
def entity_edit(request: HttpRequest, membership: Membership, entity_pk: int) -> HttpResponse:
    """An entity's name, kind and other names; changed names are looked for again in every item of the case."""
    case = membership.case
    entity = get_object_or_404(Entity, case=case, pk=entity_pk)
    initial = {"name": entity.name, "kind": entity.kind, "aliases": ", ".join(entity.aliases)}
    form = EntityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scan = services.entity_update(entity=entity, actor=request.user, **form.cleaned_data)
        except services.ReviewError as error:
            messages.error(request, str(error))
        else:
            searching = " Its names are being looked for in every item." if scan else ""
            messages.success(request, f"Entity saved: {form.cleaned_data['name']}.{searching}")
            return redirect("timeline:events", slug=case.slug)
    return render(request, "timeline/entity_form.html", {"case": case, "entity": entity, "form": form})


MENTIONS_PAGE_SIZE = 50


@case_view()
@require_GET
def mentions(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The case's mentions of its entities, proposed first, with the looks for them in progress."""
    case = membership.case
    form = MentionFilterForm(request.GET or None, case=case)
    chosen = form.cleaned_data if form.is_valid() else {}
    entity = chosen.get("entity")
    found = selectors.case_mentions(case, entity=entity.pk if entity else None, status=chosen.get("status") or "")
    page = Paginator(found, MENTIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    scans = selectors.mention_scans(case)
    return render(
        request,
        "timeline/mentions.html",
        {
            "case": case,
            "membership": membership,
            "form": form,
            "page": page,
            "query": urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v]),
            "scans": scans,
            "running": any(scan.status in ("queued", "running") for scan in scans),
            "can_review": membership.can(Capability.REVIEW_CUES),
            "can_scan": membership.can(Capability.MANAGE_EVENTS),
        },
    )


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def mentions_scan(request: HttpRequest, membership: Membership) -> HttpResponse:
    services.mention_scan_request(case=membership.case, reason="asked for by hand", actor=request.user)
    messages.success(request, "Looking for the entities in every item of the case.")
    return redirect("timeline:mentions", slug=membership.case.slug)


@case_view(Capability.REVIEW_CUES)
@require_POST
def mention_review(request: HttpRequest, membership: Membership, mention_pk: int) -> HttpResponse:
    mention = get_object_or_404(
        Mention.objects.select_related("evidence", "entity"), evidence__case=membership.case, pk=mention_pk
    )
    back = reverse("timeline:reasoning", kwargs={"slug": membership.case.slug, "pk": mention.evidence_id})

    def review(confirm: bool, note: str) -> str:
        services.mention_review(mention=mention, actor=request.user, confirm=confirm, note=note)
        linked = f"; the item is linked to {mention.entity.name}" if confirm else ""
        return f"Mention {'confirmed' if confirm else 'rejected'}: {mention.text}{linked}."

    return _reviewed(request, back, review)


@case_view()
@require_GET
def mention_crop(request: HttpRequest, membership: Membership, pk: int, mention_pk: int) -> HttpResponse:
    """Where an entity's name was read, outlined on its frame."""
    mention = get_object_or_404(
        Mention.objects.select_related("evidence"), evidence__case=membership.case, evidence__pk=pk, pk=mention_pk
    )
    return _crop(mention)


@case_view()
@require_GET
def ordered_ids(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The case's platforms that number in order, their calibration points traced to cues, and contradictions."""
    # What was last worked out, not worked out now: reading the page costs no scan of the case.
    found = [
        {"ordered": ordered, "points": selectors.points_read(ordered.points), "items": ordered.items,
         "flags": [{"point": selectors.points_read([flag["point"]])[0], "reason": flag["reason"]}
                   for flag in ordered.flags]}
        for ordered in OrderedIds.objects.filter(case=membership.case)
    ]  # fmt: skip
    return render(request, "timeline/ordered_ids.html", {
        "case": membership.case, "found_list": found, "form": OrderedIdsForm(),
        "can_manage": membership.can(Capability.MANAGE_EVENTS),
    })  # fmt: skip


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def ordered_ids_add(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = OrderedIdsForm(request.POST)
    if form.is_valid():
        try:
            services.ordered_ids_add(case=membership.case, actor=request.user, **form.cleaned_data)
            messages.success(request, "Added: the items showing these ids are read again.")
        except services.ReviewError as error:
            messages.error(request, str(error))
    else:
        _messages_from(request, form)
    return redirect("timeline:ordered_ids", slug=membership.case.slug)


@case_view(Capability.MANAGE_EVENTS)
@require_POST
def ordered_ids_recompute(request: HttpRequest, membership: Membership) -> HttpResponse:
    queued = services.ordered_ids_recompute(case=membership.case)
    messages.success(request, f"{queued} item{'s' if queued != 1 else ''} queued to be read again.")
    return redirect("timeline:ordered_ids", slug=membership.case.slug)
