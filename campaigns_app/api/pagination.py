from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from .params import whole_number


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
        # A page that is not a number, or past the last one, is a bad query parameter: 400 naming it.
        raw = request.query_params.get(self.page_query_param)
        if raw is not None:
            whole_number(raw, self.page_query_param, low=1)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise ValidationError({self.page_query_param: [str(exc.detail)]}) from None
