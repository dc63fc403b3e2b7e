-- One database per service (the first, hub_activity, is created by POSTGRES_DB).
CREATE DATABASE hub_survey OWNER hub;
CREATE DATABASE hub_kpi OWNER hub;
