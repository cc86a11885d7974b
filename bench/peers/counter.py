"""The course's final app in Flask: GET / counts the visit in Redis and
answers "Welcome to KODEKLOUD! Visitor Count: N". The peer `welcome` on
Redis is measured against.

The course reads the Redis address from HOST and PORT and sends INCR then
GET (two round trips, and a read-then-write race); this peer takes the
address from REDIS_URL (PORT is the listen port here, as in the kit) and
uses INCR's own reply: one round trip, so the peer is, if anything, faster
than the original.

Flask's own server:
  REDIS_URL=redis://127.0.0.1:6379/1 /usr/bin/python3 counter.py PORT
gunicorn:
  REDIS_URL=... gunicorn --workers 2 --bind 127.0.0.1:PORT counter:app
"""

import os
import sys

from flask import Flask
from redis import Redis

app = Flask(__name__)
redis_db = Redis.from_url(os.environ.get("REDIS_URL",
                                         "redis://127.0.0.1:6379"))


@app.route("/")
def welcome_to_kodekloud():
    visit_count = redis_db.incr("visitorCount")
    return "Welcome to KODEKLOUD! Visitor Count: " + str(visit_count)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
