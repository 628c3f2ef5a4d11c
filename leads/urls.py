from django.urls import path

from leads.scoring import views as scoring
from leads.views import imports, tags
from leads.views import leads as views

app_name = "leads"
urlpatterns = [
    path("", views.lead_list, name="list"),
    path("export.csv", views.lead_export, name="export"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/stage/<slug:to>/", views.lead_stage_change, name="stage-change"),
    path("<int:pk>/tags/", tags.lead_tags, name="tags"),
    path("import/", imports.import_upload, name="import"),
    path("import/<int:pk>/", imports.import_detail, name="import-detail"),
    path("import/<int:pk>/map/", imports.import_map, name="import-map"),
    path("import/<int:pk>/preview/", imports.import_preview, name="import-preview"),
    path("import/<int:pk>/start/", imports.import_start, name="import-start"),
    path("import/<int:pk>/resume/", imports.import_resume, name="import-resume"),
    path("import/<int:pk>/cancel/", imports.import_cancel, name="import-cancel"),
    path("import/<int:pk>/errors.csv", imports.import_error_report, name="import-errors"),
    path("scoring/", scoring.ruleset_list, name="scoring-rulesets"),
    path("scoring/<int:pk>/", scoring.ruleset_detail, name="scoring-ruleset"),
    path("scoring/<int:pk>/copy/", scoring.ruleset_copy, name="scoring-ruleset-copy"),
    path("scoring/<int:pk>/edit/", scoring.ruleset_edit, name="scoring-ruleset-edit"),
    path("scoring/<int:pk>/delete/", scoring.ruleset_delete_view, name="scoring-ruleset-delete"),
    path("scoring/channels/<int:pk>/prior/", scoring.channel_prior_view, name="scoring-channel-prior"),
    path("scoring/<int:pk>/activate/", scoring.ruleset_activate_view, name="scoring-ruleset-activate"),
    path("scoring/runs/<int:pk>/", scoring.rescore_run_detail, name="scoring-run"),
    path("scoring/runs/<int:pk>/resume/", scoring.rescore_run_resume_view, name="scoring-run-resume"),
]
