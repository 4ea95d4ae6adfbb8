FROM alpine:3.20
WORKDIR /app
WORKDIR /app/with space
WORKDIR "/quoted dir"
# import-reports
WORKDIR relative/dir
ARG APP_HOME=/opt/app
WORKDIR $APP_HOME
