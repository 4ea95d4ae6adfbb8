FROM busybox:1.36
COPY hello.txt /hello.txt
USER 65534:65534
CMD ["cat", "/hello.txt"]
