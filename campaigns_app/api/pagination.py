from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from .params import MAX_ID, whole_number


class PageNotFound(NotFound):
    """A page past the last: the request is well formed (the schema cannot know how many pages there are)."""

    def __init__(self, detail: str):
        super().__init__()
        self.detail = {"page": [detail]}


class StudioPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 2000

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        return whole_number(raw, self.page_size_query_param, low=1, high=self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        # A page that is not a whole number from 1 is a bad query parameter (400 naming it); a page past the
        # last one is a page that does not exist (404 naming it), as a run id that does not exist is.
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            whole_number(raw, self.page_query_param, low=1)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise PageNotFound(str(exc.detail)) from None

    def get_schema_operation_parameters(self, view):
        # The bounds get_page_size and paginate_queryset enforce, so that a schema-valid page is never a 400.
        limits = {
            self.page_query_param: {"minimum": 1, "maximum": MAX_ID},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "format": "int64", **limits.get(parameter["name"], {})}
        return parameters
