FROM mcr.microsoft.com/powershell:lts-alpine-3.17
SHELL ["pwsh", "-NoLogo", "-NoProfile", "-Command"]
RUN Write-Host "hello from pwsh"
CMD ["pwsh"]
