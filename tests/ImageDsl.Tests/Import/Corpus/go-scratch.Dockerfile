FROM golang:1.22 AS builder
WORKDIR /go/src/app
COPY . .
RUN go build -o /go/bin/app

FROM scratch
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /go/bin/app /app
USER 65534:65534
ENTRYPOINT ["/app"]
