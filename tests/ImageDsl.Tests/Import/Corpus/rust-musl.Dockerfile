FROM rust:1.80-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
RUN mkdir src && echo "fn main() {}" > src/main.rs && cargo build --release && rm -rf src
COPY src ./src
RUN touch src/main.rs && cargo build --release

FROM alpine:3.20
COPY --from=build /app/target/release/server /usr/local/bin/server
USER 1000:1000
EXPOSE 8080
CMD ["server"]
