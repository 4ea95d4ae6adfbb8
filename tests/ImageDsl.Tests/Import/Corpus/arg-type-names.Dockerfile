# Build arguments named like the types an imported definition uses (Port, Value, Uri, TimeSpan, Owner, Mount, …), or
# like the members of its class (Define, Checks, the generated ImageName and DockerfileText, object's): their fields
# must neither hide those types nor collide with those members.
ARG PLATFORM=linux/amd64
ARG DOCKERFILE=alpine:3.20
FROM --platform=linux/amd64 $DOCKERFILE AS build
ARG PORT=8080
ARG VALUE=v
ARG URI=https://example.com/x
ARG TIME_SPAN=1
ARG OWNER=app
ARG MOUNT=/cache
ARG GLOB=*.txt
ARG SIGNAL=SIGTERM
ARG COMMAND=make
ARG FILE_MODE=644
ARG BUILD_ARG=b
ARG STAGE_OR_IMAGE=s
ARG DOT_NET=d
ARG IMAGE=i
ARG IMAGE_NAME=n
ARG DOCKERFILE_TEXT=t
ARG DEFINE=d
ARG CHECKS=c
ARG EQUALS=e
ARG TO_STRING=s
ENV ALL="$PORT $VALUE $URI $TIME_SPAN $OWNER $MOUNT $GLOB $SIGNAL $COMMAND $FILE_MODE $BUILD_ARG $STAGE_OR_IMAGE $DOT_NET $IMAGE"
ENV MEMBERS="$IMAGE_NAME $DOCKERFILE_TEXT $DEFINE $CHECKS $EQUALS $TO_STRING"
RUN --mount=type=cache,target=/cache make
ADD https://example.com/tool.txt /opt/
COPY --chown=1000:1000 --chmod=644 *.txt /app/
EXPOSE 8080/udp 9090
HEALTHCHECK --interval=30s CMD true
STOPSIGNAL SIGQUIT
USER 1000:1000
CMD ["run"]
