"""The public pages cached per process (feedback/public/cache.py): a publication, an unpublication, a
restriction or a corrected public text is seen at once by the process that made it and within
PUBLIC_PAGE_CHECK_SECONDS by the others; nothing personal or per-visitor is shared."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import event, update

from feedback import create_app
from feedback.extensions import db
from feedback.models import PublicationVersion, Ticket, Unit
from feedback.services import publication
from tests.publication.publication_fixtures import (  # noqa: F401
    answered_ticket,
    coordinator,
    publish,
    release_before_requests,
    search_schema,
)

PAGES = ("/results", "/results/feed.atom", "/", "/results?q=chuyen+giao")


@pytest.fixture
def cached(app):
    """The cache on, and no version check for an hour: only this process's own writes drop its pages."""
    app.config.update(PUBLIC_PAGE_CACHE=True, PUBLIC_PAGE_CHECK_SECONDS=3600)
    return app


@pytest.fixture
def visitor(app):
    """A visitor who is not signed in (a client of its own)."""
    return app.test_client()


@pytest.fixture
def transfer(answered_ticket):
    return lambda **kw: answered_ticket(
        title="Thủ tục đăng ký hợp đồng chuyển giao công nghệ tại Sở",
        content="Doanh nghiệp đề nghị hướng dẫn thủ tục đăng ký hợp đồng chuyển giao công nghệ.",
        answer="Hồ sơ đăng ký chuyển giao công nghệ nộp trực tuyến theo Nghị định 76/2018/NĐ-CP.",
        category="CGCN",
        unit_code="QLCN",
        **kw,
    )


def shown(client, ticket) -> list[str]:
    """The pages that link to the ticket's result."""
    return [url for url in PAGES if f"/results/{ticket.code}" in client.get(url).get_data(as_text=True)]


def ticket_queries(app):
    """A list that collects the SQL statements reading tickets."""
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args):
        if "FROM tickets" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", listen)


def test_a_cached_page_reads_no_ticket(cached, visitor, transfer, coordinator, publish):
    cached.config["STATISTICS_CACHE_SECONDS"] = 300  # the home page's headline figures have their own cache
    publish(transfer(), coordinator)
    first = visitor.get("/results").get_data(as_text=True)
    for url in PAGES:
        visitor.get(url)
    seen, stop = ticket_queries(cached)
    try:
        again = [app_client.get(url) for app_client in (visitor, cached.test_client()) for url in PAGES]
    finally:
        stop()
    assert seen == []
    assert all(r.status_code == 200 for r in again)
    assert re.sub(r'name="csrf_token" value="[^"]+"', "", again[0].get_data(as_text=True)) == re.sub(
        r'name="csrf_token" value="[^"]+"', "", first
    )


def test_published_appears_and_unpublished_disappears_at_once(cached, visitor, transfer, coordinator, publish):
    older = publish(transfer(), coordinator, now=datetime(2026, 11, 2, 3))
    ticket = transfer()
    assert shown(visitor, older) == list(PAGES)
    assert shown(visitor, ticket) == []  # the pages are now cached

    publish(ticket, coordinator, now=datetime(2026, 11, 3, 3))
    assert shown(visitor, ticket) == list(PAGES)
    assert shown(visitor, older) == list(PAGES)

    publication.unpublish(ticket, coordinator, "Nội dung cần rà soát lại", datetime(2026, 11, 4, 3))
    db.session.commit()
    assert shown(visitor, ticket) == []
    assert shown(visitor, older) == list(PAGES)


def test_a_corrected_public_text_is_shown_at_once(cached, visitor, transfer, coordinator, publish):
    ticket = publish(transfer(), coordinator)
    assert "Hợp đồng chuyển giao" not in visitor.get("/results").get_data(as_text=True)
    # Also a bulk UPDATE (no ORM object), as a script or a recompute would write it.
    db.session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(public_title="Hợp đồng chuyển giao công nghệ: hồ sơ")
    )
    db.session.commit()
    assert "Hợp đồng chuyển giao công nghệ: hồ sơ" in visitor.get("/results").get_data(as_text=True)
    assert "Hợp đồng chuyển giao công nghệ: hồ sơ" in visitor.get("/results/feed.atom").get_data(as_text=True)


def test_an_unrelated_write_keeps_the_pages(cached, visitor, transfer, coordinator, publish, make_ticket):
    publish(transfer(), coordinator)
    visitor.get("/results")
    version = db.session.get(PublicationVersion, 1).version
    make_ticket(title="Phản ánh về cân kiểm định tại chợ Đồng Xuân")  # a new submission publishes nothing
    db.session.expire_all()
    assert db.session.get(PublicationVersion, 1).version == version
    seen, stop = ticket_queries(cached)
    try:
        visitor.get("/results")
    finally:
        stop()
    assert seen == []


