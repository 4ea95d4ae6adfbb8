FROM alpine:3.20
ENTRYPOINT exec /usr/bin/app --config /etc/app.conf
CMD echo --verbose
