# escape=`

FROM mcr.microsoft.com/dotnet/framework/sdk:4.8 AS build
WORKDIR /app
COPY *.sln .
COPY WebApp/*.csproj ./WebApp/
RUN nuget restore `
    # restore the solution
    WebApp.sln
COPY WebApp/. ./WebApp/
RUN msbuild /p:Configuration=Release -r:False

FROM mcr.microsoft.com/dotnet/framework/aspnet:4.8
WORKDIR /inetpub/wwwroot
COPY --from=build /app/WebApp/. ./
