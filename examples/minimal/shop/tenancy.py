"""The qbo app's tenancy hooks for this project: a user's shop is theirs to manage."""

from shop.models import Shop


def shop_of_request(request):
    if not request.user.is_authenticated:
        return None
    return Shop.objects.filter(owner=request.user).first()


def owns_shop(user, shop) -> bool:
    return shop is not None and shop.owner_id == user.pk
