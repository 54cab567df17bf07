"""System checks: the token keys parse, and Intuit settings make sense in production."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from qbo import vault
from qbo.conf import qbo_settings


@register(Tags.security, deploy=False)
def token_keys_check(app_configs, **kwargs):
    try:
        ring = vault.keyring()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="qbo.E001")]
    if any(key == settings.SECRET_KEY.encode()[:32] for key in ring.keys.values()):
        return [Error("QBO_TOKEN_KEYS must not reuse SECRET_KEY", id="qbo.E002")]
    return []


@register(Tags.security, deploy=True)
def intuit_settings_check(app_configs, **kwargs):
    problems = []
    if qbo_settings.ENVIRONMENT not in ("local", "sandbox", "production"):
        problems.append(
            Error("QBO_ENVIRONMENT must be local, sandbox or production", id="qbo.E003")
        )
    if qbo_settings.ENVIRONMENT == "local":
        problems.append(
            Error(
                "QBO_ENVIRONMENT is local: a deployment would send its Intuit keys, codes and "
                "tokens to the local emulator (QBO_LOCAL_SANDBOX_URL). Use sandbox or production.",
                id="qbo.E005",
            )
        )
    if qbo_settings.ENVIRONMENT == "production" and not qbo_settings.REDIRECT_URI.startswith(
        "https://"
    ):
        problems.append(Error("QBO_REDIRECT_URI must be https in production", id="qbo.E004"))
    if qbo_settings.MINOR_VERSION < 75:
        problems.append(Warning("QBO_MINOR_VERSION below 75 is ignored by Intuit", id="qbo.W001"))
    return problems
