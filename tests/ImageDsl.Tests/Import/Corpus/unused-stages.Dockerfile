FROM golang:1.23 AS build
COPY . /src
RUN cd /src && go build -o /app .

# import-reports
FROM golang:1.23 AS lint
RUN go vet ./...

# import-reports
FROM build AS test
RUN go test ./...

FROM gcr.io/distroless/base-debian12
COPY --from=build /app /app
ENTRYPOINT ["/app"]
