FROM nginx:1.27-alpine
LABEL org.opencontainers.image.title="static site" \
      org.opencontainers.image.source="https://example.com/site.git"
COPY public/ /usr/share/nginx/html/
COPY default.conf /etc/nginx/conf.d/default.conf
HEALTHCHECK --interval=10s --timeout=2s --retries=3 CMD wget -qO- http://127.0.0.1/ || exit 1
