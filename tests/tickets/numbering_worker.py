"""A second process taking ticket numbers from the same database (run by test_numbering.py)."""

import sys

from app import create_app
from database import db
from tickets.numbering import next_number


def main(database_url: str, count: int, prefix: str) -> None:
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "worker"})
    with app.app_context():
        print("ready", flush=True)
        sys.stdin.readline()  # wait for "go" so both processes contend at once
        for _ in range(count):
            print(next_number(prefix), flush=True)
            db.session.commit()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
