"""Admin tenant scoping: staff who aren't superusers see only their own companies' rows."""

from django.db.models import QuerySet

from accounts.models import Company, Membership


def user_company_ids(user) -> QuerySet:
    """The ids of the companies a user is a member of, as a subquery."""
    return Membership.objects.filter(user=user).values("company_id")


class CompanyScopedAdminMixin:
    """Put before ModelAdmin: rows, foreign-key choices and object permissions by company.

    `company_lookup` is the path from the model to its company ("company" by default,
    e.g. "order__company" for a model without its own company column). Use
    `("company", admin.RelatedOnlyFieldListFilter)` in list_filter, so the sidebar doesn't
    list other tenants' names either.
    """

    company_lookup = "company"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.company_lookup}__in": user_company_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            related = db_field.related_model
            if related is Company:
                kwargs["queryset"] = Company.objects.filter(id__in=user_company_ids(request.user))
            elif any(field.name == "company" for field in related._meta.fields):
                # Customers, products...: another tenant's rows are never a valid choice.
                kwargs["queryset"] = related._default_manager.filter(
                    company__in=user_company_ids(request.user)
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def is_in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.is_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_in_scope(request, obj)


class SuperuserOnlyAdminMixin:
    """Put before ModelAdmin for rows that span companies (users, companies, memberships):
    only superusers see them, whatever model permissions a staff user has been given."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
