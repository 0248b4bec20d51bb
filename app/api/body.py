"""Reading a request body no larger than MAX_CONTENT_LENGTH, whether or not it says its size."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


def read_body_within_limit() -> bytes:
    """The whole body, or RequestEntityTooLarge (413) past MAX_CONTENT_LENGTH.

    With a Content-Length werkzeug refuses an oversized body itself. A chunked body has none:
    werkzeug then stops reading at the limit and hands back the first part, which would be
    answered "not valid JSON". One byte past the limit tells the two apart.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None:
        return request.get_data(cache=False)  # 413 from werkzeug past the limit
    if not request.environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: WSGI says there is no body
    stream, parts, size = request.environ["wsgi.input"], [], 0
    while size <= limit:
        part = stream.read(limit + 1 - size)  # a dechunking reader may return less
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise RequestEntityTooLarge()
    return b"".join(parts)
