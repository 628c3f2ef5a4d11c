from django.contrib import admin

from accounts.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "tier", "is_target", "customer_status", "arr", "owner_sales")
    list_filter = ("tier", "is_target", "customer_status", "region", "industry")
    search_fields = ("name", "domain")
    autocomplete_fields = ("owner_sales",)
