#!/bin/bash
# Runs once, when the database volume is first created: the two roles of
# ARCHITECTURE.md and the database. kabinet_owner runs migrations and owns the schema;
# kabinet_app (a member of kabinet_runtime) only reads and writes rows, under RLS.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE kabinet_runtime NOLOGIN NOSUPERUSER NOBYPASSRLS;
CREATE ROLE kabinet_owner LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${KABINET_OWNER_PASSWORD}';
CREATE ROLE kabinet_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE kabinet_runtime PASSWORD '${KABINET_APP_PASSWORD}';
CREATE DATABASE kabinet OWNER kabinet_owner;
GRANT CONNECT ON DATABASE kabinet TO kabinet_runtime;
SQL
