"""Page routes: an HTML shell per page for a logged-in person whose role may use it; anyone else goes to /login.

The shells hold no data: each page's ES module (static/) asks the JSON APIs with the session cookie."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from serving.auth.models import Principal
from serving.auth.service import authenticate
from serving.auth.views import me_of
from serving.requests import DbSession, credential
from serving.tickets.states import Role

router = APIRouter(include_in_schema=False)
HERE = Path(__file__).parent
STATIC_DIR, TEMPLATES_DIR = HERE / "static", HERE / "templates"
STATIC_URL = "/static"
# Everything from this origin only: no CDN, no inline script; charts are SVG drawn by the page's own module.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    roles: frozenset[Role]

    @property
    def path(self) -> str:
        return f"/{self.name}"


PAGES = {p.name: p for p in (
    Page("workbench", "话务工作台", frozenset({Role.AGENT, Role.SUPERVISOR})),
    Page("inbox", "单位工单", frozenset({Role.UNIT})),
    Page("board", "督办看板", frozenset({Role.SUPERVISOR, Role.ADMIN})),
    Page("maintain", "清单维护", frozenset({Role.MAINTAINER, Role.ADMIN})),
)}
CURRENT = ' aria-current="page"'
HOME = {Role.AGENT: "workbench", Role.UNIT: "inbox", Role.SUPERVISOR: "board", Role.MAINTAINER: "maintain",
        Role.ADMIN: "board"}


def static_files() -> StaticFiles:
    """The pages' CSS and scripts, mounted at STATIC_URL."""
    return StaticFiles(directory=STATIC_DIR)


def visitor(request: Request, session: DbSession,
            key: Annotated[str | None, Depends(credential)]) -> Principal | None:
    """The logged-in person, or None (pages redirect instead of answering 401)."""
    return authenticate(session, key=key, now=request.app.state.clock()) if key else None


Visitor = Annotated[Principal | None, Depends(visitor)]


@lru_cache(maxsize=None)
def fragment(name: str) -> str:
    return (TEMPLATES_DIR / f"{name}.html").read_text(encoding="utf-8")


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


def document(*, title: str, script: str, header: str, main: str) -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · 接诉 Jiesu'
            f'</title><link rel="icon" href="data:,"><link rel="stylesheet" href="{STATIC_URL}/jiesu.css">'
            f'<script type="module" src="{STATIC_URL}/{script}.js"></script></head><body data-page="{script}">'
            f'<a class="skip" href="#main">跳到主要内容</a>{header}<main id="main" tabindex="-1">'
            f'<h1>{escape(title)}</h1>{main}</main></body></html>')


def header(request: Request, principal: Principal, current: str | None) -> str:
    role = Role(principal.role)
    links = [(p.path, p.title) for p in PAGES.values() if role in p.roles] + [("/", "确责清单")]
    nav = "".join(f'<a href="{path}"{CURRENT if path == f"/{current}" else ""}>{escape(title)}</a>'
                  for path, title in links)
    me = me_of(request, principal)
    who = f"{me.name}（{me.role_name}{'·' + me.unit_name if me.unit_name else ''}）"
    return (f'<header class="top"><a class="brand" href="/home">接诉 Jiesu</a><nav aria-label="页面">{nav}</nav>'
            f'<span class="who">{escape(who)}</span><button type="button" id="logout">退出登录</button></header>')


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def page(request: Request, principal: Principal | None, name: str) -> Response:
    """The page for a person whose role may use it; /login when not logged in; 403 with the way home otherwise."""
    if principal is None:
        return to_login(request)
    spec = PAGES[name]
    if Role(principal.role) not in spec.roles:
        home = PAGES.get(HOME.get(Role(principal.role), ""))
        link = f'<a href="{home.path}">{escape(home.title)}</a>' if home else '<a href="/">确责清单</a>'
        main = f'<p class="error" role="alert">此页面不对当前角色开放。请前往 {link}。</p>'
        return html(document(title=spec.title, script="common", header=header(request, principal, None), main=main),
                    403)
    return html(document(title=spec.title, script=name, header=header(request, principal, name),
                         main=fragment(name)))


@router.get("/login", response_class=HTMLResponse)
def login_page() -> HTMLResponse:
    return html(document(title="登录", script="login", header="", main=fragment("login")))


@router.get("/home")
def home(request: Request, principal: Visitor) -> Response:
    """The logged-in person's own page."""
    if principal is None:
        return to_login(request)
    name = HOME.get(Role(principal.role))
    return RedirectResponse(PAGES[name].path if name else "/", status_code=303)


@router.get("/workbench", response_class=HTMLResponse)
def workbench(request: Request, principal: Visitor) -> Response:
    return page(request, principal, "workbench")


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, principal: Visitor) -> Response:
    return page(request, principal, "inbox")


@router.get("/board", response_class=HTMLResponse)
def board(request: Request, principal: Visitor) -> Response:
    return page(request, principal, "board")


@router.get("/maintain", response_class=HTMLResponse)
def maintain(request: Request, principal: Visitor) -> Response:
    return page(request, principal, "maintain")
