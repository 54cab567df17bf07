"""View decorators shared by every app's pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def company_required(view):
    """Signed in and working in a company; anyone without one gets a page saying so (and how
    to join one or start their own)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.company is None:
            return render(request, "accounts/no_company.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