def test_another_process_sees_a_publication_within_the_check_interval(
    app, cached, visitor, transfer, coordinator, publish
):
    ticket = transfer()
    assert shown(visitor, ticket) == []
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with other.app_context():  # another web process publishes
        publish(db.session.get(Ticket, ticket.id), db.session.get(type(coordinator), coordinator.id))
        db.session.remove()
    assert shown(visitor, ticket) == []  # this process checks the version only every hour here
    app.config["PUBLIC_PAGE_CHECK_SECONDS"] = 0  # at the next check
    assert shown(visitor, ticket) == list(PAGES)
    with other.app_context():
        publication.unpublish(
            db.session.get(Ticket, ticket.id),
            db.session.get(type(coordinator), coordinator.id),
            "Người gửi đề nghị hạn chế xử lý dữ liệu",
            datetime(2026, 11, 21, 3),
        )
        db.session.commit()
        db.session.remove()
    assert shown(visitor, ticket) == []


def test_a_reference_change_drops_the_pages(cached, visitor, transfer, coordinator, publish):
    publish(transfer(), coordinator)
    assert "Phòng Quản lý Công nghệ mới" not in visitor.get("/results").get_data(as_text=True)
    unit = db.session.execute(db.select(Unit).where(Unit.code == "QLCN")).scalar_one()
    unit.name = "Phòng Quản lý Công nghệ mới"
    db.session.commit()
    assert "Phòng Quản lý Công nghệ mới" in visitor.get("/results").get_data(as_text=True)


def test_each_visitor_gets_its_own_csrf_token(cached, transfer, coordinator, publish):
    publish(transfer(), coordinator)
    tokens = []
    for _ in range(2):
        visitor = cached.test_client()
        html = visitor.get("/results").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        tokens.append(token)
        switched = visitor.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/results"})
        assert switched.status_code == 303
        english = visitor.get("/results").get_data(as_text=True)
        assert '<html lang="en">' in english and "Published results" in english
    assert tokens[0] != tokens[1]
    assert '<html lang="vi">' in cached.test_client().get("/results").get_data(as_text=True)


def test_a_signed_in_user_gets_an_uncached_page(cached, client, visitor, transfer, coordinator, publish, login_as):
    publish(transfer(), coordinator)
    visitor.get("/results")
    login_as(coordinator)
    staff_page = client.get("/results").get_data(as_text=True)
    assert "Đăng xuất" in staff_page and coordinator.name in staff_page
    assert coordinator.name not in visitor.get("/results").get_data(as_text=True)


def test_a_personal_query_is_neither_searched_nor_kept(cached, visitor, transfer, coordinator, publish):
    publish(transfer(), coordinator)
    html = visitor.get("/results", query_string={"q": "nguyenvana@gmail.com"}).get_data(as_text=True)
    assert 'id="q-refused"' in html and "nguyenvana" not in html
    store = cached.extensions["public_page_cache"]
    assert not any("nguyenvana" in repr(key) for key in store.pages)


def test_the_cache_is_bounded(cached, visitor, transfer, coordinator, publish):
    cached.config["PUBLIC_PAGE_CACHE_SIZE"] = 3
    publish(transfer(), coordinator)
    for word in ("chuyen", "giao", "cong", "nghe", "ho so"):
        assert visitor.get("/results", query_string={"q": word}).status_code == 200
    assert len(cached.extensions["public_page_cache"].pages) == 3


def test_a_result_page_is_cached_and_follows_its_ticket(cached, visitor, transfer, coordinator, publish):
    """/results/<code>: served from the cache, and a corrected text, an unpublication or a republication
    is seen at once."""
    ticket = publish(transfer(), coordinator)
    url = f"/results/{ticket.code}"
    first = visitor.get(url)
    assert first.status_code == 200
    page = first.get_data(as_text=True)
    assert "Nghị định 76/2018/NĐ-CP" in page and "Phòng Quản lý Công nghệ" in page
    seen, stop = ticket_queries(cached)
    try:
        again = visitor.get(url)
    finally:
        stop()
    assert seen == [] and again.status_code == 200
    assert re.sub(r'name="csrf_token" value="[^"]+"', "", again.get_data(as_text=True)) == re.sub(
        r'name="csrf_token" value="[^"]+"', "", page
    )

    db.session.execute(
        update(Ticket).where(Ticket.id == ticket.id).values(public_answer="Hồ sơ nộp qua Cổng dịch vụ công tỉnh.")
    )
    db.session.commit()
    assert "Hồ sơ nộp qua Cổng dịch vụ công tỉnh." in visitor.get(url).get_data(as_text=True)

    publication.unpublish(
        db.session.get(Ticket, ticket.id), coordinator, "Nội dung cần rà soát lại", datetime(2026, 11, 4, 3)
    )
    db.session.commit()
    assert visitor.get(url).status_code == 404


def test_an_unknown_result_is_not_kept(cached, visitor, transfer, coordinator, publish):
    ticket = transfer()
    url = f"/results/{ticket.code}"
    assert visitor.get(url).status_code == 404  # answered, not yet published
    assert visitor.get("/results/PAKN-2026-999999").status_code == 404
    publish(db.session.get(Ticket, ticket.id), coordinator)
    assert visitor.get(url).status_code == 200
