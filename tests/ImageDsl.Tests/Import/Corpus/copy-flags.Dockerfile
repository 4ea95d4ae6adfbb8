# syntax=docker/dockerfile:1.7-labs
FROM alpine:3.20 AS assets
RUN mkdir -p /out && echo x > /out/x.txt

FROM alpine:3.20
COPY --link --chown=10:20 --chmod=0640 config.yml /etc/app/config.yml
COPY --parents src/*/package.json /app/
COPY --exclude=*.md --exclude=tests/ . /app/
COPY --from=assets --link /out/ /srv/
COPY --from=alpine:3.19 /etc/os-release /etc/os-release.old
COPY a.txt b.txt c/ /dest/
COPY ["with space.txt", "/dest/with space.txt"]
