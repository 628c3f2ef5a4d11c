from django.urls import path

from analytics import planning_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.board, name="overview"),
    path("export/<slug:slug>.csv", views.panel_export, name="export"),
    path("calculator/", planning_views.calculator, name="calculator"),
    path("simulator/", planning_views.simulator, name="simulator"),
    path("<slug:slug>/", views.board, name="board"),
]
