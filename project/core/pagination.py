"""Page-number pagination whose page size the client may choose, within a bound."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from .params import single_value


class PageSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """The default when not given; a 400 when not a whole number from 1 to 100, or given twice."""
        single_value(request, self.page_query_param)  # a page given twice is a 400 as well
        raw = single_value(request, self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)
