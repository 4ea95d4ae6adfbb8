FROM ubuntu:24.04
ENV DEBIAN_FRONTEND noninteractive
ENV TZ Europe/Amsterdam
ENV GREETING hello   world  with spaces
RUN apt-get update && apt-get install -y --no-install-recommends tzdata && rm -rf /var/lib/apt/lists/*
CMD echo "$GREETING"
