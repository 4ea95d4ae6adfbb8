# syntax=docker/dockerfile:1
FROM alpine:3.20 AS helper
RUN echo helper > /helper.txt

FROM alpine:3.20
RUN --network=none echo offline
RUN --network=host echo host
RUN --security=insecure echo insecure
RUN --mount=type=tmpfs,target=/scratch,size=1048576 echo tmp > /scratch/x
RUN --mount=type=secret,id=aws,target=/root/.aws/credentials,required=true,mode=0400,uid=0,gid=0 cat /root/.aws/credentials
RUN --mount=type=secret,id=token,env=TOKEN echo "$TOKEN" | wc -c
RUN --mount=type=ssh git ls-remote git@example.com:org/repo.git
RUN --mount=type=ssh,id=deploy,required=true echo ssh
RUN --mount=type=bind,from=helper,source=/helper.txt,target=/mnt/helper.txt cat /mnt/helper.txt
RUN --mount=type=bind,target=/ctx,rw touch /ctx/scratch
RUN --mount=type=cache,target=/cache,id=shared,sharing=private,mode=0750,uid=1000,gid=1000 ls /cache
RUN --mount=type=cache,target=/ro,readonly ls /ro
