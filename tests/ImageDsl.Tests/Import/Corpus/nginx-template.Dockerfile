FROM nginx:1.27-alpine
ENV NGINX_PORT=8080 \
    BACKEND=http://api:5000
COPY templates/default.conf.template /etc/nginx/templates/
EXPOSE 8080
