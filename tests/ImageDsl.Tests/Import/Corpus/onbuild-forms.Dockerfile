FROM node:20-alpine
ONBUILD ARG NODE_ENV=production
ONBUILD COPY package.json /app/
ONBUILD RUN npm install
ONBUILD ENV READY=1
