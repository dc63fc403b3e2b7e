from services.survey.models import SurveyTable
from shared.migrations import run_env

run_env(SurveyTable.metadata, "survey")
