from django.urls import path

from leads.routing import views

app_name = "routing"
urlpatterns = [
    path("", views.rule_list, name="rules"),
    path("<int:pk>/move/<str:direction>/", views.rule_move_view, name="rule-move"),
    path("<int:pk>/history/", views.rule_history_view, name="rule-history"),
]
