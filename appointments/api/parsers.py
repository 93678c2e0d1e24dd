"""Request parsers of the API."""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"

    def __init__(self):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        super().__init__(_("The request is too large; at most %(size)d KB are accepted.") % {"size": limit})


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with two limits: a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413,
    and input nested too deeply for Python's decoder a 400, not a 500.

    DRF reads the body as a stream, past the limit Django applies to `request.body`.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(body) > limit:
            raise BodyTooLarge
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the data is nested too deeply.")) from None
