"""Server-rendered pages to browse and search the catalogue (no scripts, no external assets)."""
from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from catalog import Catalogue, Node
from serving.catalogue import service
from serving.catalogue.views import CatalogueDep

router = APIRouter(include_in_schema=False)

_STYLE = """body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:1rem auto;
padding:0 1rem;color:#1f2933}a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
.muted{color:#616e7c}.leaf{background:#eef6ee;border-radius:4px;padding:0 .3rem}ul{line-height:1.7}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.3rem 1rem}dt{color:#616e7c}blockquote{margin:.4rem 0;
padding:.4rem .8rem;background:#f5f7fa;border-left:3px solid #9aa5b1}input{font-size:1rem;padding:.3rem;width:20rem}"""


def _page(title: str, catalogue: Catalogue, body: str) -> HTMLResponse:
    header = (f'<p class="muted"><a href="/">接诉 Jiesu</a> · {escape(catalogue.manifest.name)} · '
              f'版本 {escape(catalogue.version)}</p><form action="/catalogue/search"><input name="q" '
              f'placeholder="搜索清单：如 暖气 不热" aria-label="搜索清单"> <button>搜索</button></form>')
    return HTMLResponse(f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}'
                        f'</title><style>{_STYLE}</style></head><body>{header}<h1>{escape(title)}</h1>{body}'
                        '</body></html>')


def _link(node: Node) -> str:
    tag = ' <span class="leaf">可派单</span>' if node.is_leaf else ""
    return f'<a href="/catalogue/{node.code}">{node.code} {escape(node.name)}</a>{tag}'


@router.get("/", response_class=HTMLResponse)
def home(catalogue: CatalogueDep) -> HTMLResponse:
    s = catalogue.stats()
    counts = " / ".join(f"{s['levels'].get(str(i), 0)} {n}" for i, n in ((1, "大类"), (2, "小类"), (3, "细类"),
                                                                        (4, "子类")))
    items = "".join(f"<li>{_link(n)} <span class='muted'>{escape(n.description)}</span></li>"
                    for n in catalogue.roots())
    body = (f"<p>{counts}；可派单事项 {s['leaves']} 项，承办单位 {s['units']} 个。</p><ul>{items}</ul>")
    return _page("确责清单", catalogue, body)


@router.get("/catalogue/search", response_class=HTMLResponse)
def search_page(catalogue: CatalogueDep, q: Annotated[str, Query()] = "") -> HTMLResponse:
    if not q.strip():
        return _page("搜索清单", catalogue, "<p>请输入要搜索的词语，例如：垃圾、暖气 不热、拖欠工资。</p>")
    hits = catalogue.search(q, limit=50)
    items = "".join(f"<li>{_link(h.node)} <span class='muted'>{escape(catalogue.path_name(h.node.code))}</span>"
                    "</li>" for h in hits)
    return _page(f"搜索：{q}", catalogue, f"<ul>{items}</ul>" if hits else "<p>没有找到匹配的事项。</p>")


@router.get("/catalogue/{code}", response_class=HTMLResponse)
def node_page(code: str, catalogue: CatalogueDep) -> HTMLResponse:
    try:
        detail = service.node_detail(catalogue=catalogue, code=code)
    except KeyError as exc:
        raise HTTPException(status_code=404, detail=exc.args[0]) from exc
    crumbs = " &gt; ".join(_link(a) for a in catalogue.ancestors(code))
    body = f"<p>{crumbs}</p><p>{escape(detail.description)}</p><dl><dt>关键词</dt><dd>" \
           f"{escape('、'.join(detail.keywords))}</dd><dt>群众说法</dt><dd>{escape('、'.join(detail.aliases))}</dd>"
    if detail.dispatch:
        d = detail.dispatch
        co = "、".join(d.co_handler_names) or "无"
        body += (f"<dt>主办</dt><dd>{escape(d.responsible_name)}</dd><dt>协办</dt><dd>{escape(co)}</dd>"
                 f"<dt>派单方式</dt><dd>{escape(d.dispatch_mode)}</dd><dt>办理时限</dt><dd>{escape(d.time_limit)}</dd>"
                 f"<dt>紧急程度</dt><dd>{escape(d.urgency)}</dd><dt>结案标准</dt><dd>{escape(d.closure_standard)}"
                 "</dd></dl><h2>示例诉求</h2>" + "".join(f"<blockquote>{escape(e)}</blockquote>" for e in d.examples))
    else:
        body += "</dl><ul>" + "".join(f"<li>{_link(c)}</li>" for c in catalogue.children(code)) + "</ul>"
    return _page(f"{detail.level_name}：{detail.name}", catalogue, body)
