# import-reports
FROM nginx:1.27
HEALTHCHECK NONE

FROM nginx:1.27 AS checked
HEALTHCHECK --interval=500ms --timeout=250ms CMD curl -fs http://localhost/ || exit 1

FROM checked
HEALTHCHECK CMD ["curl", "-fs", "http://localhost/healthz"]
