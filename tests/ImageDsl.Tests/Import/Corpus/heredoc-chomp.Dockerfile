# syntax=docker/dockerfile:1
FROM alpine:3.20
RUN <<-EOT
	mkdir -p /data
	touch /data/ready
	EOT
