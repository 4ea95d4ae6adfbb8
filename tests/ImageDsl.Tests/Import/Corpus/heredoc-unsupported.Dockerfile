# syntax=docker/dockerfile:1
FROM python:3.12-slim
# import-reports
RUN python3 <<EOF
print("hello")
EOF
# import-reports
RUN <<EOF
echo $HOME
EOF
CMD ["python3"]
