from django.conf import settings


def platform(request):
    """Values every page needs: the synthetic-data banner and the language switcher."""
    return {"DEMO_MODE": settings.DEMO_MODE, "LANGUAGES": settings.LANGUAGES}
