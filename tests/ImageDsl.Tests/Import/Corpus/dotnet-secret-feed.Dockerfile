# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY nuget.config *.csproj ./
RUN --mount=type=secret,id=nuget_token,env=NUGET_TOKEN \
    --mount=type=cache,target=/root/.nuget/packages,sharing=locked \
    dotnet restore
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages,sharing=locked dotnet publish -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /app /app
WORKDIR /app
USER 1654:1654
CMD ["dotnet", "App.dll"]
