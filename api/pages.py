"""The tokens page: a person's API tokens, made (the key shown once) and revoked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from api.forms import TokenForm
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    key = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _, key = api_token_create(user=request.user, name=data["name"], read_only=data["read_only"],
                                  cases=list(data["cases"]))  # fmt: skip
        form = TokenForm(user=request.user)
    found = ApiToken.objects.filter(user=request.user).prefetch_related("cases")
    response = render(request, "api/tokens.html", {"form": form, "tokens": found, "key": key})
    if key:
        # The key is on this page only: no cache may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    api_token_revoke(token=token)
    messages.success(request, f"Token {token.prefix}… is revoked.")
    return redirect("api:tokens")
