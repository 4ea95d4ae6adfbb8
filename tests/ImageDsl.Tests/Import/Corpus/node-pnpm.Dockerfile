FROM node:22-slim AS base
ENV PNPM_HOME="/pnpm"
ENV PATH="$PNPM_HOME:$PATH"
RUN corepack enable

FROM base AS prod-deps
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --prod --frozen-lockfile

FROM base
WORKDIR /app
COPY --from=prod-deps /app/node_modules /app/node_modules
COPY . .
EXPOSE 8000
CMD [ "pnpm", "start" ]
