from django.urls import path

from leads.marketing import cost_views, views

app_name = "marketing"
urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_edit, name="campaign-new"),
    path("campaigns/<int:pk>/", views.campaign_edit, name="campaign-edit"),
    path("costs/", cost_views.cost_grid_page, name="costs"),
    path("costs/cell/", cost_views.cost_cell, name="cost-cell"),
    path("costs/row/", cost_views.cost_row_new, name="cost-row"),
    path("costs/import/", cost_views.cost_import, name="cost-import"),
    path("costs/import/confirm/", cost_views.cost_import_confirm, name="cost-import-confirm"),
]
