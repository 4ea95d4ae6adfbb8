FROM --platform=linux/arm64 alpine:3.20 AS arm
RUN uname -m > /arch

FROM alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS pinned
RUN echo pinned

FROM --platform=$TARGETPLATFORM registry.example.com:5000/team/base:2.1
COPY --from=arm /arch /arch
COPY --from=pinned /etc/os-release /pinned-os-release
