FROM mcr.microsoft.com/dotnet/sdk:8.0 AS restore
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props NuGet.config ./
COPY src/Api/Api.csproj src/Api/
COPY tests/Api.Tests/Api.Tests.csproj tests/Api.Tests/
RUN dotnet restore tests/Api.Tests/Api.Tests.csproj

# import-reports
FROM restore AS test
COPY . .
RUN dotnet test tests/Api.Tests/Api.Tests.csproj --no-restore -c Release

FROM restore AS publish
COPY . .
RUN dotnet publish src/Api/Api.csproj -c Release -o /out --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:8.0-alpine
RUN apk add --no-cache icu-libs tzdata
ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=false
WORKDIR /app
COPY --from=publish /out .
USER app
ENTRYPOINT ["dotnet", "Api.dll"]
