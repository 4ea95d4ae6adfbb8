FROM mcr.microsoft.com/dotnet/aspnet:8.0
ENV ASPNETCORE_URLS=http://+:5000
ENV DOTNET_RUNNING_IN_CONTAINER=true
EXPOSE 5000
COPY publish/ /app/
WORKDIR /app
USER app
ENTRYPOINT ["dotnet", "Web.dll"]
