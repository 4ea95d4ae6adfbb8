FROM debian:12
# import-reports
MAINTAINER Jane Doe <jane@example.com>
LABEL maintainer="Jane Doe <jane@example.com>"
RUN echo built
