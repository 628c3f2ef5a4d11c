from django.urls import path

from leads.routing import setup_views, views

app_name = "routing"
urlpatterns = [
    path("", views.rule_list, name="rules"),
    path("new/", views.rule_edit_view, name="rule-new"),
    path("<int:pk>/edit/", views.rule_edit_view, name="rule-edit"),
    path("<int:pk>/delete/", views.rule_delete_view, name="rule-delete"),
    path("<int:pk>/move/<str:direction>/", views.rule_move_view, name="rule-move"),
    path("<int:pk>/history/", views.rule_history_view, name="rule-history"),
    path("teams/", setup_views.team_list, name="teams"),
    path("teams/new/", setup_views.team_edit_view, name="team-new"),
    path("teams/<int:pk>/edit/", setup_views.team_edit_view, name="team-edit"),
    path("allocations/", setup_views.allocation_grid_view, name="allocations"),
    path("allocations/set/", setup_views.allocation_set_view, name="allocation-set"),
    path("channels/", setup_views.channel_list, name="channels"),
    path("channels/<int:pk>/route/", setup_views.channel_route_view, name="channel-route"),
]
