FROM debian:12
ENV APP=/opt/app
# import-reports
ENV PATH=$APP/bin:$PATH
# import-reports
WORKDIR $APP
COPY . /opt/app
