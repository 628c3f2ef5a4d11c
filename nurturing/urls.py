"""Nurturing pages. Shared by both nurturing halves: add your paths, one line each."""

from django.urls import path  # noqa: F401

app_name = "nurturing"

urlpatterns: list = []
