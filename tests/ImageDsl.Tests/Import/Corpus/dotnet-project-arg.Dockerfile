ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:8.0
FROM $SDK_IMAGE AS build
ARG PROJECT=src/Api/Api.csproj
WORKDIR /src
COPY $PROJECT ./project/
RUN dotnet restore ./project
COPY . .
RUN dotnet publish "$PROJECT" -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /app /app
ENTRYPOINT ["dotnet", "/app/Api.dll"]
