FROM debian:12
# Continuation lines with comments and blank lines inside, as BuildKit reads them
RUN set -eux; \
    # first comment
    echo one; \

    echo two; \
    # second comment

    echo three
RUN echo \
  four
ENV A=1 \
    B=2
