FROM alpine:3.20
LABEL description="A \"quoted\" value with \\ backslash"
LABEL "com.example.key"="value"
LABEL single='it''s'
LABEL dollar="costs \$5"
LABEL unicode="café ☃"
