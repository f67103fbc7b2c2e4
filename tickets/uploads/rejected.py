"""The one refusal of an upload: a status and a translated reason, and the text fields that came before it."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from i18n import label


class AttachmentRejected(HTTPException):
    """An upload refused with a clear, translated reason; nothing of it is left on disk.

    ``status`` is 400 (empty, malformed, interrupted), 413 (over a size or count limit) or 415 (type not
    allowed). ``message_key`` is an i18n key from ``tickets/messages.py`` and ``params`` its values;
    ``form`` holds the text fields that arrived before the rejection, so a view can re-render what the user
    typed. Uncaught, the app's HTTP error handler renders it as a page (or JSON) with that status.
    """

    def __init__(self, status: int, message_key: str, form: MultiDict | None = None, **params: Any) -> None:
        super().__init__()
        self.code = status
        self.message_key = message_key
        self.params = params
        self.form: MultiDict = form if form is not None else MultiDict()

    @property
    def status(self) -> int:
        return self.code

    @property  # type: ignore[override]
    def description(self) -> str:  # translated when rendered, in the language of that request
        return label(self.message_key, **self.params)

    def __str__(self) -> str:
        return f"{self.code} {self.message_key} {self.params}"
