# syntax=docker/dockerfile:1
FROM nginx:1.27-alpine
COPY <<EOF /usr/share/nginx/html/index.html
<html><body>hello</body></html>
EOF
COPY --chmod=755 <<'EOF' /usr/local/bin/entry.sh
#!/bin/sh
exec nginx -g "daemon off;" "$@"
EOF
ENTRYPOINT ["/usr/local/bin/entry.sh"]
