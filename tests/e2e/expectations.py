"""What each app's `/` answers, in one place.

welcome's `/` answers like hello until the visitor counter lands (next issue);
then only assert_welcome_root changes.
"""

HELLO_BODY = b"Welcome to KODEKLOUD!"
HTML = "text/html; charset=utf-8"


def assert_hello_root(response):
    assert response.status == 200, response
    assert response.body == HELLO_BODY, response
    assert response.header("Content-Type") == HTML, response


def assert_welcome_root(response):
    assert response.status == 200, response
    assert response.body == HELLO_BODY, response
    assert response.header("Content-Type") == HTML, response
