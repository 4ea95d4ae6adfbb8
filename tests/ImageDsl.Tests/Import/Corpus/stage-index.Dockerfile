# import-reports
FROM alpine:3.20
RUN echo first > /first

# import-reports
FROM alpine:3.20
RUN echo second > /second

FROM busybox:1.36
COPY --from=0 /first /first
COPY --from=1 /second /second
CMD ["cat", "/first", "/second"]
