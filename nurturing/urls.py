"""Nurturing pages. Shared by both nurturing halves: add your paths, one line each."""

from django.urls import path

from nurturing.views import clocks, inbox, tasks, unsubscribe

app_name = "nurturing"

urlpatterns: list = [
    path("inbox/", inbox.sales_inbox, name="inbox"),
    path("inbox/<int:pk>/<str:to>/", inbox.inbox_move, name="inbox-move"),
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task-done"),
    path("clocks/", clocks.team_clocks, name="clocks"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
]
