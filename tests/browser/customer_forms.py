"""Steps the customer record's browser tests share (Cadastro, Endereços, Contatos)."""

from playwright.sync_api import Page, Response


def open_record(page: Page, sign_in, code: int, tab: str = "") -> None:
    """An attendant signed in, on customer `code`'s record (`tab`: "/contatos", "/editar"...)."""
    sign_in("attendant")
    page.goto(f"/clientes/{code}{tab}")


def posted(page: Page, button: str) -> Response:
    """Click the button `button` and return the answer to the POST it sends."""
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name=button).click()
    return answer.value
