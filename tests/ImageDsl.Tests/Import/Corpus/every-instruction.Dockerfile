# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended
ARG BASE=debian:12
FROM ${BASE} AS base
ARG BASE
ARG VERSION=1.0
LABEL version=$VERSION
ENV APP_HOME=/opt/app
WORKDIR /opt/app
SHELL ["/bin/bash", "-c"]
RUN echo "building $VERSION"
COPY app.sh ./
ADD vendor.tar.gz /opt/vendor/
EXPOSE 80 443/tcp 53/udp 9000-9010
VOLUME /data /logs
USER daemon
HEALTHCHECK --interval=1m30s --timeout=10s --start-period=5s --start-interval=2s --retries=4 CMD ["/opt/app/app.sh", "health"]
STOPSIGNAL SIGINT
ONBUILD COPY . /opt/app/src
ONBUILD RUN make -C /opt/app/src
ENTRYPOINT ["/opt/app/app.sh"]
CMD ["serve"]
