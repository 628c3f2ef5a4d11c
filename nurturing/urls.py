"""Nurturing pages. Shared by both nurturing halves: add your paths, one line each."""

from django.urls import path

from nurturing.views import clocks, inbox, sequences, tasks, tracking, unsubscribe

app_name = "nurturing"

urlpatterns: list = [
    path("inbox/", inbox.sales_inbox, name="inbox"),
    path("inbox/<int:pk>/<str:to>/", inbox.inbox_move, name="inbox-move"),
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task-done"),
    path("clocks/", clocks.team_clocks, name="clocks"),
    path("unsubscribe/<str:token>/", unsubscribe.unsubscribe, name="unsubscribe"),
    path("t/o/<str:token>/", tracking.track_open, name="track-open"),
    path("t/c/<str:token>/", tracking.track_click, name="track-click"),
    path("sequences/", sequences.sequence_list, name="sequences"),
    path("sequences/new/", sequences.sequence_edit, name="sequence-new"),
    path("sequences/<int:pk>/", sequences.sequence_detail, name="sequence"),
    path("sequences/<int:pk>/settings/", sequences.sequence_edit, name="sequence-edit"),
    path("sequences/<int:pk>/status/<str:status>/", sequences.sequence_status, name="sequence-status"),
    path("sequences/<int:pk>/steps/", sequences.step_create, name="step-add"),
    path("sequences/<int:pk>/steps/<int:step_pk>/", sequences.step_edit, name="step-edit"),
    path("sequences/<int:pk>/steps/<int:step_pk>/move/<str:direction>/", sequences.step_reorder, name="step-move"),
    path("sequences/<int:pk>/steps/<int:step_pk>/delete/", sequences.step_remove, name="step-delete"),
    path("sequences/<int:pk>/enroll/", sequences.enroll_segment, name="sequence-enroll"),
    path("sequences/<int:pk>/dry-run/", sequences.dry_run, name="sequence-dry-run"),
    path("templates/", sequences.template_list, name="templates"),
    path("templates/new/", sequences.template_edit, name="template-new"),
    path("templates/<int:pk>/", sequences.template_edit, name="template-edit"),
    path("leads/<int:lead_pk>/enroll/", sequences.lead_enroll, name="lead-enroll"),
    path("leads/<int:lead_pk>/enrollments/<int:enrollment_pk>/stop/", sequences.lead_enrollment_stop,
         name="lead-enrollment-stop"),
]
