from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.board, name="overview"),
    path("export/<slug:slug>.csv", views.panel_export, name="export"),
    path("<slug:slug>/", views.board, name="board"),
]
