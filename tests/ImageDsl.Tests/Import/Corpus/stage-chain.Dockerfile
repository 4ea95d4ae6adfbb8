FROM debian:12-slim AS os
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*

FROM os AS runtime
RUN useradd -r app
USER app

FROM runtime
COPY --chown=app:app bin/ /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/app"]
