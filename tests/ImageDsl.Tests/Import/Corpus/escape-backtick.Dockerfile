# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
RUN Write-Host 'one'; `
    Write-Host 'two'
COPY app/ /app/
ENV APP_HOME=C:\app
WORKDIR /app
CMD ["powershell", "-File", "C:\\app\\start.ps1"]
