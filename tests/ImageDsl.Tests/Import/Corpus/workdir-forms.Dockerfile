FROM alpine:3.20
WORKDIR /app
WORKDIR /app/with space
WORKDIR "/quoted dir"
