# Self-contained trimmed app on a chiseled base
ARG SDK=mcr.microsoft.com/dotnet/sdk:9.0
ARG RUNTIME=mcr.microsoft.com/dotnet/runtime-deps:9.0-noble-chiseled

FROM --platform=$BUILDPLATFORM ${SDK} AS publish
ARG TARGETARCH
WORKDIR /src
COPY *.csproj .
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore -a $TARGETARCH
COPY . .
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish -a $TARGETARCH -c Release --no-restore --self-contained -p:PublishTrimmed=true -o /app

FROM ${RUNTIME}
WORKDIR /app
COPY --link --from=publish /app .
EXPOSE 8080
ENTRYPOINT ["./App"]
