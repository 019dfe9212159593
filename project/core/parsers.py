"""The JSON parser every API view uses: too deep a document is a 400, like any other bad JSON."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder recurses once per level: [[[[...]]]] a thousand deep exhausts the
            # stack. The body is at fault, not the server.
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
