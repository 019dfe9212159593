"""Validators the API's serializers share, and the patterns the OpenAPI schema states for them."""

from django.core.validators import RegexValidator

# Photos, videos and websites on the web: http or https, a host name with a top-level domain,
# an optional port, then the characters a URI may hold unescaped. A subset of what Django's
# URLValidator takes (no ftp://, no addresses, no user:password@), stated exactly so the schema
# can say what is accepted.
HTTP_URL_PATTERN = (
    r"^[hH][tT][tT][pP][sS]?://"
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.){1,3}[a-zA-Z]{2,24}"
    r"(?::[0-9]{1,5})?"
    r"(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@/?-]*)?$"
)

http_url = RegexValidator(
    HTTP_URL_PATTERN,
    message="Enter an http:// or https:// URL with a host name, such as https://example.com/a.jpg.",
)
