"""The seed's first app, as the course wrote it in Flask: GET / answers
"Welcome to KODEKLOUD!". The peer `hello` is measured against.

Flask's own server:  /usr/bin/python3 hello.py PORT
gunicorn:            gunicorn --workers 2 --bind 127.0.0.1:PORT hello:app
"""

import sys

from flask import Flask

app = Flask(__name__)


@app.route("/")
def welcome():
    return "Welcome to KODEKLOUD!"


if __name__ == "__main__":
    # As the course runs it (app.run), minus debug mode: its reloader and
    # debugger are not how anyone serves traffic. Threaded (Flask's default).
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
