FROM gradle:8.8-jdk17 AS build
COPY --chown=gradle:gradle . /home/gradle/project
WORKDIR /home/gradle/project
RUN gradle installDist --no-daemon

FROM eclipse-temurin:17-jre-jammy
RUN mkdir /app
COPY --from=build /home/gradle/project/build/install/app/ /app/
WORKDIR /app/bin
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["./app"]
