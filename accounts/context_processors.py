def current_company(request) -> dict:
    """The company the user works in and their role there, for every template."""
    return {
        "company": getattr(request, "company", None),
        "membership": getattr(request, "membership", None),
    }
