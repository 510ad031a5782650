class ChineseFirstMiddleware:
    """Chinese is the platform's first language: the browser's Accept-Language is ignored, so
    the interface is Chinese until the user picks English (kept in the language cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
