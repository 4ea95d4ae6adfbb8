FROM postgres:16
ENV POSTGRES_DB=app
COPY --chmod=644 init/*.sql /docker-entrypoint-initdb.d/
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=10 CMD ["pg_isready", "-U", "postgres"]
VOLUME /var/lib/postgresql/data
EXPOSE 5432
