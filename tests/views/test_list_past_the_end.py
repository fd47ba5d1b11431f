"""A page past the end shows the last page instead; an empty first page is not asked for twice."""

from tests.views.dom import Page


def test_an_empty_first_page_costs_one_call_even_without_the_list_memo(fake_taskip, login_as,
                                                                       settings):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0  # every read goes to TaskIP
    page = Page(login_as("viewer").get("/contacts/", {"search": "nobody-is-called-this"}))
    assert page.rows() == []
    assert len(fake_taskip.calls_to("list_contacts")) == 1


def test_a_page_past_the_end_shows_the_last_page(fake_taskip, login_as, settings):
    settings.CONTACTS_LIST_MEMO_SECONDS = 0
    Page(login_as("viewer").get("/contacts/", {"page": "9"}))
    assert [call["page"] for call in fake_taskip.calls_to("list_contacts")] == [9, 4]
