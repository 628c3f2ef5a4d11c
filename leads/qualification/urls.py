from django.urls import path

from leads.qualification import views

app_name = "rules"
urlpatterns = [
    path("", views.rules_page, name="page"),
    path("qualification/new/", views.rule_edit, name="rule-new"),
    path("qualification/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("qualification/<int:pk>/matches/", views.rule_matches, name="rule-matches"),
    path("qualification/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("qualification/<int:pk>/move/<str:direction>/", views.rule_move, name="rule-move"),
    path("qualification/<int:pk>/apply/", views.rule_apply, name="rule-apply"),
    path("tags/new/", views.tag_edit, name="tag-new"),
    path("tags/<int:pk>/", views.tag_edit, name="tag-edit"),
    path("tags/<int:pk>/delete/", views.tag_remove, name="tag-delete"),
    path("tags/sync/", views.tags_sync, name="tags-sync"),
]
