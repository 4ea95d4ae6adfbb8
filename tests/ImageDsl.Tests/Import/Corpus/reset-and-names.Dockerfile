# Stage names as docker reads them (any case, dots), a digest-pinned base, and the empty command forms.
FROM alpine:3.20 AS Build
RUN echo hi > /x
FROM alpine:3.20 AS my.stage_1
COPY --from=BUILD /x /y
FROM alpine@sha256:c5b1261d6d3e43071626931fc004f70149baeba2c8ec672bd4f27761f8e1ad6b
ENV OPTS="-Dx=y -Da=b" EMPTY=""
LABEL "com.example.key"="v" com.example.dotted=1
COPY --from=my.stage_1 /y /z
COPY --from=build /x /w
EXPOSE 80-90/udp
HEALTHCHECK NONE
ENTRYPOINT []
CMD []
