"""The one module that imports b24pysdk: its wire parsers and error tree, and the work-arounds it needs.

b24pysdk builds REST URLs as https://{domain}/rest and pins its OAuth host (protocol §5), so the HTTP
transport lives in b24.rest and b24.oauth; the SDK still decides what an answer means. Bracket-key event
bodies are read by b24.brackets, a parser of our own (protocol §7: no private SDK module).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from b24pysdk import errors
from b24pysdk.api.requesters._utils.parse_response import parse_response
from b24pysdk.api.responses.bitrix_app_info_response import B24AppInfoResult

__all__ = [
    "AppInfo",
    "errors",
    "parse_answer",
    "parse_app_info",
]

AppInfo = B24AppInfoResult


def parse_answer(response: requests.Response) -> dict[str, Any]:
    """The JSON of a portal or OAuth answer, or the SDK exception its error code stands for."""
    return parse_response(response)


def parse_app_info(result: Mapping[str, Any]) -> B24AppInfoResult:
    """The OAuth server's app.info result; KeyError/ValueError when a field is missing or malformed."""
    return B24AppInfoResult.from_dict(dict(result))
