ARG VARIANT=bookworm
ARG REGISTRY=docker.io
FROM ${REGISTRY}/library/debian:${VARIANT}
ARG VARIANT
ARG USER_ID=1000
ARG GROUP_ID=1000
RUN groupadd -g ${GROUP_ID} dev && useradd -m -u ${USER_ID} -g dev dev
ENV VARIANT=${VARIANT}
USER ${USER_ID}:${GROUP_ID}
