FROM debian:12
# Not JSON (single quotes): the shell form
# import-reports
CMD [ 'echo', 'not json' ]
# JSON: the exec form
ENTRYPOINT ["/bin/sh", "-c"]
RUN ["echo", "exec form"]
RUN [ "sh", "-c", "echo with spaces" ]
# A bracket that is not an array
# import-reports
RUN [ -d /tmp ] && echo yes
