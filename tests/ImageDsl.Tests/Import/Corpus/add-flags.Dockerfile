# syntax=docker/dockerfile:1.7
FROM alpine:3.20
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.0.tar.gz /opt/
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.15.0 /src/buildkit
ADD --chown=1:1 --chmod=600 rootfs.tar.xz /
ADD https://example.com/file.txt /downloads/
