-- One database per service and one for the gateway's store (the first, hub_activity, is
-- created by POSTGRES_DB).
CREATE DATABASE hub_survey OWNER hub;
CREATE DATABASE hub_kpi OWNER hub;
CREATE DATABASE hub_gateway OWNER hub;
