FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 \
      python3-venv \
      # the TLS roots
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv
COPY --chown=1000:1000 . /srv
USER 1000
CMD python3 -m http.server 8080
