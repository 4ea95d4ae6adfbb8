# A header comment
#   indented text in a comment

# import-reports
# Build stage
FROM alpine:3.20 AS build # not a comment: part of the line
RUN echo build # also part of the command

# Final stage
FROM alpine:3.20
# Copy the artefact
COPY --from=build /etc/hostname /build-hostname
# trailing comment at the end
