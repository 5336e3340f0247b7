"""`/docs`, which README points to, renders the API's operations from the service's own files:
no third-party host, no Content-Security-Policy refusal (the `troubles` fixture fails on one)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import Service

NewPage = Callable[[], Page]


def test_the_api_documentation_renders_its_operations_from_the_service(
    service: Service, new_page: NewPage
) -> None:
    page = new_page()
    hosts: list[str] = []
    page.on("request", lambda request: hosts.append(_origin(request)))
    page.goto(service.url + "/docs")
    transfers = page.locator(".opblock-post .opblock-summary-path", has_text="/v1/transfers")
    expect(transfers.first).to_be_visible()
    assert page.locator(".opblock").count() > 50  # every operation, not an empty shell
    assert set(hosts) == {service.url}
    footer = page.locator("footer a")
    expect(footer).to_have_attribute("href", "/source.tar.gz")


def _origin(request: Request) -> str:
    scheme, _, rest = request.url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
