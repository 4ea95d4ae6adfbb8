FROM alpine:3.20 AS a
USER nobody

FROM a AS b
USER 1000

FROM b AS c
USER 1000:1000

FROM c
USER app:staff
