FROM alpine:3.20
VOLUME ["/var/lib/app", "/var/log/app"]
VOLUME /cache
