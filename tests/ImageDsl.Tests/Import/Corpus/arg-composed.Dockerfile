# Image references and paths built from other build arguments.
ARG DOTNET_VERSION=8.0
ARG REGISTRY=mcr.microsoft.com
ARG SDK_IMAGE=${REGISTRY}/dotnet/sdk:${DOTNET_VERSION}
ARG RUNTIME_IMAGE="${REGISTRY}/dotnet/aspnet:${DOTNET_VERSION}-bookworm-slim"
ARG CHANNEL=v${DOTNET_VERSION}

FROM ${SDK_IMAGE} AS build
ARG CONFIGURATION=Release
ARG OUT=/out/${CONFIGURATION}
WORKDIR /src
COPY . .
RUN dotnet publish -c "$CONFIGURATION" -o "$OUT"

FROM ${RUNTIME_IMAGE}
ARG DOTNET_VERSION
ARG CONFIGURATION=Release
ARG OUT=/out/${CONFIGURATION}
ARG CHANNEL
LABEL org.example.dotnet=${DOTNET_VERSION} org.example.out=$OUT org.example.channel=${CHANNEL}
# import-reports
ARG FIRST=1 SECOND=x${FIRST}
COPY --from=build /out/ /app/
ENTRYPOINT ["dotnet", "/app/app.dll"]
