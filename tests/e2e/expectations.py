"""What each app's `/` answers, in one place.

hello answers the seed's greeting; welcome greets with the visit's number.
"""
import re

HELLO_BODY = b"Welcome to KODEKLOUD!"
HTML = "text/html; charset=utf-8"


def assert_hello_root(response):
    assert response.status == 200, response
    assert response.body == HELLO_BODY, response
    assert response.header("Content-Type") == HTML, response


WELCOME_BODY = re.compile(rb"^Welcome to KODEKLOUD! Visitor Count: [1-9][0-9]*$")


def assert_welcome_root(response):
    assert response.status == 200, response
    assert WELCOME_BODY.match(response.body), response
    assert response.header("Content-Type") == HTML, response
