FROM denoland/deno:alpine-1.46.3
WORKDIR /app
USER deno
COPY deps.ts .
RUN deno cache deps.ts
COPY . .
RUN deno cache main.ts
EXPOSE 8000
CMD ["run", "--allow-net", "main.ts"]
