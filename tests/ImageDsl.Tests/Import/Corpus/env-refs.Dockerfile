FROM debian:12
ENV APP=/opt/app
ENV PATH=$APP/bin:$PATH
WORKDIR $APP
COPY . /opt/app
