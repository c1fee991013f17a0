"""Signing in with an API token, signing out, and the front page (the caller's first namespace)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.exceptions import Unauthorized
from werkzeug.wrappers import Response

from web.auth import hash_token, public
from web.services import services
from web.session import check_csrf, sign_in, sign_out
from web.ui.context import visible_namespaces

bp = Blueprint("ui_signin", __name__)


@bp.get("/")
def index() -> Response | str:
    """Go to the workflows of the caller's first namespace (``default`` when it may see it)."""
    namespaces = visible_namespaces()
    if not namespaces:
        return render_template("signin/no_namespace.html")
    namespace = "default" if "default" in namespaces else namespaces[0]
    return redirect(url_for("ui_workflows.workflows", namespace=namespace))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | tuple[str, int] | str:
    """The sign-in form; a valid token starts a session and goes on to ``next`` (a path of this site)."""
    target = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("signin/login.html", next=target, error=None)
    check_csrf()
    token = (request.form.get("token") or "").strip()
    digest = hash_token(token) if token else None
    try:
        if digest is None:
            raise Unauthorized("enter a token")
        services().tokens.authenticate_digest(digest)
    except Unauthorized:
        return render_template("signin/login.html", next=target, error="That token is not valid."), 401
    sign_in(digest)
    return redirect(target)


@bp.post("/logout")
@public
def logout() -> Response:
    """End the session."""
    check_csrf()
    sign_out()
    return redirect(url_for("ui_signin.login"))


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path of this site, else the front page (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("ui_signin.index")
