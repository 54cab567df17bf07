"""Intuit OAuth 2.0: the consent page, the token and revoke endpoints, id_tokens."""
