"""HTTP responses with Range and conditional requests for a file read from the store in chunks (object storage).

The local store is served by Werkzeug's send_file; this gives a file in S3 the same answers a <video> relies
on: 200 with Accept-Ranges, 206 with Content-Range for one range, 416 for a range past the end, 304 for a
matching If-None-Match, and the whole file when If-Range names another version.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, request
from werkzeug.exceptions import NotFound


def ranged_response(store, name: str, *, mimetype: str, etag: str, last_modified: datetime | None) -> Response:
    """The stored file ``name`` (or the one range asked for), streamed without reading it whole."""
    size = store.size(name)
    if size is None:
        raise NotFound()
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{etag}"'}
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304, headers=headers)
        _dates(response, last_modified)
        return response
    wanted = request.range
    if wanted is not None and request.if_range and request.if_range.etag not in (None, etag):
        wanted = None  # the client holds another version: it gets the whole of this one
    if wanted is not None and len(wanted.ranges) == 1:
        bounds = wanted.range_for_length(size)
        if bounds is None:
            return Response(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
        start, stop = bounds
        response = Response(store.chunks(name, start, stop), status=206, mimetype=mimetype, headers=headers,
                            direct_passthrough=True)
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
        response.content_length = stop - start
    else:
        response = Response(store.chunks(name), mimetype=mimetype, headers=headers, direct_passthrough=True)
        response.content_length = size
    _dates(response, last_modified)
    return response


def _dates(response: Response, last_modified: datetime | None) -> None:
    if last_modified is not None:
        response.last_modified = last_modified
