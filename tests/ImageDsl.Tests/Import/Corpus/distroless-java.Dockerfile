FROM eclipse-temurin:21-jdk AS build
WORKDIR /app
COPY . .
RUN ./mvnw -q package

FROM gcr.io/distroless/java21-debian12
COPY --from=build /app/target/app.jar /app/app.jar
WORKDIR /app
CMD ["app.jar"]
